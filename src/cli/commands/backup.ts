import { BackupEngine, type BackupEngineOptions, type BackupResult } from '../../backup/backup-engine.js';
import type { BackupProgress } from '../../backup/progress.js';
import { isPartial, parseShard, type AccountSelection } from '../../backup/selection.js';
import { ZimbraBackupError } from '../../errors.js';
import { isCompression } from '../../store/blob-codec.js';
import { optInt, optList, optString } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { adminClientFromArgs, repositoryFromArgs, SERVER_OPTIONS, SERVER_USAGE } from '../connect.js';
import { progressLine, progressMode } from '../progress-line.js';
import { runInLockHolder } from '../delegate.js';
import { directoryCaptureFromArgs, LDAP_OPTIONS, LDAP_USAGE } from '../directory-args.js';

/** Flags of `backup` and `watch`. */
export const BACKUP_OPTIONS = {
  ...SERVER_OPTIONS,
  ...LDAP_OPTIONS,
  repo: { type: 'string' },
  'repo-password-file': { type: 'string' },
  encrypt: { type: 'boolean' },
  accounts: { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  'item-concurrency': { type: 'string' },
  compression: { type: 'string' },
  full: { type: 'boolean' },
  'max-item-bytes': { type: 'string' },
  'no-bulk-download': { type: 'boolean' },
  progress: { type: 'string' },
  'server-url': { type: 'string', multiple: true },
  shard: { type: 'string' },
  'mail-servers': { type: 'string', multiple: true },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

/** The engine, client and repository of the backup/watch/run flags. */
export async function engineFromArgs(
  values: Values,
  ctx: CommandContext,
  onProgress: (p: BackupProgress) => void,
  extra: Partial<BackupEngineOptions> = {},
) {
  const compression = optString(values, 'compression') ?? 'gzip';
  if (!isCompression(compression))
    throw new ZimbraBackupError('--compression must be gzip, none or zstd', { code: 'ZB_INVALID_ARGUMENT' });
  // The server first: a repository is created only after the server accepted the credentials,
  // so a mistyped password against a new --repo path leaves nothing behind.
  const client = await adminClientFromArgs(values, ctx);
  let repository;
  try {
    repository = await repositoryFromArgs(values, ctx, { compression, encrypt: values['encrypt'] === true });
  } catch (err) {
    client.close();
    throw err;
  }
  const accounts = optList(values, 'accounts');
  const concurrency = optInt(values, 'concurrency', 1);
  const itemConcurrency = optInt(values, 'item-concurrency', 1);
  const maxItemBytes = optInt(values, 'max-item-bytes', 1);
  const shardText = optString(values, 'shard');
  const mailServers = optList(values, 'mail-servers');
  const selection: AccountSelection = {
    ...(shardText !== undefined ? { shard: parseShard(shardText) } : {}),
    ...(mailServers ? { mailServers } : {}),
  };
  const directory = await directoryCaptureFromArgs(values, ctx);
  const serverUrls = serverUrlsFromArgs(optList(values, 'server-url'));
  const engine = new BackupEngine({
    client,
    repository,
    onProgress,
    ...(directory ? { directory } : {}),
    onDirectory: (r) => {
      if (r.warning) ctx.err(`warning: ${r.warning}`);
    },
    ...(accounts ? { accounts } : {}),
    ...(concurrency ? { concurrency } : {}),
    ...(itemConcurrency ? { itemConcurrency } : {}),
    ...(maxItemBytes ? { maxItemBytes } : {}),
    // one GET per message instead of fmt=tar batches during full listings (bulk-fetch.ts)
    ...(values['no-bulk-download'] === true ? { bulkDownload: false } : {}),
    ...(serverUrls ? { serverUrls } : {}),
    ...(isPartial(selection) ? { selection } : {}),
    ...extra,
  });
  return { engine, client, repository };
}

/**
 * `--server-url NAME=URL` (repeatable or a comma list): the admin URL of a mailbox server whose
 * `zimbraServiceHostname:zimbraAdminPort` cannot be reached from here (NAT, the emulator). The URL
 * is http(s) with no credentials, path, query or fragment.
 */
export function serverUrlsFromArgs(list: string[] | undefined): Record<string, string> | undefined {
  if (!list) return undefined;
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    const name = eq > 0 ? item.slice(0, eq).trim() : '';
    let url: URL | undefined;
    try {
      url = new URL(item.slice(eq + 1).trim());
    } catch {
      url = undefined;
    }
    if (
      !name ||
      !url ||
      !/^https?:$/.test(url.protocol) ||
      url.username ||
      url.password ||
      (url.pathname !== '/' && url.pathname !== '') ||
      url.search ||
      url.hash
    )
      // the value is not echoed: a URL with credentials in it must not reach a log
      throw new ZimbraBackupError(`--server-url wants NAME=https://host:port (entry ${name || '?'} is not)`, {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'server-url' },
      });
    out[name] = url.origin;
  }
  return out;
}

