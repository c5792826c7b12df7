/**
 * The in-memory blob index of format v2: digest -> (pack, offset, length, raw size, codec), kept
 * in flat typed arrays with an open-addressing hash table, so a million blobs cost about 70 bytes
 * each (32 digest + 4 pack number + 1 codec + 24 offset/length/size + 8 hash slots) instead of the
 * several hundred a `Map` of objects would.
 * @module
 */
import type { Compression } from '../blob-codec.js';

const CODECS: readonly Compression[] = ['none', 'gzip', 'zstd'];
const REMOVED = 0xffffffff;

/** Where a blob is stored. */
export interface BlobLocation {
  /** Pack id (32 hex). */
  pack: string;
  /** Offset of the blob object in the pack. */
  offset: number;
  /** Length of the blob object. */
  length: number;
  /** Uncompressed size. */
  rawSize: number;
  /** Codec of the payload. */
  codec: Compression;
}

/** A compact digest -> location table. */
export class IndexTable {
  #packs: string[] = [];
  #packNo = new Map<string, number>();
  #cap = 0;
  #n = 0;
  #live = 0;
  #digests = Buffer.alloc(0);
  #pack = new Uint32Array(0);
  #codec = new Uint8Array(0);
  #offset = new Float64Array(0);
  #length = new Float64Array(0);
  #raw = new Float64Array(0);
  #slots = new Int32Array(0);
  #mask = 0;

  /** Live entries. */
  get size(): number {
    return this.#live;
  }

  /** Approximate bytes held by the table. */
  get bytes(): number {
    return this.#cap * (32 + 4 + 1 + 24) + this.#slots.length * 4;
  }

