import { isZimbraBackupError, throwIfAborted } from '../errors.js';
import { resolveLogger, type Logger } from '../internal/logger.js';
import type { StorageBackend } from '../store/backends/backend.js';
import {
  checkpointDir,
  parseCheckpointKey,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointInfo,
  type HeadAnchor,
} from './checkpoint.js';
import { PagedCheckpoint } from './checkpoint-pages.js';
import { deleteQuietly, isCurrentVersion, mergeSegments } from './compaction.js';
import { LazyState, recordIds } from './lazy-state.js';
import { InvalidObjectError, isJsonValue, validateRecord } from './record-codec.js';
import { batchBody, encodeRecords, readSegment, segmentKey, type Batch, type SegmentInfo } from './segment.js';
import { corruptSegment, listJournal, SegmentTable } from './segment-table.js';
import { sameJson, StateBuilder } from './state-at.js';
import type {
  CommitOptions,
  CommitResult,
  CompactOptions,
  CompactResult,
  DeletedItem,
  DeleteRecord,
  ItemRecord,
  JournalOptions,
  JournalRecord,
  JournalRecordInput,
  JournalStats,
  ItemRecord as LiveItem,
  JsonValue,
  MailboxState,
  RecoveredObject,
} from './types.js';
import { JOURNAL_DIR } from './journal-dir.js';
import { builderAt, deletedBetween, itemHistory, recordsBetween, type JournalReadContext } from './journal-reads.js';
import { invalidArgument as invalid } from '../internal/invalid-argument.js';