export function report(
  result: BackupResult,
  extra: Record<string, unknown>,
  values: Values,
  ctx: CommandContext,
): number {
  if (values['json']) ctx.out(JSON.stringify({ ...result, ...extra }));
  else {
    ctx.out(
      `accounts ${result.accounts}: ${result.itemsNew} new, ${result.itemsChanged} changed, ${result.itemsDeleted} deleted; ${(result.bytesDownloaded / 1e6).toFixed(1)} MB downloaded, ${(result.bytesStored / 1e6).toFixed(1)} MB stored in ${(result.durationMs / 1000).toFixed(1)} s`,
    );
    // Warnings, not failures: the account is tried again on the next pass (exit code unchanged).
    for (const w of result.inactive.slice(0, 20))
      ctx.err(
        `warning: account ${w.accountId} is inactive on the server since ${new Date(w.sinceMs).toISOString()}; skipped, history kept: ${w.error}`,
      );
    for (const f of result.failures.slice(0, 20))
      ctx.err(`failed: account ${f.accountId}${f.itemId ? ` item ${f.itemId}` : ''}: ${f.error}`);
  }
  return result.failures.length > 0 ? 3 : 0;
}

/** `zimbra-backup backup`: one full/incremental pass. */
export const backupCommand: Command = {
  name: 'backup',
  summary: 'one incremental backup pass of every (or the given) account into the repository, plus a directory dump',
  usage: `zimbra-backup backup --repo PATH|s3://bucket/prefix ${SERVER_USAGE} [--accounts a,b] [--concurrency N] [--item-concurrency N] [--no-bulk-download] [--compression gzip|none|zstd] [--encrypt] [--repo-password-file F | env ZB_REPO_PASSWORD] [--full] [--shard i/n] [--mail-servers a,b] [--server-url NAME=URL] ${LDAP_USAGE} [--progress tty|json|none] [--json]`,
  options: BACKUP_OPTIONS,
  async run(values, ctx) {
    const progress = progressLine(ctx, progressMode(values, ctx));
    const { engine, client, repository } = await engineFromArgs(values, ctx, progress.onProgress);
    try {
      let result: BackupResult;
      try {
        result = await engine.run({ signal: ctx.signal, full: values['full'] === true });
      } catch (err) {
        // --full (SmartScan) of every account beside a running watch/run: that process runs it.
        const whole =
          values['full'] === true &&
          optList(values, 'accounts') === undefined &&
          optString(values, 'shard') === undefined &&
          optList(values, 'mail-servers') === undefined;
        const delegated = whole
          ? await runInLockHolder(repository, err, { task: 'smartscan' }, ctx, 'SmartScan (backup --full)')
          : undefined;
        if (delegated === undefined) throw err;
        progress.done();
        if (values['json']) ctx.out(JSON.stringify({ delegated: true, task: 'smartscan', ok: true }));
        else ctx.out('SmartScan done by the capturing process: every account listed in full against its journal');
        return 0;
      }
      progress.done();
      return report(result, {}, values, ctx);
    } finally {
      client.close();
    }
  },
};
