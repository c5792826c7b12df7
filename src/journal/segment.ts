import { ZimbraBackupError } from '../errors.js';
import { type ReplayableBody, type StorageBackend, bufferBody } from '../store/backends/backend.js';
import {
  chainLine,
  decodeLine,
  encodeLine,
  frameJson,
  fromStored,
  hex8,
  InvalidObjectError,
  readLines,
  toStored,
} from './record-codec.js';
import type { JournalRecord, JsonValue } from './types.js';
import { journalDir } from './journal-dir.js';

/** Format version written in every segment header. */
export const SEGMENT_VERSION = 1;

/** One committed batch: its records and the commit marker's fields. */
export interface Batch {
  /** Batch sequence number, 1-based, consecutive along the journal. */
  seq: number;
  /** Capture time stamped on every record of the batch. */
  captureMs: number;
  /** Cursor state stored with the commit. */
  state: JsonValue | undefined;
  /** The batch's records, in commit order. */
  records: JournalRecord[];
}

/** A segment object as named: the batches it holds and their capture-time range. */
export interface SegmentInfo {
  /** Object key. */
  key: string;
  /** First batch sequence number held. */
  first: number;
  /** Last batch sequence number held. */
  last: number;
  /** Capture time of the first batch, ms since the epoch. */
  minCaptureMs: number;
  /** Capture time of the last batch, ms since the epoch. */
  maxCaptureMs: number;
}

const SEG_RE = /^(\d{12})-(\d{12})\.(\d{13,})-(\d{13,})\.jsonl$/;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The folder below the account prefix holding segment objects. */
export function segmentDir(prefix: string): string {
  return `${journalDir(prefix)}segments/`;
}

/** Object key of the segment holding batches `first..last` captured in `[minCaptureMs, maxCaptureMs]`. */
export function segmentKey(
  prefix: string,
  first: number,
  last: number,
  minCaptureMs: number,
  maxCaptureMs: number,
): string {
  return `${segmentDir(prefix)}${pad(first, 12)}-${pad(last, 12)}.${pad(minCaptureMs, 13)}-${pad(maxCaptureMs, 13)}.jsonl`;
}

/** Parses a segment key; undefined for anything else (temp files, foreign objects). */
export function parseSegmentKey(prefix: string, key: string): SegmentInfo | undefined {
  const dir = segmentDir(prefix);
  if (!key.startsWith(dir)) return undefined;
  const m = SEG_RE.exec(key.slice(dir.length));
  if (!m) return undefined;
  const [first, last, minCaptureMs, maxCaptureMs] = [m[1], m[2], m[3], m[4]].map(Number) as [
    number,
    number,
    number,
    number,
  ];
  if (first < 1 || last < first || maxCaptureMs < minCaptureMs) return undefined;
  return { key, first, last, minCaptureMs, maxCaptureMs };
}

/**
 * Picks the visible segments: the widest range wins, and segments inside it are superseded
 * (leftovers of a compaction interrupted before its deletes). A partial overlap, a gap or a
 * journal not starting at batch 1 is corruption: no writer produces them.
 */
export function resolveSegments(all: SegmentInfo[]): { visible: SegmentInfo[]; superseded: SegmentInfo[] } {
  // Equal batch ranges: a lone-segment rewrite (wider capture range) wins over its source.
  const sorted = [...all].sort((a, b) => a.first - b.first || b.last - a.last || b.maxCaptureMs - a.maxCaptureMs);
  const visible: SegmentInfo[] = [];
  const superseded: SegmentInfo[] = [];
  let covered = 0;
  for (const seg of sorted) {
    if (seg.last <= covered) {
      superseded.push(seg);
      continue;
    }
    if (seg.first <= covered) {
      throw new ZimbraBackupError('journal segments overlap partially', {
        code: 'ZB_JOURNAL_CORRUPT',
        data: { key: seg.key, overlapsUpTo: covered },
      });
    }
    if (seg.first !== covered + 1) {
      throw new ZimbraBackupError(`journal batches ${covered + 1}..${seg.first - 1} are missing`, {
        code: 'ZB_JOURNAL_CORRUPT',
        data: { key: seg.key, missingFrom: covered + 1, missingTo: seg.first - 1 },
      });
    }
    visible.push(seg);
    covered = seg.last;
  }
  return { visible, superseded };
}

/** Encodes the lines of one batch: its records, then its commit marker with the batch checksum. */
export function* encodeBatch(batch: Batch, recordLines?: readonly string[]): Generator<string> {
  let crc = 0;
  const lines = recordLines ?? batch.records.map((r) => encodeLine(toStored(r)));
  for (const line of lines) {
    crc = chainLine(line, crc);
    yield line;
  }
  const marker: Record<string, unknown> = {
    type: 'commit',
    seq: batch.seq,
    captureMs: batch.captureMs,
    records: lines.length,
    crc: hex8(crc),
  };
  if (batch.state !== undefined) marker['state'] = batch.state;
  yield encodeLine(marker);
}

