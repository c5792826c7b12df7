/**
 * A write-once, read-many staging area for one blob: bytes stay in memory up to a threshold and
 * spill to a temp file beyond it. Memory is therefore bounded by `threshold` per concurrent put,
 * whatever the blob size, while small blobs (most mail) avoid three file operations per put.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';

/** A Writable that spools to memory, then to `<dir>/zb-spool-<random>` past `threshold` bytes. */
export class Spool extends Writable {
  readonly #dir: string;
  readonly #threshold: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #file: string | undefined;
  #fh: FileHandle | undefined;

  /**
   * @param dir - Directory of the spill file.
   * @param threshold - Bytes kept in memory before spilling, 0 to always use a file.
   */
  constructor(dir: string, threshold: number) {
    super();
    this.#dir = dir;
    this.#threshold = threshold;
  }

  /** Bytes written. */
  get size(): number {
    return this.#size;
  }

  /** True once the bytes live in a file. */
  get spilled(): boolean {
    return this.#file !== undefined;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.#file === undefined && this.#size + chunk.length <= this.#threshold) {
      this.#chunks.push(chunk);
      this.#size += chunk.length;
      cb();
      return;
    }
    this.#spill(chunk).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    const fh = this.#fh;
    this.#fh = undefined;
    if (!fh) {
      cb();
      return;
    }
    fh.close().then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const fh = this.#fh;
    this.#fh = undefined;
    if (!fh) {
      cb(err);
      return;
    }
    fh.close().then(
      () => cb(err),
      () => cb(err),
    );
  }

  /** Overwrites `bytes` at `offset` (the blob header's size field, learnt at the end). */
  async patch(offset: number, bytes: Buffer): Promise<void> {
    if (this.#file !== undefined) {
      const fh = await open(this.#file, 'r+');
      try {
        await fh.write(bytes, 0, bytes.length, offset);
      } finally {
        await fh.close();
      }
      return;
    }
    let base = 0;
    for (const chunk of this.#chunks) {
      for (let i = 0; i < bytes.length; i++) {
        const at = offset + i - base;
        if (at >= 0 && at < chunk.length) chunk[at] = bytes[i] ?? 0;
      }
      base += chunk.length;
    }
  }

  /** A fresh stream over the spooled bytes (call after the writable finished). */
  open(): Readable {
    return this.#file !== undefined ? createReadStream(this.#file) : Readable.from(this.#chunks, { objectMode: false });
  }

  /** The spooled bytes when they are still in memory, else undefined (call after finishing). */
  contents(): Buffer | undefined {
    return this.#file === undefined ? Buffer.concat(this.#chunks, this.#size) : undefined;
  }

  /** Frees the memory and removes the spill file. */
  async dispose(): Promise<void> {
    this.#chunks = [];
    if (this.#fh) await this.#fh.close().catch(() => {});
    this.#fh = undefined;
    if (this.#file !== undefined) await rm(this.#file, { force: true }).catch(() => {});
  }

  async #spill(chunk: Buffer): Promise<void> {
    if (this.#file === undefined) {
      this.#file = join(this.#dir, `zb-spool-${randomBytes(12).toString('hex')}`);
      this.#fh = await open(this.#file, 'wx', 0o600);
      for (const c of this.#chunks) await writeAll(this.#fh, c);
      this.#chunks = [];
    }
    await writeAll(this.#fh as FileHandle, chunk);
    this.#size += chunk.length;
  }
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  for (let off = 0; off < buf.length;) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
}
