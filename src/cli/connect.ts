/**
 * What every CLI command needs: the repository named by `--repo` (a local path or
 * `s3://bucket/prefix`), and an admin client from `--server`/`--admin` with the password from
 * `--password-file` or the environment (never argv).
 * @module
 */
import { resolve } from 'node:path';
import { isZimbraBackupError, ZimbraBackupError } from '../errors.js';
import { FORMAT_KEY } from '../repository/layout.js';
import { openOrInitRepository } from '../repository/open-or-init.js';
import { openRepository, type Repository } from '../repository/repository.js';
import { LocalBackend } from '../store/backends/local.js';
import { RetryBackend } from '../store/backends/retry.js';
import type { StorageBackend } from '../store/backends/backend.js';
import type { Compression } from '../store/blob-codec.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import type { Secret } from '../internal/secret.js';
import { optString, readPassword, requireString } from './args.js';
import type { CommandContext, OptionSpec } from './command.js';

type Values = Record<string, string | boolean | string[] | undefined>;

/** Options shared by commands that talk to a Zimbra server. */
export const SERVER_OPTIONS: OptionSpec = {
  server: { type: 'string' },
  'mail-url': { type: 'string' },
  admin: { type: 'string' },
  'password-file': { type: 'string' },
  'ca-file': { type: 'string' },
  insecure: { type: 'boolean' },
  transport: { type: 'string' },
};

/** Usage text of {@link SERVER_OPTIONS}. */
export const SERVER_USAGE =
  '--server ADMIN_URL --admin USER (--password-file F | env ZB_ADMIN_PASSWORD) [--mail-url URL] [--ca-file F] [--insecure] [--transport json|xml]';

/** The storage backend of a `--repo` value. S3 is loaded only when asked for (optional peer dependency). */
export async function backendFromArg(repo: string): Promise<StorageBackend> {
  if (repo.startsWith('s3://')) {
    let mod: typeof import('../store/backends/s3.js');
    try {
      mod = await import('../store/backends/s3.js');
    } catch (cause) {
      throw new ZimbraBackupError(
        's3:// repositories need the optional packages @aws-sdk/client-s3 and @aws-sdk/lib-storage (npm install them)',
        { code: 'ZB_UNSUPPORTED', cause },
      );
    }
    // The S3 backend does not retry by itself (STYLE: retries are a wrapper backend).
    return new RetryBackend(mod.createS3BackendFromUrl(repo));
  }
  return new LocalBackend({ root: resolve(repo) });
}

/** The flag of the repository password file (the password may also come from env `ZB_REPO_PASSWORD`). */
export const REPO_PASSWORD_OPTIONS: OptionSpec = { 'repo-password-file': { type: 'string' } };

/** Usage text of {@link REPO_PASSWORD_OPTIONS}. */
export const REPO_PASSWORD_USAGE = '[--repo-password-file F | env ZB_REPO_PASSWORD] (encrypted repositories)';

/** The repository password from `--repo-password-file` or env `ZB_REPO_PASSWORD` (never argv). */
export function repoPasswordFromArgs(values: Values, env: NodeJS.ProcessEnv): Promise<Secret | undefined> {
  return readPassword(values, env, 'repo-password-file', 'ZB_REPO_PASSWORD');
}

/**
 * Opens the repository of `--repo` (an encrypted one with the password of `--repo-password-file` or
 * env `ZB_REPO_PASSWORD`); with `create`, initialises it when it does not exist yet, encrypted when
 * `create.encrypt` is set.
 */
