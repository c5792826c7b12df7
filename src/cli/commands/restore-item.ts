import { restoreItems } from '../../restore/restore-items.js';
import { optList, optString, optTime, requireString } from '../args.js';
import type { Command } from '../command.js';
import { coverageWarnings, resolvedTimes } from '../time-coverage.js';
import { adminClientFromArgs, repositoryFromArgs, SERVER_OPTIONS, SERVER_USAGE } from '../connect.js';
import { ZimbraBackupError } from '../../errors.js';
import { printRestoreResult, progressPrinter, RESTORE_OPTIONS } from './restore-output.js';

/** `zimbra-backup restore-item`: single items by id, into their original folder or `--folder`. */
export const restoreItemCommand: Command = {
  name: 'restore-item',
  summary: 'restore items by id (their last backed-up version, or the one at --at) into their folder or --folder',
  usage: `zimbra-backup restore-item --repo R --account A --id N[,N...] [--at ISO] [--folder PATH] [--to-account B] ${SERVER_USAGE} [--dry-run] [--json]`,
  options: {
    ...RESTORE_OPTIONS,
    ...SERVER_OPTIONS,
    id: { type: 'string', multiple: true },
    at: { type: 'string' },
    folder: { type: 'string' },
    'to-account': { type: 'string' },
  },
  async run(values, ctx) {
    const account = requireString(values, 'account');
    const ids = optList(values, 'id');
    if (!ids) throw new ZimbraBackupError('--id is required', { code: 'ZB_INVALID_ARGUMENT' });
    const at = optTime(values, 'at');
    const repository = await repositoryFromArgs(values, ctx);
    const client = await adminClientFromArgs(values, ctx);
    try {
      const folder = optString(values, 'folder');
      const toAccount = optString(values, 'to-account');
      const onProgress = progressPrinter(ctx);
      const r = await restoreItems({
        repository,
        client,
        account,
        ids,
        signal: ctx.signal,
        ...(at !== undefined ? { at } : {}),
        ...(folder ? { folder } : {}),
        ...(toAccount ? { toAccount } : {}),
        ...(values['dry-run'] === true ? { dryRun: true } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      const warnings = await coverageWarnings(repository, account, { at }, ctx.signal);
      return printRestoreResult(ctx, values['json'] === true, r, { times: resolvedTimes({ at }), warnings });
    } finally {
      client.close();
    }
  },
};
