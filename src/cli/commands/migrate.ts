import { migrateRepository } from '../../maintenance/migrate.js';
import { optString } from '../args.js';
import type { Command } from '../command.js';
import { repositoryFromArgs } from '../connect.js';
import { ZimbraBackupError } from '../../errors.js';

/** `zimbra-backup migrate`: repository format 1 -> 2 in place (resumable; takes the writer lock). */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'convert a format 1 repository to format 2 (packs + index) in place; resumable, crash-safe',
  usage:
    'zimbra-backup migrate --repo PATH|s3://bucket/prefix [--dry-run] [--pack-size BYTES] [--json]\n' +
    '  rerun after an interruption to finish; a damaged blob stops it before the switch (run check --full --repair)',
  options: {
    repo: { type: 'string' },
    'repo-password-file': { type: 'string' },
    'dry-run': { type: 'boolean' },
    'pack-size': { type: 'string' },
  },
  async run(values, ctx) {
    const sizeText = optString(values, 'pack-size');
    const packSize = sizeText === undefined ? undefined : Number(sizeText);
    if (packSize !== undefined && (!Number.isInteger(packSize) || packSize < 1024 || packSize > 2 ** 32))
      throw new ZimbraBackupError('--pack-size must be a number of bytes from 1024 to 4294967296', {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'pack-size' },
      });
    const repository = await repositoryFromArgs(values, ctx);
    const r = await migrateRepository({
      repository,
      dryRun: values['dry-run'] === true,
      signal: ctx.signal,
      ...(packSize !== undefined ? { packSize } : {}),
    });
    if (values['json']) {
      ctx.out(JSON.stringify(r));
      return 0;
    }
    if (r.dryRun)
      ctx.out(
        `format ${r.fromVersion}: ${r.blobObjects} blob objects (${(r.bytes / 1e6).toFixed(1)} MB) to pack, ${r.alreadyPacked} already packed (dry run)`,
      );
    else
      ctx.out(
        `format 2: ${r.blobObjects - r.alreadyPacked} blob objects packed into ${r.packsWritten} packs, ${r.objectsDeleted} format 1 objects removed${r.complete ? '' : ' (incomplete: rerun migrate)'}`,
      );
    return 0;
  },
};
