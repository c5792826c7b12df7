/**
 * Point reads of a checkpoint through its page table (docs/FORMAT.md, "Checkpoints"): the state of
 * a few item ids without reading the whole checkpoint. A backup run that applies a sync delta needs
 * the recorded versions of the items in the delta only (issue 12: an incremental run must not cost
 * a replay of the account's whole history).
 *
 * ```text
 * open:   ranged read of the object's end (64 KiB, doubled until it holds the end line)
 *           -> end line {lines, crc, head, pages, tombstonePages}, its own line checksum checked
 *         ranged read of [0, head) -> header line + account line
 * lookup: ids -> the pages whose [firstId, lastId] holds them (binary search, compareIds order)
 *           -> one ranged read per run of nearby pages -> every line's checksum, the page's
 *              line count, first and last id and order checked
 * ```
 * A checkpoint written before page tables existed has none: {@link PagedCheckpoint.open} gives
 * undefined and the journal reads it whole, as before. Anything that does not check out is an
 * {@link InvalidObjectError} (the journal then falls back to a full open).
 * @module
 */
import type { StorageBackend } from '../store/backends/backend.js';
import {
  applyHeader,
  checkHeader,
  compareIds,
  headOf,
  type CheckpointInfo,
  type HeadAnchor,
  type CheckpointPage,
} from './checkpoint.js';
import { decodeLine, fromStored, InvalidObjectError } from './record-codec.js';
import { StateBuilder } from './state-at.js';
import type { ItemRecord } from './types.js';

/** First window read from the end of a checkpoint for its end line. */
const END_WINDOW = 64 * 1024;
/** Pages closer than this are read with one ranged read. */
const COALESCE_GAP = 64 * 1024;

/** What a checkpoint says about one id: a live version, a tombstone (its sequence), or nothing. */
export type PointState = { live: ItemRecord } | { dead: number } | undefined;

async function readRange(
  backend: StorageBackend,
  key: string,
  offset: number,
  length: number,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await backend.get(key, { offset, length, ...(signal ? { signal } : {}) }))
    chunks.push(c as Buffer);
  const bytes = Buffer.concat(chunks);
  if (bytes.length !== length) throw new InvalidObjectError(`short read of ${key} at ${offset}`);
  return bytes;
}

function isPage(v: unknown): v is CheckpointPage {
  return (
    Array.isArray(v) &&
    v.length === 5 &&
    typeof v[0] === 'string' &&
    typeof v[1] === 'string' &&
    [v[2], v[3], v[4]].every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)
  );
}

function pageList(v: unknown, size: number): CheckpointPage[] {
  if (!Array.isArray(v) || !v.every(isPage)) throw new InvalidObjectError('bad page table');
  let end = 0;
  for (const [first, last, offset, length] of v) {
    if (offset < end || offset + length > size || compareIds(first, last) > 0)
      throw new InvalidObjectError('page table out of order');
    end = offset + length;
  }
  return v;
}

/** Lines of a page's bytes (every one terminated), checksums checked. */
function pageLines(bytes: Buffer, expected: number): Record<string, unknown>[] {
  const text = bytes.toString('utf8');
  if (!text.endsWith('\n')) throw new InvalidObjectError('page does not end a line');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== expected) throw new InvalidObjectError('page line count mismatch');
  return lines.map(decodeLine);
}

/** A checkpoint opened for point reads. */
export class PagedCheckpoint {
  /** The state the header and account line describe: no items or tombstones (they stay on disk). */
  readonly base: StateBuilder;
  /** Live items and tombstones the checkpoint holds. */
  readonly counts: { items: number; tombstones: number };
  /** The anchor of a head checkpoint (undefined for a spaced one). */
  readonly head: HeadAnchor | undefined;
  /** Ranged reads done, and pages decoded (for tests and stats). */
  reads = 0;
  pagesDecoded = 0;

  private constructor(
    private readonly backend: StorageBackend,
    readonly info: CheckpointInfo,
    private readonly pages: CheckpointPage[],
    private readonly tombstonePages: CheckpointPage[],
    header: Record<string, unknown>,
    base: StateBuilder,
  ) {
    this.base = base;
    this.counts = { items: header['items'] as number, tombstones: header['tombstones'] as number };
    this.head = headOf(header);
  }