export async function repositoryFromArgs(
  values: Values,
  ctx?: Pick<CommandContext, 'env'>,
  create?: { compression?: Compression; encrypt?: boolean },
): Promise<Repository> {
  const repo = requireString(values, 'repo');
  const password = ctx ? await repoPasswordFromArgs(values, ctx.env) : undefined;
  if (create?.encrypt && !password)
    throw new ZimbraBackupError('--encrypt needs a password: --repo-password-file F or env ZB_REPO_PASSWORD', {
      code: 'ZB_KEY_REQUIRED',
    });
  const backend = await backendFromArg(repo);
  if (create) {
    const repository = await openOrInitRepository({
      backend,
      ...(password ? { password } : {}),
      ...(create.compression ? { compression: create.compression } : {}),
      ...(create.encrypt && password ? { encryption: { password } } : {}),
    });
    if (create.encrypt && !repository.encrypted)
      throw new ZimbraBackupError(`${repo} exists and is not encrypted; --encrypt applies to new repositories only`, {
        code: 'ZB_CONFLICT',
        data: { repo, reason: 'not-encrypted' },
      });
    return repository;
  }
  try {
    return await openRepository({ backend, ...(password ? { password } : {}) });
  } catch (err) {
    if (isZimbraBackupError(err, 'ZB_NOT_A_REPOSITORY') && !(await backend.stat(FORMAT_KEY)))
      throw new ZimbraBackupError(
        `${repo} is not a zimbra-backup repository (no FORMAT object): create one with \`zimbra-backup init --repo ${repo}\` or run a backup into it`,
        { code: 'ZB_NOT_A_REPOSITORY', cause: err, data: { repo } },
      );
    throw err;
  }
}

/** An admin-authenticated client from `--server`, `--admin` and the password file or env. */
export async function adminClientFromArgs(values: Values, ctx: CommandContext): Promise<ZimbraClient> {
  const server = requireString(values, 'server');
  const admin = optString(values, 'admin') ?? ctx.env['ZB_ADMIN'];
  if (!admin) throw new ZimbraBackupError('--admin is required (or env ZB_ADMIN)', { code: 'ZB_INVALID_ARGUMENT' });
  const password = await readPassword(values, ctx.env, 'password-file', 'ZB_ADMIN_PASSWORD');
  if (!password)
    throw new ZimbraBackupError('an admin password is required: --password-file F or env ZB_ADMIN_PASSWORD', {
      code: 'ZB_INVALID_ARGUMENT',
    });
  const caFile = optString(values, 'ca-file');
  const transport = optString(values, 'transport');
  if (transport !== undefined && transport !== 'json' && transport !== 'xml')
    throw new ZimbraBackupError('--transport must be json or xml', { code: 'ZB_INVALID_ARGUMENT' });
  checkUrl(server, 'server');
  const mailUrl = optString(values, 'mail-url') ?? defaultMailUrl(server);
  checkUrl(mailUrl, 'mail-url');
  const { readFile } = await import('node:fs/promises');
  const ca = caFile
    ? await readFile(caFile).catch((cause: unknown) => {
        throw new ZimbraBackupError(`cannot read --ca-file ${caFile}: ${(cause as Error).message}`, {
          code: 'ZB_INVALID_ARGUMENT',
          cause,
          data: { field: 'ca-file' },
        });
      })
    : undefined;
  // Loaded here, not at start-up: commands that only read the repository never pay for the
  // HTTP/XML stack (fast CLI start, issue 12).
  const [{ ZimbraClient }, { proxyFromEnv }] = await Promise.all([
    import('../soap/zimbra-client.js'),
    import('../soap/http/proxy.js'),
  ]);
  const client = new ZimbraClient({
    url: mailUrl,
    adminUrl: server,
    // HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY, as curl reads them.
    proxy: proxyFromEnv(ctx.env),
    ...(transport ? { transport } : {}),
    ...(caFile || values['insecure']
      ? {
          tls: { ...(ca ? { ca } : {}), ...(values['insecure'] ? { insecure: true } : {}) },
        }
      : {}),
  });
  try {
    await client.authAdmin(admin, password);
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

/** Refuses a --server/--mail-url that is not an http(s) URL (a user mistake, not an internal error). */
function checkUrl(text: string, name: string): void {
  let u: URL | undefined;
  try {
    u = new URL(text);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:'))
    throw new ZimbraBackupError(
      `--${name} must be an http(s) URL such as https://mail.example.com:7071, got ${JSON.stringify(text)}`,
      { code: 'ZB_INVALID_ARGUMENT', data: { field: name } },
    );
}

/** The mail URL that goes with an admin URL when none is given: same host, default ports. */
function defaultMailUrl(adminUrl: string): string {
  const u = new URL(adminUrl);
  // Zimbra serves mail on 443/80 (nginx) and admin on 7071; a non-standard admin port has no rule.
  if (u.port === '7071') u.port = '';
  return u.origin;
}
