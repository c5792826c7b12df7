import { checkRepository, type CheckResult } from '../../maintenance/check.js';
import type { CheckProblem } from '../../maintenance/types.js';
import { ZimbraBackupError } from '../../errors.js';
import { optInt, optList, optString } from '../args.js';
import type { Command } from '../command.js';
import { repositoryFromArgs } from '../connect.js';
import { runInLockHolder } from '../delegate.js';
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

/** `--sample 5%` (or a fraction such as 0.05) as a fraction in (0, 1]. */
function sampleOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const f = m ? Number(m[1]) / (m[2] === '%' ? 100 : 1) : Number.NaN;
  if (!(f > 0 && f <= 1))
    throw new ZimbraBackupError(
      `--sample must be a percentage such as 5% (or a fraction such as 0.05), got ${JSON.stringify(text)}`,
      {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'sample' },
      },
    );
  return f;
}

/** `zimbra-backup check`: coherency check, optionally with repair. Exit 1 when problems remain. */
export const checkCommand: Command = {
  name: 'check',
  summary:
    'verify that every referenced blob exists (quick) or re-hashes (--full) and every journal is intact; --repair quarantines damage and schedules refetches',
  usage:
    'zimbra-backup check --repo PATH|s3://bucket/prefix [--full | --sample 5%] [--accounts a,b] [--repair] [--concurrency N] [--progress tty|json|none] [--json]\n' +
    '  quick (default): journals read, every referenced blob exists with the recorded size; blob contents are NOT re-hashed\n' +
    '  --sample P%: quick, plus re-hashing a random P% of the blobs; --full: re-hashes every blob and lists unreferenced ones',
  options: {
    repo: { type: 'string' },
    'repo-password-file': { type: 'string' },
    full: { type: 'boolean' },
    sample: { type: 'string' },
    accounts: { type: 'string', multiple: true },
    repair: { type: 'boolean' },
    concurrency: { type: 'string' },
    progress: { type: 'string' },
  },
  async run(values, ctx) {
    const repository = await repositoryFromArgs(values, ctx);
    const accounts = optList(values, 'accounts');
    const concurrency = optInt(values, 'concurrency', 1);
    const progress = progressReporter(ctx, progressMode(values, ctx), new PhaseProgressTracker());
    const sample = sampleOf(optString(values, 'sample'));
    const full = values['full'] === true;
    let r: CheckResult;
    try {
      r = await checkRepository({
        ...(sample !== undefined ? { sample } : {}),
        repository,
        full,
        repair: values['repair'] === true,
        signal: ctx.signal,
        ...(accounts ? { accounts } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        onProgress: progress.onProgress,
      });
    } catch (err) {
      // --repair beside a running watch/run: that process checks and repairs (whole repository only).
      const whole = accounts === undefined && sample === undefined;
      const delegated = whole
        ? await runInLockHolder(repository, err, { task: 'check', full, repair: true }, ctx, 'check --repair')
        : undefined;
      if (delegated === undefined) throw err;
      r = delegated as CheckResult;
    }
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
    // A quick check's "0 errors" must not read as "the data is intact".
    if (!r.full)
      ctx.out(
        r.blobsRehashed > 0
          ? `sampled: ${r.blobsRehashed} of ${r.blobsChecked} blobs re-hashed; the others were checked for existence and size only (--full re-hashes all)`
          : 'not verified by a quick check: blob contents (corruption that keeps the size) and unreferenced blobs; use --sample 5% or --full',
      );
    return failed ? 1 : 0;
  },
};