/** The header line opening every segment. */
export function segmentHeader(first: number, last: number): string {
  return encodeLine({ type: 'segment', v: SEGMENT_VERSION, first, last });
}

/**
 * A replayable body over an in-memory batch (a commit is small and already in memory).
 * `recordLines`, when given, are the already framed record lines (see {@link encodeRecords}).
 */
export function batchBody(batch: Batch, recordLines?: readonly string[]): { body: ReplayableBody; size: number } {
  const text = segmentHeader(batch.seq, batch.seq) + [...encodeBatch(batch, recordLines)].join('');
  const buf = Buffer.from(text, 'utf8');
  return { body: bufferBody(buf), size: buf.length };
}

/**
 * Encodes records for a commit: the framed lines, and the records as they will read back
 * (a deep copy through the same JSON, stamped with the batch capture time).
 */
export function encodeRecords(
  records: readonly object[],
  captureMs: number,
): { lines: string[]; records: JournalRecord[] } {
  const lines: string[] = [];
  const out: JournalRecord[] = [];
  for (const r of records) {
    const json = JSON.stringify(toStored(r as JournalRecord));
    lines.push(frameJson(json));
    const copy = JSON.parse(json) as Record<string, unknown>;
    copy['captureMs'] = captureMs;
    out.push(copy as unknown as JournalRecord);
  }
  return { lines, records: out };
}

/** Groups lines into chunks of about 64 KiB so a streamed body is not one tiny write per line. */
export function* chunkLines(lines: Iterable<string>): Generator<Buffer> {
  let parts: string[] = [];
  let size = 0;
  for (const line of lines) {
    parts.push(line);
    size += line.length;
    if (size >= 65536) {
      yield Buffer.from(parts.join(''), 'utf8');
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield Buffer.from(parts.join(''), 'utf8');
}

function field<T>(obj: Record<string, unknown>, name: string, check: (v: unknown) => boolean): T {
  const v = obj[name];
  if (!check(v)) throw new InvalidObjectError(`bad ${name} in ${String(obj['type'])} line`);
  return v as T;
}

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Streams the committed batches of a segment, checking every line checksum, each batch's
 * checksum and record count, that batches run exactly `first..last`, and that nothing follows
 * the last commit marker. Any violation throws {@link InvalidObjectError} after the batches
 * already verified were yielded; records of a batch are never yielded before its marker is checked.
 */
export async function* readSegment(
  backend: StorageBackend,
  seg: SegmentInfo,
  signal?: AbortSignal,
): AsyncGenerator<Batch> {
  const stream = await backend.get(seg.key, signal ? { signal } : {});
  let header = false;
  let expect = seg.first;
  let raw: Record<string, unknown>[] = [];
  let final: Batch | undefined;
  let crc = 0;
  try {
    for await (const chunk of readLines(stream))
      for (const line of chunk) {
        if (!line.terminated) throw new InvalidObjectError('truncated last line');
        if (expect > seg.last) throw new InvalidObjectError('data after the last commit marker');
        const obj = decodeLine(line.text);
        if (!header) {
          if (
            obj['type'] !== 'segment' ||
            obj['v'] !== SEGMENT_VERSION ||
            obj['first'] !== seg.first ||
            obj['last'] !== seg.last
          ) {
            throw new InvalidObjectError('segment header does not match its name');
          }
          header = true;
          continue;
        }
        if (obj['type'] !== 'commit') {
          raw.push(obj);
          crc = chainLine(line.text, crc);
          continue;
        }
        const seq = field<number>(obj, 'seq', isCount);
        const captureMs = field<number>(obj, 'captureMs', isCount);
        const count = field<number>(obj, 'records', isCount);
        const batchCrc = field<string>(obj, 'crc', (v) => typeof v === 'string');
        if (seq !== expect) throw new InvalidObjectError(`commit marker ${seq} where ${expect} was expected`);
        if (count !== raw.length)
          throw new InvalidObjectError(`batch ${seq} holds ${raw.length} records, marker says ${count}`);
        if (hex8(crc) !== batchCrc) throw new InvalidObjectError(`batch ${seq} checksum mismatch`);
        if (captureMs < seg.minCaptureMs || captureMs > seg.maxCaptureMs)
          throw new InvalidObjectError(`batch ${seq} capture time outside the segment's range`);
        const records: JournalRecord[] = raw.map((r) => fromStored(r, captureMs));
        raw = [];
        crc = 0;
        expect += 1;
        const batch: Batch = { seq, captureMs, state: obj['state'] as JsonValue | undefined, records };
        // The last batch waits for the end of the object, so a single-batch segment is all or nothing.
        if (seq === seg.last) final = batch;
        else yield batch;
      }
    if (!header) throw new InvalidObjectError('empty segment');
    if (!final) throw new InvalidObjectError(`segment ends before the commit marker of batch ${expect}`);
    yield final;
  } finally {
    stream.destroy();
  }
}