  /**
   * Opens `info` (its `size` must be known) for point reads; undefined when it has no page table.
   * @throws InvalidObjectError when the end line, header or account line does not check out.
   */
  static async open(
    backend: StorageBackend,
    info: CheckpointInfo,
    signal?: AbortSignal,
  ): Promise<PagedCheckpoint | undefined> {
    const size = info.size;
    if (size === undefined || size < 2) return undefined;
    let end: Record<string, unknown> | undefined;
    for (let window = Math.min(size, END_WINDOW); ; window = Math.min(size, window * 4)) {
      const tail = (await readRange(backend, info.key, size - window, window, signal)).toString('utf8');
      if (!tail.endsWith('\n')) throw new InvalidObjectError('checkpoint does not end a line');
      const start = tail.lastIndexOf('\n', tail.length - 2) + 1;
      if (start > 0 || window === size) {
        end = decodeLine(tail.slice(start, -1));
        break;
      }
    }
    if (end['type'] !== 'end') throw new InvalidObjectError('checkpoint has no end line');
    if (end['pages'] === undefined) return undefined;
    const pages = pageList(end['pages'], size);
    const tombstonePages = pageList(end['tombstonePages'], size);
    const head = end['head'];
    if (typeof head !== 'number' || !Number.isSafeInteger(head) || head <= 0 || head > size)
      throw new InvalidObjectError('bad head length');
    const text = (await readRange(backend, info.key, 0, head, signal)).toString('utf8');
    if (!text.endsWith('\n')) throw new InvalidObjectError('head does not end a line');
    const lines = text.slice(0, -1).split('\n').map(decodeLine);
    if (lines.length < 1 || lines.length > 2) throw new InvalidObjectError('bad head');
    const header = checkHeader(lines[0]!, info);
    const base = new StateBuilder();
    applyHeader(base, header, info);
    if (lines[1]) {
      const captureMs = lines[1]['captureMs'];
      if (typeof captureMs !== 'number') throw new InvalidObjectError('record without capture time');
      const rec = fromStored(lines[1], captureMs);
      if (rec.type !== 'account') throw new InvalidObjectError(`unexpected ${rec.type} line in a checkpoint head`);
      base.account = rec;
    }
    const itemsInPages = pages.reduce((n, p) => n + p[4], 0);
    if (itemsInPages !== header['items']) throw new InvalidObjectError('page table does not cover every item');
    return new PagedCheckpoint(backend, info, pages, tombstonePages, header, base);
  }

  /** Pages of `table` holding ids of `ids` (binary search on first/last id). */
  static #pagesFor(table: CheckpointPage[], ids: readonly string[]): Set<CheckpointPage> {
    const out = new Set<CheckpointPage>();
    for (const id of ids) {
      let lo = 0;
      let hi = table.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const page = table[mid]!;
        if (compareIds(id, page[0]) < 0) hi = mid - 1;
        else if (compareIds(id, page[1]) > 0) lo = mid + 1;
        else {
          out.add(page);
          break;
        }
      }
    }
    return out;
  }

  /** Reads `pages` with as few ranged reads as nearby pages allow; yields each page with its lines. */
  async *#read(
    pages: Set<CheckpointPage>,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<[CheckpointPage, Record<string, unknown>[]]> {
    const sorted = [...pages].sort((a, b) => a[2] - b[2]);
    for (let i = 0; i < sorted.length;) {
      let j = i + 1;
      while (j < sorted.length && sorted[j]![2] - (sorted[j - 1]![2] + sorted[j - 1]![3]) <= COALESCE_GAP) j++;
      const from = sorted[i]![2];
      const to = sorted[j - 1]![2] + sorted[j - 1]![3];
      this.reads += 1;
      const bytes = await readRange(this.backend, this.info.key, from, to - from, signal);
      for (const page of sorted.slice(i, j)) {
        this.pagesDecoded += 1;
        yield [page, pageLines(bytes.subarray(page[2] - from, page[2] - from + page[3]), page[4])];
      }
      i = j;
    }
  }

  /**
   * What the checkpoint holds for each of `ids`: a live version, a tombstone, or nothing (absent
   * from the map). Reads only the pages that can hold them.
   * @throws InvalidObjectError when a page does not check out.
   */
  async lookup(ids: readonly string[], signal?: AbortSignal): Promise<Map<string, PointState>> {
    const wanted = new Set(ids);
    const out = new Map<string, PointState>();
    const bounds = (page: CheckpointPage, first: string, last: string): void => {
      if (first !== page[0] || last !== page[1]) throw new InvalidObjectError('page ids do not match the page table');
    };
    for await (const [page, lines] of this.#read(PagedCheckpoint.#pagesFor(this.pages, ids), signal)) {
      let prev: string | undefined;
      for (const obj of lines) {
        const id = obj['id'];
        if (obj['type'] !== 'item' || typeof id !== 'string')
          throw new InvalidObjectError('unexpected line in a checkpoint page');
        if (prev !== undefined && compareIds(prev, id) >= 0) throw new InvalidObjectError('page out of order');
        prev = id;
        // Only the records asked for are validated in full (most lines of a page are not).
        if (!wanted.has(id)) continue;
        const captureMs = obj['captureMs'];
        if (typeof captureMs !== 'number') throw new InvalidObjectError('record without capture time');
        const rec = fromStored(obj, captureMs);
        if (rec.type !== 'item') throw new InvalidObjectError(`unexpected ${rec.type} line in a checkpoint page`);
        out.set(id, { live: rec });
      }
      bounds(page, (lines[0]?.['id'] as string | undefined) ?? '', prev ?? '');
    }
    for await (const [page, lines] of this.#read(PagedCheckpoint.#pagesFor(this.tombstonePages, ids), signal)) {
      const ids = lines[0]?.['ids'];
      if (lines[0]?.['type'] !== 'tombstones' || !Array.isArray(ids) || ids.length === 0)
        throw new InvalidObjectError('bad tombstones line');
      let prev: string | undefined;
      for (const t of ids as unknown[]) {
        if (!Array.isArray(t) || typeof t[0] !== 'string' || typeof t[1] !== 'number')
          throw new InvalidObjectError('bad tombstone');
        if (prev !== undefined && compareIds(prev, t[0]) >= 0) throw new InvalidObjectError('page out of order');
        prev = t[0];
        if (wanted.has(t[0])) out.set(t[0], { dead: t[1] });
      }
      bounds(page, (ids[0] as [string])[0], prev ?? '');
    }
    return out;
  }
}
