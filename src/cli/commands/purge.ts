import { purgeRepository } from '../../maintenance/purge.js';
import { optString, parseDuration, requireString } from '../args.js';
import type { Command } from '../command.js';
import { repositoryFromArgs } from '../connect.js';

/** `zimbra-backup purge`: retention and garbage collection. */
export const purgeCommand: Command = {
  name: 'purge',
  summary:
    'remove item versions and deleted items older than the retention, expired deleted accounts, then unreferenced blobs (takes the writer lock)',
  usage:
    'zimbra-backup purge --repo PATH|s3://bucket/prefix --retention 30d [--deleted-accounts-retention 90d] [--dry-run] [--json]   (0 = keep forever)',
  options: {
    repo: { type: 'string' },
    retention: { type: 'string' },
    'deleted-accounts-retention': { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run(values, ctx) {
    const retentionMs = parseDuration(requireString(values, 'retention'), 'retention');
    const accountsText = optString(values, 'deleted-accounts-retention');
    const repository = await repositoryFromArgs(values);
    const r = await purgeRepository({
      repository,
      retentionMs,
      dryRun: values['dry-run'] === true,
      signal: ctx.signal,
      ...(accountsText !== undefined
        ? { deletedAccountsRetentionMs: parseDuration(accountsText, 'deleted-accounts-retention') }
        : {}),
    });
    if (values['json']) {
      ctx.out(JSON.stringify(r));
      return 0;
    }
    const verb = r.dryRun ? 'would remove' : 'removed';
    ctx.out(
      `${verb} ${r.versionsRemoved} item versions and ${r.deletesRemoved} deleted items in ${r.accountsCompacted} accounts, ` +
        `${r.accountsRemoved.length} deleted accounts (${r.accountObjectsRemoved} objects), ${r.blobsRemoved} unreferenced blobs; ` +
        `${(r.bytesReclaimed / 1e6).toFixed(1)} MB reclaimed${r.dryRun ? ' (dry run)' : ''}; ${r.blobsKept} blobs kept`,
    );
    return 0;
  },
};
