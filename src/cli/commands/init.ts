import { ZimbraBackupError } from '../../errors.js';
import { initRepository } from '../../repository/repository.js';
import { isCompression } from '../../store/blob-codec.js';
import { optString, requireString } from '../args.js';
import type { Command } from '../command.js';
import { backendFromArg, REPO_PASSWORD_OPTIONS, repoPasswordFromArgs } from '../connect.js';

/**
 * `zimbra-backup init`: creates an empty repository (a backup into a new path does it too; this
 * makes the choice of compression explicit and fails on a path that is already in use).
 */
export const initCommand: Command = {
  name: 'init',
  summary: 'create an empty repository at --repo (refused when the location is not empty)',
  usage:
    'zimbra-backup init --repo PATH|s3://bucket/prefix [--compression gzip|none|zstd] [--encrypt (--repo-password-file F | env ZB_REPO_PASSWORD) [--label TEXT]] [--json]',
  options: {
    repo: { type: 'string' },
    compression: { type: 'string' },
    encrypt: { type: 'boolean' },
    label: { type: 'string' },
    ...REPO_PASSWORD_OPTIONS,
  },
  async run(values, ctx) {
    const repo = requireString(values, 'repo');
    const compression = optString(values, 'compression') ?? 'gzip';
    if (!isCompression(compression))
      throw new ZimbraBackupError(`--compression must be gzip, none or zstd, got ${JSON.stringify(compression)}`, {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'compression' },
      });
    const password = values['encrypt'] ? await repoPasswordFromArgs(values, ctx.env) : undefined;
    if (values['encrypt'] && !password)
      throw new ZimbraBackupError('--encrypt needs a password: --repo-password-file F or env ZB_REPO_PASSWORD', {
        code: 'ZB_KEY_REQUIRED',
      });
    const label = optString(values, 'label');
    const repository = await initRepository({
      backend: await backendFromArg(repo),
      compression,
      ...(password ? { encryption: { password, ...(label ? { label } : {}) } } : {}),
    });
    const config = repository.config;
    const encrypted = repository.encrypted;
    if (values['json'])
      ctx.out(
        JSON.stringify({
          repo,
          id: config.id,
          compression: config.compression,
          encrypted,
          keyId: repository.keySlotId,
        }),
      );
    else
      ctx.out(
        `created ${encrypted ? 'encrypted ' : ''}repository ${config.id} at ${repo} (compression ${config.compression})${encrypted ? `; key slot ${repository.keySlotId}` : ''}`,
      );
    return 0;
  },
};
