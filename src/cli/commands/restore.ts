import { Secret } from '../../internal/secret.js';
import { restoreAccount } from '../../restore/restore-account.js';
import { optInt, optString, optTime, requireString } from '../args.js';
import type { Command } from '../command.js';
import { coverageWarnings, resolvedTimes } from '../time-coverage.js';
import { adminClientFromArgs, repositoryFromArgs, SERVER_OPTIONS, SERVER_USAGE } from '../connect.js';
import { printRestoreResult, progressPrinter, RESTORE_OPTIONS } from './restore-output.js';

/** `zimbra-backup restore`: an account's mailbox as it was at an instant, into a new account or the original. */
export const restoreCommand: Command = {
  name: 'restore',
  summary:
    'restore an account as it was at --at into the original account (only what is missing), or into --to-account: a new account it creates; an existing other account is refused unless --into-existing',
  usage: `zimbra-backup restore --repo R --account A --at ISO [--to-account B [--into-existing]] ${SERVER_USAGE} [--dry-run] [--concurrency N] [--json]`,
  options: {
    ...RESTORE_OPTIONS,
    ...SERVER_OPTIONS,
    at: { type: 'string' },
    'to-account': { type: 'string' },
    'into-existing': { type: 'boolean' },
  },
  async run(values, ctx) {
    const account = requireString(values, 'account');
    requireString(values, 'at');
    const at = optTime(values, 'at')!;
    const repository = await repositoryFromArgs(values, ctx);
    const client = await adminClientFromArgs(values, ctx);
    try {
      const toAccount = optString(values, 'to-account');
      const concurrency = optInt(values, 'concurrency', 1);
      const onProgress = progressPrinter(ctx);
      const r = await restoreAccount({
        repository,
        client,
        account,
        at,
        signal: ctx.signal,
        ...(toAccount ? { toAccount } : {}),
        ...(values['into-existing'] === true ? { intoExisting: true } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(values['dry-run'] === true ? { dryRun: true } : {}),
        ...(onProgress ? { onProgress } : {}),
      }).catch((err: unknown) => {
        // The account exists now; its generated password can be shown only here, once.
        const pw = (err as { data?: { generatedPassword?: Secret } }).data?.generatedPassword;
        if (pw instanceof Secret)
          ctx.err(`account ${toAccount} was created; generated password (shown once): ${pw.reveal()}`);
        throw err;
      });
      const warnings = await coverageWarnings(repository, account, { at }, ctx.signal);
      return printRestoreResult(ctx, values['json'] === true, r, { times: resolvedTimes({ at }), warnings });
    } finally {
      client.close();
    }
  },
};
