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

/** A checkpoint object as named: the state after batch `seq`, captured at `captureMs`. */
export interface CheckpointInfo {
  /** Object key. */
  key: string;
  /** The last batch included. */
  seq: number;
  /** That batch's capture time, ms since the epoch. */
  captureMs: number;
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

interface Frozen {
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
function freeze(state: StateBuilder): Frozen {
  return {
    seq: state.seq,
    captureMs: state.captureMs,
    cursor: state.cursor,
    records: state.records,
    accountDeleted: state.accountDeleted,
    account: state.account,
    items: [...state.items.values()],
    tombstones: [...state.tombstones.entries()],
  };
}

function* checkpointLines(f: Frozen): Generator<string> {
  let crc = 0;
  const emit = (value: unknown): string => {
    const line = encodeLine(value);
    crc = chainLine(line, crc);
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
  let lines = 0;
  yield emit(header);
  lines += 1;
  if (f.account) {
    yield emit(f.account);
    lines += 1;
  }
  for (const item of f.items) {
    yield emit(item);
    lines += 1;
  }
  for (let i = 0; i < f.tombstones.length; i += TOMBSTONES_PER_LINE) {
    yield emit({ type: 'tombstones', ids: f.tombstones.slice(i, i + TOMBSTONES_PER_LINE) });
    lines += 1;
  }
  yield encodeLine({ type: 'end', lines, crc: hex8(crc) });
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
): Promise<{ info: CheckpointInfo; size: number }> {
  const frozen = freeze(state);
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
  return { info: { key, seq: frozen.seq, captureMs: frozen.captureMs }, size };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Reads a checkpoint back into a state; throws {@link InvalidObjectError} when it is not intact. */
export async function readCheckpoint(
  backend: StorageBackend,
  info: CheckpointInfo,
  signal?: AbortSignal,
): Promise<StateBuilder> {
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
          if (
            obj['type'] !== 'checkpoint' ||
            obj['v'] !== CHECKPOINT_VERSION ||
            obj['seq'] !== info.seq ||
            obj['captureMs'] !== info.captureMs
          ) {
            throw new InvalidObjectError('checkpoint header does not match its name');
          }
          if (!isCount(obj['records'])) throw new InvalidObjectError('bad record count');
          header = obj;
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
  state.seq = info.seq;
  state.captureMs = info.captureMs;
  state.records = header['records'] as number;
  state.accountDeleted = header['accountDeleted'] === true;
  state.cursor = header['cursor'] as JsonValue | undefined;
  return state;
}
