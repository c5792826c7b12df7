import { Readable } from 'node:stream';
import type { StorageBackend } from '../store/backends/backend.js';
import { chainLine, decodeLine, encodeLine, fromStored, hex8, InvalidObjectError, readLines } from './record-codec.js';
import { chunkLines } from './segment.js';
import { StateBuilder } from './state-at.js';
import type { AccountRecord, ItemRecord, JsonValue } from './types.js';
import { journalDir } from './journal-dir.js';

/** Format version written in every checkpoint header. */
export const CHECKPOINT_VERSION = 1;

/** Tombstones per checkpoint line, to keep lines short. */
const TOMBSTONES_PER_LINE = 1000;

/** Item lines per page of the page table (checkpoint-pages.ts parses one page per looked-up id: a 1 % delta touches about 15 % of 16-line pages). */
export const ITEMS_PER_PAGE = 16;

/**
 * The order of ids in a checkpoint (and of its page table): ids of digits only first, by numeric
 * value (length, then digits: no leading zeros in Zimbra ids, and equal lengths compare as
 * strings), then every other id in UTF-16 code-unit order. Zimbra item ids are numbers, so a new
 * item's id sorts after every page and is known absent without a read.
 */
export function compareIds(a: string, b: string): number {
  const da = DIGITS.test(a);
  const db = DIGITS.test(b);
  if (da !== db) return da ? -1 : 1;
  if (da && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
const DIGITS = /^[0-9]+$/;

/** One page of a checkpoint's page table: `[firstId, lastId, offset, length, lines]`. */
export type CheckpointPage = [string, string, number, number, number];

/** A checkpoint object as named: the state after batch `seq`, captured at `captureMs`. */
export interface CheckpointInfo {
  /** Object key. */
  key: string;
  /** The last batch included. */
  seq: number;
  /** That batch's capture time, ms since the epoch. */
  captureMs: number;
  /** Stored size in bytes, when listed or written (a lazy open reads the page table from the end). */
  size?: number;
}

const CP_RE = /^(\d{12})\.(\d{13,})\.jsonl$/;

/** The folder below the account prefix holding checkpoint objects. */
export function checkpointDir(prefix: string): string {
  return `${journalDir(prefix)}checkpoints/`;
}

/** Object key of the checkpoint of the state after batch `seq`. */
export function checkpointKey(prefix: string, seq: number, captureMs: number): string {
  return `${checkpointDir(prefix)}${String(seq).padStart(12, '0')}.${String(captureMs).padStart(13, '0')}.jsonl`;
}

/** Parses a checkpoint key; undefined for anything else. */
export function parseCheckpointKey(prefix: string, key: string): CheckpointInfo | undefined {
  const dir = checkpointDir(prefix);
  if (!key.startsWith(dir)) return undefined;
  const m = CP_RE.exec(key.slice(dir.length));
  if (!m) return undefined;
  return { key, seq: Number(m[1]), captureMs: Number(m[2]) };
}

/**
 * What a head checkpoint (written by `Journal.checkpointIfBehind` to keep lazy opens short, and
 * deleted when the next checkpoint is written) says about the newest *spaced* checkpoint before
 * it, the one point-in-time reads keep: its record count and live items. Spaced checkpoints carry none.
 */
export interface HeadAnchor {
  anchorRecords: number;
  anchorLive: number;
}

interface Frozen {
  head: HeadAnchor | undefined;
  seq: number;
  captureMs: number;
  cursor: JsonValue | undefined;
  records: number;
  accountDeleted: boolean;
  account: AccountRecord | undefined;
  items: ItemRecord[];
  tombstones: [string, number][];
}

/** Copies the references a checkpoint needs, so later commits cannot change what a retried put re-reads. */
function freeze(state: StateBuilder, head: HeadAnchor | undefined): Frozen {
  return {
    head,
    seq: state.seq,
    captureMs: state.captureMs,
    cursor: state.cursor,
    records: state.records,
    accountDeleted: state.accountDeleted,
    account: state.account,
    items: [...state.items.values()].sort((a, b) => compareIds(a.id, b.id)),
    tombstones: [...state.tombstones.entries()].sort((a, b) => compareIds(a[0], b[0])),
  };
}

function* checkpointLines(f: Frozen): Generator<string> {
  let crc = 0;
  let offset = 0;
  const emit = (value: unknown): string => {
    const line = encodeLine(value);
    crc = chainLine(line, crc);
    offset += Buffer.byteLength(line, 'utf8');
    return line;
  };
  const header: Record<string, unknown> = {
    type: 'checkpoint',
    v: CHECKPOINT_VERSION,
    seq: f.seq,
    captureMs: f.captureMs,
    records: f.records,
    items: f.items.length,
    tombstones: f.tombstones.length,
    accountDeleted: f.accountDeleted,
  };
  if (f.cursor !== undefined) header['cursor'] = f.cursor;
  if (f.head) Object.assign(header, { head: true, anchorRecords: f.head.anchorRecords, anchorLive: f.head.anchorLive });
  let lines = 0;
  yield emit(header);
  lines += 1;
  if (f.account) {
    yield emit(f.account);
    lines += 1;
  }
  const head = offset;
  // The page table (end line): where each run of ITEMS_PER_PAGE sorted item lines, and each
  // tombstone line, starts, so one id is found with one ranged read (checkpoint-pages.ts).
  const pages: CheckpointPage[] = [];
  for (let i = 0; i < f.items.length; i += ITEMS_PER_PAGE) {
    const page = f.items.slice(i, i + ITEMS_PER_PAGE);
    const start = offset;
    for (const item of page) yield emit(item);
    lines += page.length;
    pages.push([page[0]!.id, page.at(-1)!.id, start, offset - start, page.length]);
  }
  const tombstonePages: CheckpointPage[] = [];
  for (let i = 0; i < f.tombstones.length; i += TOMBSTONES_PER_LINE) {
    const ids = f.tombstones.slice(i, i + TOMBSTONES_PER_LINE);
    const start = offset;
    yield emit({ type: 'tombstones', ids });
    lines += 1;
    tombstonePages.push([ids[0]![0], ids.at(-1)![0], start, offset - start, 1]);
  }
  yield encodeLine({ type: 'end', lines, crc: hex8(crc), head, pages, tombstonePages });
}

/**
 * Writes a checkpoint of `state` (streamed: one line per live item) and resolves its key and size.
 * The body is replayable from a frozen copy of the item references, so a retried put writes the same bytes.
 */
export async function writeCheckpoint(
  backend: StorageBackend,
  prefix: string,
  state: StateBuilder,
  signal?: AbortSignal,
  head?: HeadAnchor,
): Promise<{ info: CheckpointInfo; size: number }> {
  const frozen = freeze(state, head);
  const key = checkpointKey(prefix, frozen.seq, frozen.captureMs);
  let size = 0;
  await backend.put(
    key,
    {
      open: () => {
        size = 0;
        // A synchronous generator: one promise per chunk would dominate for 100k-line checkpoints.
        return Readable.from(
          (function* () {
            for (const chunk of chunkLines(checkpointLines(frozen))) {
              size += chunk.length;
              yield chunk;
            }
          })(),
        );
      },
    },
    signal ? { signal } : {},
  );
  return { info: { key, seq: frozen.seq, captureMs: frozen.captureMs, size }, size };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Reads a checkpoint back into a state, with its head anchor when it is a head checkpoint;
 * throws {@link InvalidObjectError} when it is not intact.
 */
export async function readCheckpoint(
  backend: StorageBackend,
  info: CheckpointInfo,
  signal?: AbortSignal,
): Promise<{ state: StateBuilder; head: HeadAnchor | undefined }> {
  const stream = await backend.get(info.key, signal ? { signal } : {});
  const state = new StateBuilder();
  let crc = 0;
  let lines = 0;
  let header: Record<string, unknown> | undefined;
  let ended = false;
  try {
    for await (const chunk of readLines(stream))
      for (const line of chunk) {
        if (!line.terminated || ended) throw new InvalidObjectError('truncated or trailing data');
        const obj = decodeLine(line.text);
        if (obj['type'] === 'end') {
          if (obj['lines'] !== lines || obj['crc'] !== hex8(crc))
            throw new InvalidObjectError('checkpoint checksum mismatch');
          ended = true;
          continue;
        }
        crc = chainLine(line.text, crc);
        lines += 1;
        if (!header) {
          header = checkHeader(obj, info);
          continue;
        }
        if (obj['type'] === 'tombstones') {
          const ids = obj['ids'];
          if (!Array.isArray(ids)) throw new InvalidObjectError('bad tombstones line');
          for (const t of ids as unknown[]) {
            if (!Array.isArray(t) || typeof t[0] !== 'string' || typeof t[1] !== 'number')
              throw new InvalidObjectError('bad tombstone');
            state.tombstones.set(t[0], t[1]);
          }
          continue;
        }
        const captureMs = obj['captureMs'];
        if (!isCount(captureMs)) throw new InvalidObjectError('record without capture time');
        const rec = fromStored(obj, captureMs);
        if (rec.type === 'item') state.items.set(rec.id, rec);
        else if (rec.type === 'account') state.account = rec;
        else throw new InvalidObjectError(`unexpected ${rec.type} line in a checkpoint`);
      }
  } finally {
    stream.destroy();
  }
  if (!header || !ended) throw new InvalidObjectError('checkpoint has no end line');
  if (state.items.size !== header['items'] || state.tombstones.size !== header['tombstones']) {
    throw new InvalidObjectError('checkpoint counts do not match');
  }
  applyHeader(state, header, info);
  return { state, head: headOf(header) };
}

/** Validates a checkpoint's header line against its name; throws {@link InvalidObjectError}. */
export function checkHeader(obj: Record<string, unknown>, info: CheckpointInfo): Record<string, unknown> {
  if (
    obj['type'] !== 'checkpoint' ||
    obj['v'] !== CHECKPOINT_VERSION ||
    obj['seq'] !== info.seq ||
    obj['captureMs'] !== info.captureMs
  ) {
    throw new InvalidObjectError('checkpoint header does not match its name');
  }
  if (!isCount(obj['records'])) throw new InvalidObjectError('bad record count');
  if (!isCount(obj['items']) || !isCount(obj['tombstones'])) throw new InvalidObjectError('bad item counts');
  if (
    obj['head'] !== undefined &&
    (obj['head'] !== true || !isCount(obj['anchorRecords']) || !isCount(obj['anchorLive']))
  )
    throw new InvalidObjectError('bad head anchor');
  return obj;
}

/** Sets the journal position and cursor of a checked header on `state`. */
export function applyHeader(state: StateBuilder, header: Record<string, unknown>, info: CheckpointInfo): void {
  state.seq = info.seq;
  state.captureMs = info.captureMs;
  state.records = header['records'] as number;
  state.accountDeleted = header['accountDeleted'] === true;
  state.cursor = header['cursor'] as JsonValue | undefined;
}

/** The anchor of a checked head checkpoint header; undefined for a spaced checkpoint. */
export function headOf(header: Record<string, unknown>): HeadAnchor | undefined {
  if (header['head'] !== true) return undefined;
  return { anchorRecords: header['anchorRecords'] as number, anchorLive: header['anchorLive'] as number };
}
