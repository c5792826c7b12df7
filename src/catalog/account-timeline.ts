/**
 * An account's activity over time: how many item versions were captured and how many items
 * disappeared per hour or day. Drawn by the console as the timeline an administrator picks a
 * deletion window or an instant on.
 * @module
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- imported for a TSDoc {@link} (typedoc resolves it through the import)
import type { Journal } from '../journal/journal.js';
import type { Repository } from '../repository/repository.js';
import { resolveAccount } from './list-items.js';
import { invalidArgument as invalid } from '../internal/invalid-argument.js';

/** Bucket width of a {@link AccountTimeline}. */
export type TimelineBucketSize = 'hour' | 'day';

/** Counts of one bucket. */
export interface TimelineBucket {
  /** Start of the bucket, ms since the epoch (UTC hour or day boundary). */
  startMs: number;
  /** Item versions captured (new or changed items, folders and tags included). */
  changes: number;
  /** Items that disappeared, including those that went with a deleted folder. */
  deletions: number;
}

/** Result of {@link accountTimeline}. */
export interface AccountTimeline {
  accountId: string;
  accountName: string;
  bucket: TimelineBucketSize;
  /** Range covered, ms since the epoch. */
  fromMs: number;
  toMs: number;
  /** Every bucket of the range, empty ones included, oldest first. */
  buckets: TimelineBucket[];
}

/** Options of {@link accountTimeline}. */
export interface AccountTimelineOptions {
  repository: Repository;
  /** Account name or zimbraId. */
  account: string;
  /** Start, ms. Default: the first capture, or 24 buckets before the end when that is later. */
  from?: number;
  /** End, ms. Default: the last capture. */
  to?: number;
  /** Default: `hour` for ranges up to 7 days, else `day`. */
  bucket?: TimelineBucketSize;
  signal?: AbortSignal;
}

const BUCKET_MS: Record<TimelineBucketSize, number> = { hour: 3_600_000, day: 86_400_000 };
/** More buckets than this is a request for too fine a grain (refused, not truncated). */
const MAX_BUCKETS = 5000;
const MIN_BUCKETS = 24;

/**
 * Counts changes and deletions per bucket. Cost: one pass over the journal's records in the range
 * plus {@link Journal.deletedBetween} over it.
 * @throws `ZB_INVALID_ARGUMENT` for a reversed range or one needing more than 5000 buckets.
 */
export async function accountTimeline(opts: AccountTimelineOptions): Promise<AccountTimeline> {
  const { repository, signal } = opts;
  const io = signal ? { signal } : {};
  const account = await resolveAccount(repository, opts.account, signal);
  const journal = await repository.journal(account.id, { readOnly: true, ...io });
  try {
    const last = journal.stats().lastCaptureMs;
    let first = opts.from;
    if (first === undefined) {
      for await (const rec of journal.records(io)) {
        first = rec.captureMs;
        break;
      }
    }
    const toMs = opts.to ?? Math.max(last, first ?? last);
    const bucket = opts.bucket ?? (toMs - (first ?? last) <= 7 * 86_400_000 ? 'hour' : 'day');
    if (bucket !== 'hour' && bucket !== 'day') throw invalid('bucket must be hour or day');
    const width = BUCKET_MS[bucket];
    // A chart of one or two bars says little: without an explicit start, show at least 24 buckets.
    const fromMs = opts.from ?? Math.min(first ?? last, toMs - (MIN_BUCKETS - 1) * width);
    if (toMs < fromMs) throw invalid('the end of the range is before its start');
    const start = Math.floor(fromMs / width) * width;
    const count = Math.floor(toMs / width) - Math.floor(fromMs / width) + 1;
    if (count > MAX_BUCKETS) throw invalid(`the range needs ${count} ${bucket} buckets (at most ${MAX_BUCKETS})`);
    const buckets: TimelineBucket[] = Array.from({ length: count }, (_, i) => ({
      startMs: start + i * width,
      changes: 0,
      deletions: 0,
    }));
    const slot = (t: number): TimelineBucket | undefined => buckets[Math.floor((t - start) / width)];
    for await (const rec of journal.records({ from: Math.max(0, fromMs), to: toMs, ...io })) {
      if (rec.type === 'item') {
        const b = slot(rec.captureMs);
        if (b) b.changes++;
      }
    }
    for (const d of await journal.deletedBetween(Math.max(0, fromMs - 1), toMs, io)) {
      const b = slot(d.deletedCaptureMs);
      if (b) b.deletions++;
    }
    return { accountId: account.id, accountName: account.name, bucket, fromMs, toMs, buckets };
  } finally {
    await journal.close();
  }
}