function checkCount(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${field} must be a non-negative integer`, { field });
  return value;
}

function checkTime(value: number, field: string): void {
  if (!Number.isFinite(value)) throw invalid(`${field} must be a finite number of ms`, { field });
}

/**
 * The per-account, append-only metadata history: every item version and deletion with its times.
 * One writer per account at a time (the repository lock guarantees it); any number of readers,
 * each seeing the journal as it was when it opened. Algorithm and failure modes: the module
 * documentation of `journal/index.ts`; format: docs/FORMAT.md ("Journal").
 *
 * @example
 * ```ts
 * const journal = await Journal.open({ backend: new MemoryBackend(), prefix: 'accounts/acc-1/' });
 * await journal.commit(
 *   [{ type: 'item', kind: 'message', id: '257', folderId: '2', modifiedSequence: 12, digest }],
 *   { state: { token: '12' } },
 * );
 * const before = await journal.stateAt(Date.now() - 60_000);
 * const gone = await journal.deletedBetween(Date.now() - 86_400_000, Date.now());
 * ```
 */
export class Journal {
  readonly #backend: StorageBackend;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #clock: () => number;
  readonly #readOnly: boolean;
  readonly #checkpointMin: number;
  readonly #headMin: number;
  readonly #lazyWanted: boolean;
  readonly #compactAfter: number;
  readonly #beforeCommit: ((signal?: AbortSignal) => Promise<void>) | undefined;
  readonly #table: SegmentTable;
  #state = new StateBuilder();
  #checkpoints: CheckpointInfo[] = [];
  readonly #recovered: RecoveredObject[] = [];
  #checkpointRecords = 0;
  /** Set while the journal is open lazily and has not read its whole state (lazy-state.ts). */
  #lazy: LazyState | undefined;
  /** The newest checkpoint, and whether it is a head one (deleted when the next is written). */
  #newest: { info: CheckpointInfo; head: boolean } | undefined;
  /** Records and live items at the newest spaced checkpoint (the ones point-in-time reads keep). */
  #spaced = { records: 0, live: 0 };
  #bytesWritten = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(opts: JournalOptions) {
    this.#backend = opts.backend;
    this.#prefix = opts.prefix === '' || opts.prefix.endsWith('/') ? opts.prefix : `${opts.prefix}/`;
    this.#logger = resolveLogger(opts.logger);
    this.#clock = opts.clock ?? Date.now;
    this.#readOnly = opts.readOnly === true;
    this.#checkpointMin = checkCount(opts.checkpointMinRecords, 'checkpointMinRecords', 10_000);
    this.#headMin = checkCount(opts.headCheckpointMinRecords, 'headCheckpointMinRecords', 2000);
    this.#lazyWanted = opts.lazy === true;
    this.#compactAfter = checkCount(opts.compactAfterSegments, 'compactAfterSegments', 64);
    this.#beforeCommit = opts.beforeCommit;
    this.#table = new SegmentTable(this.#backend, this.#prefix);
  }

  /**
   * Opens (or starts) the journal under `prefix`: loads the newest intact checkpoint, replays the
   * segments after it, ignores a torn tail (reported in {@link Journal.recovered}; deleted unless
   * read-only).
   * @throws ZB_JOURNAL_CORRUPT when a segment other than the last is damaged or missing.
   * @throws ZB_INVALID_ARGUMENT on bad options.
   */
  static async open(opts: JournalOptions): Promise<Journal> {
    if (!opts || typeof opts.backend?.put !== 'function') throw invalid('backend is required', { field: 'backend' });
    if (typeof opts.prefix !== 'string' || opts.prefix.startsWith('/') || opts.prefix.split('/').includes('..')) {
      throw invalid('prefix must be a repository-relative folder', { field: 'prefix' });
    }
    // The prefix names the journal's owner (`accounts/<id>/`); the journal adds `journal/` itself.
    // Opening the journal folder as the prefix would read an empty `journal/journal/`: refuse it.
    if (
      `${opts.prefix.replace(/\/+$/, '')}/`.endsWith(`/${JOURNAL_DIR}`) ||
      opts.prefix.replace(/\/+$/, '') === 'journal'
    ) {
      throw invalid(`prefix must name the journal's owner (e.g. accounts/<zimbraId>/), not its ${JOURNAL_DIR} folder`, {
        field: 'prefix',
      });
    }
    // A writer compacting while a reader opens can delete a segment the reader just listed:
    // start over from a fresh listing (twice at most; compactions are rare).
    for (let attempt = 0; ; attempt++) {
      const journal = new Journal(opts);
      try {
        await journal.#load(opts.signal);
        return journal;
      } catch (err) {
        if (attempt >= 2 || !isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
      }
    }
  }

  /** Objects ignored while opening (torn tail, damaged checkpoints). */
  get recovered(): readonly RecoveredObject[] {
    return this.#recovered;
  }

  #recover(key: string, reason: string, removed: boolean): void {
    this.#recovered.push({ key, reason, removed });
    this.#logger.warn({ key, reason, removed }, 'journal: ignoring a damaged object');
  }

  async #load(signal?: AbortSignal): Promise<void> {
    const listing = await listJournal(this.#backend, this.#prefix, signal);
    this.#table.set(listing.segments);
    const lastListed = this.#table.lastSeq;
    this.#checkpoints = listing.checkpoints.filter((c) => c.seq <= lastListed);
    let state = new StateBuilder();
    let lazy: LazyState | undefined;
    let head: HeadAnchor | undefined;
    while (this.#checkpoints.length > 0) {
      const cp = this.#checkpoints.at(-1) as CheckpointInfo;
      try {
        // Lazily: the header and page table only (checkpoint-pages.ts); a checkpoint without a
        // page table (older writers) is read whole.
        const paged = this.#lazyWanted ? await PagedCheckpoint.open(this.#backend, cp, signal) : undefined;
        if (paged) {
          lazy = new LazyState(paged);
          state = paged.base;
          head = paged.head;
        } else {
          ({ state, head } = await readCheckpoint(this.#backend, cp, signal));
        }
        this.#newest = { info: cp, head: head !== undefined };
        this.#spaced = head
          ? { records: head.anchorRecords, live: head.anchorLive }
          : { records: state.records, live: lazy ? lazy.checkpoint.counts.items : state.items.size };
        break;
      } catch (err) {
        if (!(err instanceof InvalidObjectError)) throw err;
        this.#checkpoints.pop();
        if (!this.#readOnly) await deleteQuietly({ backend: this.#backend, logger: this.#logger }, cp.key);
        this.#recover(cp.key, err.message, !this.#readOnly);
      }
    }
    this.#checkpointRecords = state.records;
    const tail: Batch[] = [];
    const visible = this.#table.visible;
    for (let i = 0; i < visible.length; i++) {
      const seg = visible[i]!;
      if (seg.last <= state.seq) continue;
      try {
        this.#table.reads += 1;
        for await (const batch of readSegment(this.#backend, seg, signal)) {
          if (batch.seq <= state.seq) continue;
          if (lazy) tail.push(batch);
          else state.applyBatch(batch);
        }
      } catch (err) {
        if (!(err instanceof InvalidObjectError)) throw err;
        // Only a single-commit segment at the very end is a torn tail: it was never acknowledged,
        // and readSegment yields its batch only once the whole object checked out.
        if (i !== visible.length - 1 || seg.first !== seg.last) throw corruptSegment(seg.key, err.message, err);
        visible.pop();
        if (!this.#readOnly) await deleteQuietly({ backend: this.#backend, logger: this.#logger }, seg.key);
        this.#recover(seg.key, err.message, !this.#readOnly);
      }
    }
    // A lazy state takes the tail on top of its resolved ids; a folder deleted in the tail needs
    // the whole state (its subtree goes with it), and so does a damaged page: open in full.
    if (lazy) {
      let replayed = false;
      try {
        replayed = await lazy.replay(state, tail, signal);
      } catch (err) {
        if (!(err instanceof InvalidObjectError)) throw err;
        this.#logger.warn({ key: lazy.checkpoint.info.key, reason: err.message }, 'journal: reading in full');
      }
      if (replayed) this.#lazy = lazy;
      else state = await this.#builderAt(Number.POSITIVE_INFINITY, signal);
    }
    this.#state = state;
    this.#checkpoints = this.#checkpoints.filter((c) => c.seq <= state.seq);
    // A checkpoint beyond the last intact batch describes a batch that will be numbered again.
    const stale = listing.checkpoints.filter((c) => c.seq > state.seq);
    if (!this.#readOnly) {
      const ctx = { backend: this.#backend, logger: this.#logger };
      for (const seg of this.#table.superseded) await deleteQuietly(ctx, seg.key);
      for (const cp of stale) await deleteQuietly(ctx, cp.key);
      this.#table.superseded = [];
    }
  }

  /**
   * Brings `ids` into a lazy state; a checkpoint page that does not check out makes the journal
   * read its whole state instead (which skips damaged checkpoints). Callers hold #exclusive.
   */
  async #resolve(ids: readonly string[], signal?: AbortSignal): Promise<void> {
    const lazy = this.#lazy;
    if (!lazy) return;
    try {
      await lazy.resolve(this.#state, ids, signal);
    } catch (err) {
      if (!(err instanceof InvalidObjectError)) throw err;
      this.#logger.warn({ key: lazy.checkpoint.info.key, reason: err.message }, 'journal: reading in full');
      await this.#materialize(signal);
    }
  }

  /** Reads the whole state of a lazily opened journal (no-op otherwise). Callers hold #exclusive. */
  async #materialize(signal?: AbortSignal): Promise<void> {
    if (!this.#lazy) return;
    this.#state = await this.#builderAt(Number.POSITIVE_INFINITY, signal);
    this.#lazy = undefined;
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #assertWritable(): void {
    if (this.#closed) throw invalid('journal is closed');
    if (this.#readOnly) throw invalid('journal was opened read-only');
  }

  /**
   * Commits a batch atomically: its records and a commit marker carrying `state` (the cursor the
   * batch brings the account to) become durable together, in one sealed segment object, before
   * this resolves. Records that replay versions already in the journal are dropped (idempotent
   * replays). Without `state`, the previous commit's state is carried forward.
   * Every blob a record references must already be durable (DESIGN invariant 1).
   * @throws ZB_INVALID_ARGUMENT for malformed records; backend errors (ZB_STORAGE...) when the
   * segment could not be written, in which case nothing of the batch is visible.
   */
  commit(records: readonly JournalRecordInput[], opts: CommitOptions = {}): Promise<CommitResult> {
    try {
      this.#assertWritable();
      if (!Array.isArray(records)) throw invalid('records must be an array');
      records.forEach((r, i) => validateRecord(r, i));
      if (opts.state !== undefined && !isJsonValue(opts.state))
        throw invalid('state must be a JSON value', { field: 'state' });
      if (opts.captureMs !== undefined) checkTime(opts.captureMs, 'captureMs');
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#exclusive(() => this.#commit(records, opts));
  }

  async #commit(records: readonly JournalRecordInput[], opts: CommitOptions): Promise<CommitResult> {
    throwIfAborted(opts.signal);
    // The replay filter and the apply below need what the journal holds for these ids.
    await this.#resolve(recordIds(records), opts.signal);
    if (this.#lazy?.cascades(this.#state, records)) await this.#materialize(opts.signal);
    const prev = this.#state;
    const { fresh, skipped } = prev.filterReplays(records, { bySequence: opts.newSequences !== true });
    const now = opts.captureMs ?? this.#clock();
    if (!Number.isFinite(now)) throw invalid('the clock returned a non-finite time', { field: 'clock' });
    const captureMs = Math.max(Math.trunc(now), prev.captureMs);
    const state = opts.state !== undefined ? (structuredClone(opts.state) as JsonValue) : prev.cursor;
    if (fresh.length === 0 && sameJson(state, prev.cursor)) {
      return { seq: prev.seq, captureMs: prev.captureMs, written: 0, skipped, noop: true };
    }
    const seq = prev.seq + 1;
    const encoded = encodeRecords(fresh, captureMs);
    const batch: Batch = { seq, captureMs, state, records: encoded.records };
    const { body, size } = batchBody(batch, encoded.lines);
    const key = segmentKey(this.#prefix, seq, seq, captureMs, captureMs);
    await this.#beforeCommit?.(opts.signal);
    await this.#backend.put(key, body, opts.signal ? { signal: opts.signal } : {});
    this.#bytesWritten += size;
    this.#table.visible.push({ key, first: seq, last: seq, minCaptureMs: captureMs, maxCaptureMs: captureMs });
    prev.applyBatch(batch);
    await this.#maintain();
    return { seq, captureMs, written: fresh.length, skipped, noop: false };
  }

  /** Checkpoint and tail compaction after a commit; the commit is durable already, so failures only warn. */
  async #maintain(): Promise<void> {
    try {
      if (this.#compactAfter > 0) {
        const visible = this.#table.visible;
        let n = 0;
        while (n < visible.length && visible[visible.length - 1 - n]!.first === visible[visible.length - 1 - n]!.last)
          n += 1;
        if (n >= this.#compactAfter) await this.#merge(visible.slice(visible.length - n), () => true);
      }
      if (this.#spacedDue()) {
        await this.#materialize();
        await this.#writeCheckpoint();
      }
    } catch (err) {
      this.#logger.warn(
        { err: String(err) },
        'journal: checkpoint or compaction failed; will retry after a later commit',
      );
    }
  }

  /**
   * True when the automatic checkpoint is due: the records since the newest spaced checkpoint
   * reach max(checkpointMinRecords, its live items) (head checkpoints in between do not count).
   */
  #spacedDue(): boolean {
    const since = this.#state.records - this.#spaced.records;
    return this.#checkpointMin > 0 && since >= Math.max(this.#checkpointMin, this.#spaced.live);
  }

  /**
   * Writes a checkpoint of the (whole) current state: a spaced one (kept for point-in-time reads),
   * or with `head` one that only shortens the next lazy open. A head checkpoint is deleted once the
   * next checkpoint is durable, so frequent head checkpoints do not pile up; a crash before that
   * delete leaves one more checkpoint (derived data, deleted by nobody but harmless).
   */
  async #writeCheckpoint(signal?: AbortSignal, head = false): Promise<void> {
    const prev = this.#newest;
    const anchor = head ? { anchorRecords: this.#spaced.records, anchorLive: this.#spaced.live } : undefined;
    const { info, size } = await writeCheckpoint(this.#backend, this.#prefix, this.#state, signal, anchor);
    this.#bytesWritten += size;
    this.#checkpoints = this.#checkpoints.filter((c) => c.seq !== info.seq).concat(info);
    this.#checkpointRecords = this.#state.records;
    this.#newest = { info, head };
    if (!head) this.#spaced = { records: this.#state.records, live: this.#state.items.size };
    if (prev?.head && prev.info.key !== info.key) {
      this.#checkpoints = this.#checkpoints.filter((c) => c.key !== prev.info.key);
      await deleteQuietly({ backend: this.#backend, logger: this.#logger }, prev.info.key);
    }
  }

  async #merge(segs: SegmentInfo[], keep: (r: JournalRecord) => boolean, signal?: AbortSignal): Promise<CompactResult> {
    const ctx = {
      backend: this.#backend,
      prefix: this.#prefix,
      table: this.#table,
      logger: this.#logger,
      ...(signal ? { signal } : {}),
    };
    const r = await mergeSegments(ctx, segs, keep);
    this.#bytesWritten += r.size;
    return { merged: segs.length, kept: r.kept, dropped: r.dropped, key: r.info.key };
  }

  /**
   * Merges every visible segment into one, keeping the records `opts.keep` accepts (default:
   * all). When a hook is given, checkpoints are dropped first (they may hold purged versions) and
   * a fresh one of the current state is written after.
   * @throws ZB_JOURNAL_CORRUPT when a segment cannot be read; the journal is then left unchanged.
   */
  compact(opts: CompactOptions = {}): Promise<CompactResult> {
    try {
      this.#assertWritable();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#exclusive(async () => {
      const segs = [...this.#table.visible];
      const hook = opts.keep;
      if (segs.length === 0 || (segs.length === 1 && !hook)) return { merged: 0, kept: 0, dropped: 0 };
      const ctx = { backend: this.#backend, logger: this.#logger };
      if (hook) {
        // The hook's "current version" test and the checkpoint after need the whole state.
        await this.#materialize(opts.signal);
        const cps = this.#checkpoints;
        this.#checkpoints = [];
        this.#newest = undefined;
        this.#spaced = { records: 0, live: 0 };
        for (const cp of cps) await deleteQuietly(ctx, cp.key);
      }
      const current = this.#state;
      const keep = hook ? (r: JournalRecord): boolean => isCurrentVersion(current, r) || hook(r) : () => true;
      const result = await this.#merge(segs, keep, opts.signal);
      current.records -= result.dropped;
      if (hook) await this.#writeCheckpoint(opts.signal);
      return result;
    });
  }

  /**
   * The current mailbox state (in memory; no I/O).
   * @throws ZB_INVALID_ARGUMENT on a journal opened with `lazy` whose state is not read yet
   * ({@link Journal.load}; {@link Journal.lookup} reads only the ids asked for).
   */
  current(): MailboxState {
    if (this.#lazy) throw invalid('the journal was opened lazily: await load() before current()');
    return this.#state.snapshot();
  }

  /** True while a lazily opened journal has not read its whole state. */
  get lazy(): boolean {
    return this.#lazy !== undefined;
  }

  /**
   * Reads the whole current state of a journal opened with `lazy` (a no-op otherwise, or when
   * done already): afterwards {@link Journal.current} works.
   */
  load(opts: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#exclusive(() => this.#materialize(opts.signal));
  }

  /**
   * The current versions of `ids` that are live (deleted and unknown ids are absent). On a lazily
   * opened journal this reads only the checkpoint pages that can hold them (checkpoint-pages.ts).
   */
  async lookup(ids: Iterable<string>, opts: { signal?: AbortSignal } = {}): Promise<ReadonlyMap<string, LiveItem>> {
    const list = [...new Set(ids)];
    await this.#exclusive(() => this.#resolve(list, opts.signal));
    const out = new Map<string, LiveItem>();
    for (const id of list) {
      const it = this.#state.items.get(id);
      if (it) out.set(id, it);
    }
    return out;
  }

  /** The last account snapshot and whether the account is recorded as deleted (no I/O, lazy or not). */
  account(): { account: MailboxState['account']; accountDeleted: boolean } {
    return { account: this.#state.account, accountDeleted: this.#state.accountDeleted };
  }

  /** The cursor state stored with the last commit (e.g. the sync token), or undefined. */
  lastState(): JsonValue | undefined {
    return this.#state.cursor;
  }

  /**
   * The mailbox as it was at capture time `t` (ms since the epoch): every commit captured at or
   * before `t`. Cost: one checkpoint read plus the segments after it up to `t`.
   * @throws ZB_JOURNAL_CORRUPT when a needed segment is damaged.
   */
  async stateAt(t: number, opts: { signal?: AbortSignal } = {}): Promise<MailboxState> {
    checkTime(t, 't');
    if (t >= this.#state.captureMs) {
      await this.load(opts);
      return this.current();
    }
    return (await this.#builderAt(t, opts.signal)).snapshot();
  }

  #builderAt(t: number, signal?: AbortSignal): Promise<StateBuilder> {
    return builderAt(this.#reads(), t, signal);
  }

  /** What the reads of the past (journal-reads.ts) need: storage, segments and checkpoints as they are now. */
  #reads(): JournalReadContext {
    return { backend: this.#backend, table: this.#table, checkpoints: this.#checkpoints, logger: this.#logger };
  }

  /**
   * Streams committed records in commit order, optionally only those captured in `[from, to]`
   * (ms since the epoch). Segments outside the range are not read. Do not commit to this journal
   * from inside the loop: a compaction could then race the reader (it recovers, at a cost).
   */
  async *records(range: { from?: number; to?: number; signal?: AbortSignal } = {}): AsyncGenerator<JournalRecord> {
    if (range.from !== undefined) checkTime(range.from, 'from');
    if (range.to !== undefined) checkTime(range.to, 'to');
    yield* recordsBetween(this.#table, range);
  }

  /**
   * Every version and deletion of one item, oldest first. Deletions that came with a deleted
   * folder appear as synthesized delete records with `viaFolderId`. Cost: reads the whole journal.
   */
  async history(itemId: string, opts: { signal?: AbortSignal } = {}): Promise<(ItemRecord | DeleteRecord)[]> {
    if (typeof itemId !== 'string' || itemId === '') throw invalid('itemId must be a non-empty string');
    return itemHistory(this.#table, itemId, opts.signal);
  }

  /**
   * Items deleted with a capture time in `(t1, t2]` (ms), each with its last version before the
   * deletion, including the contents of deleted folders (`viaFolderId`). Deletes of items the
   * journal never saw are not listed. Cost: stateAt(t1) plus the segments up to t2.
   */
  async deletedBetween(t1: number, t2: number, opts: { signal?: AbortSignal } = {}): Promise<DeletedItem[]> {
    checkTime(t1, 't1');
    checkTime(t2, 't2');
    if (t2 < t1) throw invalid('t2 must not be before t1', { t1, t2 });
    if (t1 >= this.#state.captureMs) return [];
    return deletedBetween(this.#reads(), t1, t2, opts.signal);
  }

  /** Counters for status output and tests. */
  stats(): JournalStats {
    const counts = this.#lazy?.counts(this.#state) ?? {
      items: this.#state.items.size,
      tombstones: this.#state.tombstones.size,
    };
    return {
      lastSeq: this.#state.seq,
      lastCaptureMs: this.#state.captureMs,
      records: this.#state.records,
      liveItems: counts.items,
      tombstones: counts.tombstones,
      segments: this.#table.visible.length,
      checkpoints: this.#checkpoints.length,
      segmentReads: this.#table.reads,
      checkpointPagesDecoded: this.#lazy?.checkpoint.pagesDecoded ?? 0,
      bytesWritten: this.#bytesWritten,
      recovered: this.#recovered.length,
    };
  }

  /**
   * Capture times of every checkpoint object stored now (listed afresh, damaged ones included), in
   * order: `check --checkpoints` reads the state at each to prove every checkpoint replays.
   */
  async checkpointTimes(opts: { signal?: AbortSignal } = {}): Promise<number[]> {
    const times = new Set<number>();
    for await (const { key } of this.#backend.list(
      checkpointDir(this.#prefix),
      opts.signal ? { signal: opts.signal } : {},
    )) {
      const cp = parseCheckpointKey(this.#prefix, key);
      if (cp) times.add(cp.captureMs);
    }
    return [...times].sort((a, b) => a - b);
  }

  /** Writes a checkpoint of the current state now (normally automatic). */
  checkpoint(opts: { signal?: AbortSignal } = {}): Promise<void> {
    try {
      this.#assertWritable();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#exclusive(async () => {
      if (this.#state.seq > 0 && this.#checkpoints.at(-1)?.seq !== this.#state.seq) {
        await this.#materialize(opts.signal);
        await this.#writeCheckpoint(opts.signal);
      }
    });
  }

  /**
   * Writes a checkpoint when the records since the newest one reach max(headCheckpointMinRecords,
   * live items / 8): a backup run calls it after its last commit, so the next lazy open
   * ({@link JournalOptions.lazy}) applies at most that many records on top of the checkpoint.
   * Amortized, a checkpoint costs 8 writes per record at most; older ones are thinned
   * (#writeCheckpoint). Failures only warn (derived data). A no-op when read-only or disabled.
   */
  checkpointIfBehind(opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#readOnly || this.#closed || this.#headMin === 0) return Promise.resolve();
    return this.#exclusive(async () => {
      const live = this.stats().liveItems;
      if (this.#state.records - this.#checkpointRecords < Math.max(this.#headMin, live / 8)) return;
      try {
        await this.#materialize(opts.signal);
        await this.#writeCheckpoint(opts.signal, !this.#spacedDue());
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        this.#logger.warn({ err: String(err) }, 'journal: checkpoint failed; will retry after a later run');
      }
    });
  }

  /** Waits for pending commits; later commits are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
  }
}
