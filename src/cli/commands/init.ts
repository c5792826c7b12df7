import { ZimbraBackupError } from '../../errors.js';
import { initRepository } from '../../repository/repository.js';
import { isCompression } from '../../store/blob-codec.js';
import { optString, requireString } from '../args.js';
import type { Command } from '../command.js';
import { backendFromArg } from '../connect.js';

/**
 * `zimbra-backup init`: creates an empty repository (a backup into a new path does it too; this
 * makes the choice of compression explicit and fails on a path that is already in use).
 */
export const initCommand: Command = {
  name: 'init',
  summary: 'create an empty repository at --repo (refused when the location is not empty)',
  usage: 'zimbra-backup init --repo PATH|s3://bucket/prefix [--compression gzip|none|zstd] [--json]',
  options: { repo: { type: 'string' }, compression: { type: 'string' } },
  async run(values, ctx) {
    const repo = requireString(values, 'repo');
    const compression = optString(values, 'compression') ?? 'gzip';
    if (!isCompression(compression))
      throw new ZimbraBackupError(`--compression must be gzip, none or zstd, got ${JSON.stringify(compression)}`, {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'compression' },
      });
    const repository = await initRepository({ backend: await backendFromArg(repo), compression });
    const config = repository.config;
    if (values['json']) ctx.out(JSON.stringify({ repo, id: config.id, compression: config.compression }));
    else ctx.out(`created repository ${config.id} at ${repo} (compression ${config.compression})`);
    return 0;
  },
};
