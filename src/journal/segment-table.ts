import { isZimbraBackupError, throwIfAborted, ZimbraBackupError } from '../errors.js';
import type { StorageBackend } from '../store/backends/backend.js';
import { parseCheckpointKey, type CheckpointInfo } from './checkpoint.js';
import { InvalidObjectError } from './record-codec.js';
import { parseSegmentKey, readSegment, resolveSegments, type Batch, type SegmentInfo } from './segment.js';
import { journalDir } from './journal-dir.js';

/** Everything the journal folder holds, classified from one LIST. */
export interface JournalListing {
  segments: SegmentInfo[];
  checkpoints: CheckpointInfo[];
  /** Stored size of each segment, by key. */
  segmentSizes: Map<string, number>;
}

/** Lists the journal folder ({@link journalDir}) once; objects that are neither segments nor checkpoints are ignored. */
export async function listJournal(
  backend: StorageBackend,
  prefix: string,
  signal?: AbortSignal,
): Promise<JournalListing> {
  const segments: SegmentInfo[] = [];
  const checkpoints: CheckpointInfo[] = [];
  const segmentSizes = new Map<string, number>();
  for await (const obj of backend.list(journalDir(prefix), signal ? { signal } : {})) {
    const seg = parseSegmentKey(prefix, obj.key);
    if (seg) {
      segments.push(seg);
      segmentSizes.set(obj.key, obj.size);
      continue;
    }
    const cp = parseCheckpointKey(prefix, obj.key);
    if (cp) checkpoints.push({ ...cp, size: obj.size });
  }
  checkpoints.sort((a, b) => a.seq - b.seq);
  return { segments, checkpoints, segmentSizes };
}

/** The error for a segment that cannot be read as written. */
export function corruptSegment(key: string, reason: string, cause?: unknown): ZimbraBackupError {
  return new ZimbraBackupError(`journal segment ${key} is corrupt: ${reason}`, {
    code: 'ZB_JOURNAL_CORRUPT',
    data: { key, reason },
    cause,
  });
}

/**
 * The visible segments of one journal, sorted by batch sequence, and the streaming batch reader
 * over them. A reader whose segment vanished (a compaction replaced it) re-lists once and goes on
 * from the next batch it has not yielded, so nothing is skipped or counted twice.
 */
export class SegmentTable {
  visible: SegmentInfo[] = [];
  superseded: SegmentInfo[] = [];
  /** Segment objects opened for reading. */
  reads = 0;

  constructor(
    private readonly backend: StorageBackend,
    private readonly prefix: string,
  ) {}

  /** Sequence number of the last visible batch (0 when empty). */
  get lastSeq(): number {
    return this.visible.at(-1)?.last ?? 0;
  }

  /** Replaces the table from a listing. */
  set(segments: SegmentInfo[]): void {
    const { visible, superseded } = resolveSegments(segments);
    this.visible = visible;
    this.superseded = superseded;
  }

  /** Re-lists the segments (after a concurrent compaction). */
  async refresh(signal?: AbortSignal): Promise<void> {
    this.set((await listJournal(this.backend, this.prefix, signal)).segments);
  }

  /** The visible segment holding batch `seq`. */
  find(seq: number): SegmentInfo | undefined {
    let lo = 0;
    let hi = this.visible.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const seg = this.visible[mid] as SegmentInfo;
      if (seq < seg.first) hi = mid - 1;
      else if (seq > seg.last) lo = mid + 1;
      else return seg;
    }
    return undefined;
  }

  /** The first visible segment whose capture range reaches `captureMs`. */
  firstReaching(captureMs: number): SegmentInfo | undefined {
    return this.visible.find((s) => s.maxCaptureMs >= captureMs);
  }

  /** Replaces `old` (consecutive visible segments) by `merged`. */
  replace(old: readonly SegmentInfo[], merged: SegmentInfo): void {
    const start = this.visible.indexOf(old[0] as SegmentInfo);
    this.visible.splice(start, old.length, merged);
  }

  /**
   * Streams committed batches `fromSeq..toSeq` (default: to the last visible one) in order,
   * without opening segments captured entirely after `untilCaptureMs` (the caller still checks
   * each batch's time). Throws `ZB_JOURNAL_CORRUPT` naming the segment when one is damaged or missing.
   */
  async *batches(
    fromSeq: number,
    opts: { toSeq?: number; untilCaptureMs?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<Batch> {
    const { signal, untilCaptureMs } = opts;
    const last = opts.toSeq ?? this.lastSeq;
    let next = Math.max(1, fromSeq);
    while (next <= last) {
      throwIfAborted(signal);
      let seg = this.find(next);
      let retried = false;
      for (;;) {
        if (!seg)
          throw new ZimbraBackupError(`journal batch ${next} has no segment`, {
            code: 'ZB_JOURNAL_CORRUPT',
            data: { seq: next },
          });
        if (untilCaptureMs !== undefined && seg.minCaptureMs > untilCaptureMs) return;
        try {
          this.reads += 1;
          for await (const batch of readSegment(this.backend, seg, signal)) {
            if (batch.seq < next) continue;
            if (batch.seq > last) return;
            next = batch.seq + 1;
            yield batch;
          }
          break;
        } catch (err) {
          if (!retried && isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) {
            retried = true;
            await this.refresh(signal);
            seg = this.find(next);
            continue;
          }
          if (err instanceof InvalidObjectError) throw corruptSegment(seg.key, err.message, err);
          throw err;
        }
      }
    }
  }
}