  /** Adds an entry; an existing entry for the digest is kept unless `replace`. Returns true when added. */
  add(digest: string | Buffer, loc: BlobLocation, replace = false): boolean {
    const d = typeof digest === 'string' ? Buffer.from(digest, 'hex') : digest;
    const at = this.#find(d);
    if (at >= 0) {
      if (!replace) return false;
      this.#set(at, loc);
      return true;
    }
    if (this.#n + 1 > this.#cap) this.#grow();
    const i = this.#n++;
    d.copy(this.#digests, i * 32, 0, 32);
    this.#set(i, loc);
    this.#insertSlot(i);
    this.#live++;
    return true;
  }

  /**
   * Adds an entry whose digest is the 32 bytes of `src` at `at` (index file loading: no
   * intermediate objects). An existing entry for the digest is kept. Returns true when added.
   */
  addRaw(
    src: Buffer,
    at: number,
    pack: string,
    codec: Compression,
    offset: number,
    length: number,
    rawSize: number,
  ): boolean {
    if (this.#findAt(src, at) >= 0) return false;
    if (this.#n + 1 > this.#cap) this.#grow();
    const i = this.#n++;
    src.copy(this.#digests, i * 32, at, at + 32);
    this.#set(i, { pack, codec, offset, length, rawSize });
    this.#insertSlot(i);
    this.#live++;
    return true;
  }

  /** The location of a digest, or undefined. */
  get(digest: string): BlobLocation | undefined {
    const i = this.#find(Buffer.from(digest, 'hex'));
    return i < 0 ? undefined : this.#loc(i);
  }

  /** True when the digest is indexed. */
  has(digest: string): boolean {
    return this.#find(Buffer.from(digest, 'hex')) >= 0;
  }

  /** Forgets a digest (its pack was rewritten or deleted). */
  remove(digest: string): void {
    const i = this.#find(Buffer.from(digest, 'hex'));
    if (i >= 0) {
      this.#pack[i] = REMOVED;
      this.#live--;
    }
  }

  /** Every live entry (digest hex + location), in insertion order. */
  *entries(): IterableIterator<[string, BlobLocation]> {
    for (let i = 0; i < this.#n; i++) {
      if (this.#pack[i] === REMOVED) continue;
      yield [this.#digests.toString('hex', i * 32, i * 32 + 32), this.#loc(i)];
    }
  }

  /**
   * Every live entry as raw fields, in insertion order, without creating an object per entry
   * (index-file.ts encodes a merged index from them: a million entries as objects would take
   * about 200 MB of heap for a moment). The digest is `digests[at, at + 32)`; `pack` is a table
   * pack number ({@link IndexTable.packId}); `codec` an index into 'none', 'gzip', 'zstd'.
   */
  forEachRaw(
    fn: (
      digests: Buffer,
      at: number,
      pack: number,
      codec: number,
      offset: number,
      length: number,
      rawSize: number,
    ) => void,
  ): void {
    for (let i = 0; i < this.#n; i++) {
      const p = this.#pack[i] as number;
      if (p === REMOVED) continue;
      fn(
        this.#digests,
        i * 32,
        p,
        this.#codec[i] as number,
        this.#offset[i] as number,
        this.#length[i] as number,
        this.#raw[i] as number,
      );
    }
  }

  /** The pack id of a table pack number (see {@link IndexTable.forEachRaw}). */
  packId(no: number): string {
    return this.#packs[no] as string;
  }

  /** Every pack id that has at least one entry. */
  packs(): Set<string> {
    const out = new Set<string>();
    for (let i = 0; i < this.#n; i++)
      if (this.#pack[i] !== REMOVED) out.add(this.#packs[this.#pack[i] as number] as string);
    return out;
  }

  #set(i: number, loc: BlobLocation): void {
    let p = this.#packNo.get(loc.pack);
    if (p === undefined) {
      p = this.#packs.length;
      this.#packs.push(loc.pack);
      this.#packNo.set(loc.pack, p);
    }
    this.#pack[i] = p;
    this.#codec[i] = CODECS.indexOf(loc.codec);
    this.#offset[i] = loc.offset;
    this.#length[i] = loc.length;
    this.#raw[i] = loc.rawSize;
  }

  #loc(i: number): BlobLocation {
    return {
      pack: this.#packs[this.#pack[i] as number] as string,
      offset: this.#offset[i] as number,
      length: this.#length[i] as number,
      rawSize: this.#raw[i] as number,
      codec: CODECS[this.#codec[i] as number] as Compression,
    };
  }

  #find(d: Buffer): number {
    return this.#findAt(d, 0);
  }

  #findAt(d: Buffer, at: number): number {
    if (this.#cap === 0) return -1;
    let s = d.readUInt32BE(at) & this.#mask;
    for (;;) {
      const i = this.#slots[s] as number;
      if (i < 0) return -1;
      if (this.#pack[i] !== REMOVED && d.compare(this.#digests, i * 32, i * 32 + 32, at, at + 32) === 0) return i;
      s = (s + 1) & this.#mask;
    }
  }

  #insertSlot(i: number): void {
    let s = this.#digests.readUInt32BE(i * 32) & this.#mask;
    while ((this.#slots[s] as number) >= 0) s = (s + 1) & this.#mask;
    this.#slots[s] = i;
  }

  #grow(): void {
    const cap = Math.max(1024, this.#cap * 2);
    const digests = Buffer.alloc(cap * 32);
    this.#digests.copy(digests);
    this.#digests = digests;
    this.#pack = copyInto(new Uint32Array(cap), this.#pack);
    this.#codec = copyInto(new Uint8Array(cap), this.#codec);
    this.#offset = copyInto(new Float64Array(cap), this.#offset);
    this.#length = copyInto(new Float64Array(cap), this.#length);
    this.#raw = copyInto(new Float64Array(cap), this.#raw);
    this.#cap = cap;
    this.#slots = new Int32Array(cap * 2).fill(-1);
    this.#mask = cap * 2 - 1;
    for (let i = 0; i < this.#n; i++) this.#insertSlot(i);
  }
}

function copyInto<T extends Uint32Array | Uint8Array | Float64Array>(to: T, from: T): T {
  to.set(from as never);
  return to;
}
