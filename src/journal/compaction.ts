import { Readable } from 'node:stream';
import { isZimbraBackupError, ZimbraBackupError } from '../errors.js';
import type { Logger } from '../internal/logger.js';
import type { StorageBackend } from '../store/backends/backend.js';
import { InvalidObjectError } from './record-codec.js';
import { chunkLines, encodeBatch, readSegment, segmentHeader, segmentKey, type SegmentInfo } from './segment.js';
import type { SegmentTable } from './segment-table.js';
import type { StateBuilder } from './state-at.js';
import type { JournalRecord } from './types.js';

/** What a compaction needs from its journal. */
export interface CompactionContext {
  /** Where the segments live. */
  backend: StorageBackend;
  /** The account prefix. */
  prefix: string;
  /** The journal's segment table (updated in place on success). */
  table: SegmentTable;
  /** For warnings about leftovers. */
  logger: Logger;
  /** Aborts the merge before the old segments are touched. */
  signal?: AbortSignal;
}

/** Result of {@link mergeSegments}. */
export interface MergeResult {
  /** The new segment. */
  info: SegmentInfo;
  /** Records written. */
  kept: number;
  /** Records the hook dropped. */
  dropped: number;
  /** Bytes written. */
  size: number;
}

/**
 * Merges consecutive visible segments into one sealed segment, crash-safely:
 *
 * 1. stream the batches of `segs`, filtered by `keep`, into a new object named for the whole
 *    range (every commit marker is kept, so batch numbers and cursor states stay continuous);
 * 2. read the new object back and check every batch is there;
 * 3. switch the in-memory table to it; 4. delete the old objects.
 *
 * A reader resolves overlapping names by the widest range (see `resolveSegments`), so between
 * steps 1 and 4, or after a crash there, it sees the new segment and ignores the old ones: never
 * both. Leftovers are deleted by the next writable open. A failure before step 3 deletes the new
 * object when it can and leaves the journal as it was.
 */
export async function mergeSegments(
  ctx: CompactionContext,
  segs: readonly SegmentInfo[],
  keep: (record: JournalRecord) => boolean,
): Promise<MergeResult> {
  const firstSeg = segs[0];
  const lastSeg = segs.at(-1);
  if (!firstSeg || !lastSeg) throw new ZimbraBackupError('nothing to merge', { code: 'ZB_INVALID_ARGUMENT' });
  const first = firstSeg.first;
  const last = lastSeg.last;
  const minCaptureMs = Math.min(...segs.map((s) => s.minCaptureMs));
  // Rewriting a lone segment (a retention hook) would reuse its key, and the delete of the old
  // object below would then remove the new one: widen the name's capture range by 1 ms instead.
  const maxCaptureMs = Math.max(...segs.map((s) => s.maxCaptureMs)) + (segs.length === 1 ? 1 : 0);
  const info: SegmentInfo = {
    key: segmentKey(ctx.prefix, first, last, minCaptureMs, maxCaptureMs),
    first,
    last,
    minCaptureMs,
    maxCaptureMs,
  };
  let kept = 0;
  let dropped = 0;
  let size = 0;
  const { table, signal } = ctx;
  // One async step per source batch, then synchronous chunking of its lines.
  async function* chunks(): AsyncGenerator<Buffer> {
    yield Buffer.from(segmentHeader(first, last), 'utf8');
    for await (const batch of table.batches(first, signal ? { toSeq: last, signal } : { toSeq: last })) {
      const records = batch.records.filter((r) => keep(r));
      kept += records.length;
      dropped += batch.records.length - records.length;
      yield* chunkLines(encodeBatch({ ...batch, records }));
    }
  }
  const body = {
    open: (): Readable => {
      kept = 0;
      dropped = 0;
      size = 0;
      return Readable.from(
        (async function* () {
          for await (const chunk of chunks()) {
            size += chunk.length;
            yield chunk;
          }
        })(),
      );
    },
  };
  await ctx.backend.put(info.key, body, signal ? { signal } : {});
  try {
    await verify(ctx, info);
  } catch (err) {
    await ctx.backend.delete(info.key).catch(() => undefined);
    throw err;
  }
  table.replace(segs, info);
  for (const seg of segs) await deleteQuietly(ctx, seg.key);
  return { info, kept, dropped, size };
}

async function verify(ctx: CompactionContext, info: SegmentInfo): Promise<void> {
  let n = 0;
  try {
    for await (const _ of readSegment(ctx.backend, info, ctx.signal)) n += 1;
  } catch (err) {
    if (err instanceof InvalidObjectError) {
      throw new ZimbraBackupError(`compacted segment failed verification: ${err.message}`, {
        code: 'ZB_JOURNAL_CORRUPT',
        data: { key: info.key },
        cause: err,
      });
    }
    throw err;
  }
  if (n !== info.last - info.first + 1) {
    throw new ZimbraBackupError('compacted segment lost batches', {
      code: 'ZB_JOURNAL_CORRUPT',
      data: { key: info.key, batches: n },
    });
  }
}

/** Deletes an object that is already superseded; a failure only leaves garbage for the next open. */
export async function deleteQuietly(ctx: { backend: StorageBackend; logger: Logger }, key: string): Promise<void> {
  try {
    await ctx.backend.delete(key);
  } catch (err) {
    if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND'))
      ctx.logger.warn({ key, err: String(err) }, 'journal: could not delete a superseded object');
  }
}

/** True for the records a retention hook may not drop: the current version of a live item, the current account snapshot. */
export function isCurrentVersion(state: StateBuilder, r: JournalRecord): boolean {
  if (r.type === 'account') return state.account?.captureMs === r.captureMs && !state.accountDeleted;
  if (r.type !== 'item') return false;
  const cur = state.items.get(r.id);
  return (
    cur !== undefined &&
    cur.captureMs === r.captureMs &&
    cur.modifiedSequence === r.modifiedSequence &&
    cur.savedSequence === r.savedSequence
  );
}
