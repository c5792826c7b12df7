import { ZimbraBackupError } from '../../errors.js';
import { undelete } from '../../restore/undelete.js';
import { optInt, optString, optTime, requireString } from '../args.js';
import type { Command } from '../command.js';
import { coverageWarnings, resolvedTimes } from '../time-coverage.js';
import { adminClientFromArgs, repositoryFromArgs, SERVER_OPTIONS, SERVER_USAGE } from '../connect.js';
import { printRestoreResult, progressPrinter, RESTORE_OPTIONS } from './restore-output.js';

/** `zimbra-backup undelete`: every item deleted in a window, into a `Restored YYYY-MM-DD HH.MM` folder. */
export const undeleteCommand: Command = {
  name: 'undelete',
  summary:
    'bring back every item deleted between --from and --to, into a "Restored <date>" folder mirroring the original paths',
  usage: `zimbra-backup undelete --repo R --account A --from ISO --to ISO [--to-account B] [--folder-name NAME] ${SERVER_USAGE} [--dry-run] [--json]`,
  options: {
    ...RESTORE_OPTIONS,
    ...SERVER_OPTIONS,
    from: { type: 'string' },
    to: { type: 'string' },
    'to-account': { type: 'string' },
    'folder-name': { type: 'string' },
  },
  async run(values, ctx) {
    const account = requireString(values, 'account');
    const from = optTime(values, 'from');
    const to = optTime(values, 'to');
    if (from === undefined || to === undefined)
      throw new ZimbraBackupError('--from and --to are required', { code: 'ZB_INVALID_ARGUMENT' });
    const repository = await repositoryFromArgs(values, ctx);
    const client = await adminClientFromArgs(values, ctx);
    try {
      const toAccount = optString(values, 'to-account');
      const folderName = optString(values, 'folder-name');
      const concurrency = optInt(values, 'concurrency', 1);
      const onProgress = progressPrinter(ctx);
      const r = await undelete({
        repository,
        client,
        account,
        from,
        to,
        signal: ctx.signal,
        ...(toAccount ? { toAccount } : {}),
        ...(folderName ? { folderName } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(values['dry-run'] === true ? { dryRun: true } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      const warnings = await coverageWarnings(repository, account, { from, to }, ctx.signal);
      return printRestoreResult(ctx, values['json'] === true, r, { times: resolvedTimes({ from, to }), warnings });
    } finally {
      client.close();
    }
  },
};
