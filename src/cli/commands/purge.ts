import { ZimbraBackupError } from '../../errors.js';
import { MIN_RETENTION_MS, purgeRepository, type PurgeResult } from '../../maintenance/purge.js';
import { optString, parseDuration, requireString } from '../args.js';
import type { Command } from '../command.js';
import { repositoryFromArgs } from '../connect.js';
import { runInLockHolder } from '../delegate.js';
import { PhaseProgressTracker, progressMode, progressReporter } from '../progress-line.js';

/** `zimbra-backup purge`: retention and garbage collection. */
export const purgeCommand: Command = {
  name: 'purge',
  summary:
    'remove item versions and deleted items older than the retention, expired deleted accounts, then unreferenced blobs (takes the writer lock; beside a running watch/run, that process runs it)',
  usage:
    'zimbra-backup purge --repo PATH|s3://bucket/prefix --retention 30d [--deleted-accounts-retention 90d] [--force] [--dry-run] [--progress tty|json|none] [--json]\n' +
    '  durations: 45s, 90min, 12h, 30d, 2w (no bare numbers; "m" is refused as ambiguous); 0 = keep forever;\n' +
    '  a retention under 1d is refused without --force',
  options: {
    repo: { type: 'string' },
    'repo-password-file': { type: 'string' },
    retention: { type: 'string' },
    'deleted-accounts-retention': { type: 'string' },
    'dry-run': { type: 'boolean' },
    force: { type: 'boolean' },
    progress: { type: 'string' },
  },
  async run(values, ctx) {
    const retentionMs = parseDuration(requireString(values, 'retention'), 'retention');
    const accountsText = optString(values, 'deleted-accounts-retention');
    const accountsMs =
      accountsText !== undefined ? parseDuration(accountsText, 'deleted-accounts-retention') : undefined;
    for (const [name, ms] of [
      ['retention', retentionMs],
      ['deleted-accounts-retention', accountsMs],
    ] as const)
      if (ms !== undefined && ms > 0 && ms < MIN_RETENTION_MS && values['force'] !== true)
        throw new ZimbraBackupError(
          `--${name} ${values[name] as string} is shorter than the minimum of 1d: purge would drop almost all history; pass --force if that is what you want`,
          { code: 'ZB_INVALID_ARGUMENT', data: { field: name, ms, minMs: MIN_RETENTION_MS } },
        );
    const repository = await repositoryFromArgs(values, ctx);
    const progress = progressReporter(ctx, progressMode(values, ctx), new PhaseProgressTracker());
    const dryRun = values['dry-run'] === true;
    let r: PurgeResult;
    try {
      r = await purgeRepository({
        repository,
        retentionMs,
        dryRun,
        signal: ctx.signal,
        onProgress: progress.onProgress,
        ...(accountsMs !== undefined ? { deletedAccountsRetentionMs: accountsMs } : {}),
      });
    } catch (err) {
      // A running watch/run holds the lock: it runs the purge for us (docs/FORMAT.md, "Writers beside real-time capture").
      const spec = {
        task: 'purge' as const,
        retentionMs,
        ...(dryRun ? { dryRun } : {}),
        ...(accountsMs !== undefined ? { deletedAccountsRetentionMs: accountsMs } : {}),
      };
      const delegated = await runInLockHolder(repository, err, spec, ctx, 'purge');
      if (delegated === undefined) throw err;
      r = delegated as PurgeResult;
    }
    progress.done();
    if (values['json']) {
      ctx.out(JSON.stringify(r));
      return 0;
    }
    const verb = r.dryRun ? 'would remove' : 'removed';
    ctx.out(
      `${verb} ${r.versionsRemoved} item versions and ${r.deletesRemoved} deleted items in ${r.accountsCompacted} accounts, ` +
        `${r.accountsRemoved.length} deleted accounts (${r.accountObjectsRemoved} objects), ${r.blobsRemoved} unreferenced blobs; ` +
        `${(r.bytesReclaimed / 1e6).toFixed(1)} MB reclaimed${r.dryRun ? ' (dry run)' : ''}; ${r.blobsKept} blobs kept` +
        (r.packsDeleted === undefined
          ? ''
          : `; packs: ${r.packsDeleted} ${r.dryRun ? 'to delete' : 'deleted'}, ${r.packsRewritten ?? 0} ${r.dryRun ? 'to rewrite' : 'rewritten'} (${((r.bytesRewritten ?? 0) / 1e6).toFixed(1)} MB copied)`),
    );
    return 0;
  },
};
