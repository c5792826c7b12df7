import { checkRepository } from '../../maintenance/check.js';
import type { CheckProblem } from '../../maintenance/types.js';
import { optInt, optList } from '../args.js';
import type { Command } from '../command.js';
import { repositoryFromArgs } from '../connect.js';
import { PhaseProgressTracker, progressMode, progressReporter } from '../progress-line.js';

function describe(p: CheckProblem): string {
  const where = p.accounts
    .map(
      (a) =>
        `${a.id}${a.items.length > 0 ? ` items ${a.items.slice(0, 20).join(',')}${a.items.length > 20 ? ',...' : ''}` : ''}`,
    )
    .join('; ');
  const repair = p.repair
    ? ` [repair: ${p.repair.quarantineKey ? `quarantined as ${p.repair.quarantineKey}, ` : ''}${p.repair.healable ? 'refetch scheduled for the next backup' : (p.repair.note ?? 'not repairable')}]`
    : '';
  return `${p.severity.toUpperCase()} ${p.kind} ${p.digest ?? p.key ?? ''}: ${p.message}${where ? ` (${where})` : ''}${repair}`;
}

/** `zimbra-backup check`: coherency check, optionally with repair. Exit 1 when problems remain. */
export const checkCommand: Command = {
  name: 'check',
  summary:
    'verify that every referenced blob exists (quick) or re-hashes (--full) and every journal is intact; --repair quarantines damage and schedules refetches',
  usage:
    'zimbra-backup check --repo PATH|s3://bucket/prefix [--full] [--accounts a,b] [--repair] [--concurrency N] [--progress tty|json|none] [--json]',
  options: {
    repo: { type: 'string' },
    full: { type: 'boolean' },
    accounts: { type: 'string', multiple: true },
    repair: { type: 'boolean' },
    concurrency: { type: 'string' },
    progress: { type: 'string' },
  },
  async run(values, ctx) {
    const repository = await repositoryFromArgs(values);
    const accounts = optList(values, 'accounts');
    const concurrency = optInt(values, 'concurrency', 1);
    const progress = progressReporter(ctx, progressMode(values, ctx), new PhaseProgressTracker());
    const r = await checkRepository({
      repository,
      full: values['full'] === true,
      repair: values['repair'] === true,
      signal: ctx.signal,
      ...(accounts ? { accounts } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      onProgress: progress.onProgress,
    });
    progress.done();
    const failed = values['repair'] === true ? r.remaining > 0 : r.errors > 0;
    if (values['json']) {
      ctx.out(JSON.stringify(r));
      return failed ? 1 : 0;
    }
    for (const p of r.problems) ctx.out(describe(p));
    ctx.out(
      `${r.full ? 'full' : 'quick'} check: ${r.accounts} accounts, ${r.records} records, ${r.blobsChecked} blobs (${(r.bytesChecked / 1e6).toFixed(1)} MB, ` +
        `${r.mbPerSecond.toFixed(1)} MB/s) in ${(r.durationMs / 1000).toFixed(1)}s; ${r.errors} errors${r.full ? `, ${r.unreferencedBlobs} unreferenced blobs` : ''}` +
        `${values['repair'] === true ? `, ${r.remaining} not healable` : ''}`,
    );
    return failed ? 1 : 0;
  },
};
