/**
 * The journal's reads of the past: the state at a capture time, the records of a time range, one
 * item's history and the deletions between two times. Each reads the segments (and at most one
 * checkpoint) it needs from storage and nothing of the open state, so these are free functions
 * over the segment table; `journal.ts` validates the arguments and keeps the writer's state.
 * @module
 */
import { isZimbraBackupError } from '../errors.js';
import type { Logger } from '../internal/logger.js';
import type { StorageBackend } from '../store/backends/backend.js';
import { readCheckpoint, type CheckpointInfo } from './checkpoint.js';
import { InvalidObjectError } from './record-codec.js';
import type { SegmentTable } from './segment-table.js';
import { StateBuilder } from './state-at.js';
import type { DeletedItem, DeleteRecord, ItemRecord, JournalRecord } from './types.js';

/** What the reads need of an open journal. */
export interface JournalReadContext {
  backend: StorageBackend;
  table: SegmentTable;
  /** The journal's checkpoints, oldest first. */
  checkpoints: readonly CheckpointInfo[];
  logger: Logger;
}

/**
 * The state after every commit captured at or before `t`: the newest readable checkpoint at or
 * before it, then the segments after it up to `t`.
 */
export async function builderAt(ctx: JournalReadContext, t: number, signal?: AbortSignal): Promise<StateBuilder> {
  const cps = ctx.checkpoints.filter((c) => c.captureMs <= t);
  let state = new StateBuilder();
  for (let i = cps.length - 1; i >= 0; i--) {
    try {
      ({ state } = await readCheckpoint(ctx.backend, cps[i]!, signal));
      break;
    } catch (err) {
      // Checkpoints are derived data: fall back to an older one (or to batch 1). One deleted
      // meanwhile (thinned by the writer, Journal #writeCheckpoint) counts as gone.
      if (!(err instanceof InvalidObjectError) && !isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
      ctx.logger.warn({ key: cps[i]!.key, reason: err.message }, 'journal: skipping a damaged checkpoint');
    }
  }
  for await (const batch of ctx.table.batches(state.seq + 1, { untilCaptureMs: t, ...withSignal(signal) })) {
    if (batch.captureMs > t) break;
    state.applyBatch(batch);
  }
  return state;
}

/** Committed records in commit order, only those captured in `[from, to]` when given. */
export async function* recordsBetween(
  table: SegmentTable,
  range: { from?: number | undefined; to?: number | undefined; signal?: AbortSignal | undefined },
): AsyncGenerator<JournalRecord> {
  const { from, to, signal } = range;
  // Segments wholly before `from` are not read.
  const start = from === undefined ? table.visible[0] : table.firstReaching(from);
  if (!start) return;
  const until = to === undefined ? {} : { untilCaptureMs: to };
  for await (const batch of table.batches(start.first, { ...until, ...withSignal(signal) })) {
    if (from !== undefined && batch.captureMs < from) continue;
    if (to !== undefined && batch.captureMs > to) return;
    yield* batch.records;
  }
}

/**
 * Every version and deletion of one item, oldest first; a deletion that came with its folder's
 * is synthesized from the replay (`viaFolderId`), since no record names the item then.
 */
export async function itemHistory(
  table: SegmentTable,
  itemId: string,
  signal?: AbortSignal,
): Promise<(ItemRecord | DeleteRecord)[]> {
  const out: (ItemRecord | DeleteRecord)[] = [];
  const replay = new StateBuilder();
  const onDelete = (d: DeletedItem): void => {
    if (d.id !== itemId || d.viaFolderId === undefined) return;
    const rec: DeleteRecord = {
      type: 'delete',
      id: d.id,
      kind: d.kind,
      captureMs: d.deletedCaptureMs,
      viaFolderId: d.viaFolderId,
    };
    if (d.deletedChangeMs !== undefined) rec.changeMs = d.deletedChangeMs;
    out.push(rec);
  };
  for await (const batch of table.batches(1, withSignal(signal))) {
    for (const rec of batch.records) {
      if ((rec.type === 'item' || rec.type === 'delete') && rec.id === itemId) out.push(rec);
    }
    replay.applyBatch(batch, onDelete);
  }
  return out;
}

/** Items deleted with a capture time in `(t1, t2]`, each with its last version before the deletion. */
export async function deletedBetween(
  ctx: JournalReadContext,
  t1: number,
  t2: number,
  signal?: AbortSignal,
): Promise<DeletedItem[]> {
  const state = await builderAt(ctx, t1, signal);
  const out: DeletedItem[] = [];
  for await (const batch of ctx.table.batches(state.seq + 1, { untilCaptureMs: t2, ...withSignal(signal) })) {
    if (batch.captureMs > t2) break;
    state.applyBatch(batch, (d) => out.push(d));
  }
  return out;
}

function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}
