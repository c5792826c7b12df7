/**
 * The cursor state of a journal's last commit without opening the journal: one LIST of the
 * journal folder and one (ranged, up to 64 KiB from the end) read of the newest segment, of which
 * only the last line (the commit marker, which carries the state) is decoded. Opening replays every record (about 30 ms per
 * thousand items); a backup run that finds nothing changed needs only the state (issue 12, "a
 * no-change incremental run").
 *
 * The marker's line checksum is checked, not the batch's: the answer is a hint for skipping work,
 * never a basis for writing. Anything unexpected (no segment, a damaged or foreign last line, an
 * encrypted object) gives `undefined`, and the caller opens the journal as usual.
 * @module
 */
import type { StorageBackend } from '../store/backends/backend.js';
import { decodeLine } from './record-codec.js';
import { SegmentTable, listJournal } from './segment-table.js';
import type { JsonValue } from './types.js';

/** Bytes read from the end of the newest segment: its commit marker is the last line. */
const TAIL_BYTES = 64 * 1024;

/** What {@link peekLastState} found. */
export interface PeekedState {
  /** Sequence number of the last batch. */
  seq: number;
  /** Its cursor state (undefined when the commit stored none). */
  state: JsonValue | undefined;
}

/**
 * The last commit's sequence number and state of the journal under `prefix` (see the module doc),
 * or undefined when it cannot be told cheaply. Never throws except on abort.
 */
export async function peekLastState(
  backend: StorageBackend,
  prefix: string,
  signal?: AbortSignal,
): Promise<PeekedState | undefined> {
  try {
    const table = new SegmentTable(backend, prefix);
    const listing = await listJournal(backend, prefix, signal);
    table.set(listing.segments);
    const seg = table.visible.at(-1);
    if (!seg) return undefined;
    // The marker is the last line: a listing slice of 2,000 records is read from its end only.
    const size = listing.segmentSizes.get(seg.key);
    const range = size !== undefined && size > TAIL_BYTES ? { offset: size - TAIL_BYTES, length: TAIL_BYTES } : {};
    const chunks: Buffer[] = [];
    for await (const c of await backend.get(seg.key, { ...range, ...(signal ? { signal } : {}) }))
      chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text.endsWith('\n')) return undefined;
    const start = text.lastIndexOf('\n', text.length - 2) + 1;
    // A marker longer than the window (a long retry list): the caller opens the journal.
    if (start === 0 && 'offset' in range) return undefined;
    const marker = decodeLine(text.slice(start, text.length - 1));
    if (marker['type'] !== 'commit' || marker['seq'] !== seg.last) return undefined;
    return { seq: seg.last, state: marker['state'] as JsonValue | undefined };
  } catch (err) {
    if (signal?.aborted) throw err;
    return undefined;
  }
}
