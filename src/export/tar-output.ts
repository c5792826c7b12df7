/**
 * Writing tar members with tar-stream's pack while honouring backpressure, and counting the bytes
 * that reach the destination.
 * @module
 */
import { once } from 'node:events';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { throwIfAborted } from '../errors.js';
import { memberHeader } from './archive-format.js';

/** A tar stream being written to a destination. */
export class TarOutput {
  readonly #pack: tar.Pack;
  readonly #done: Promise<void>;
  readonly #atMs: number;
  #bytes = 0;

  /**
   * Starts the pipeline pack -> (gzip) -> (encrypt) -> counter -> out. `out` is ended when the
   * archive is finished, and destroyed when it fails.
   */
  constructor(
    out: Writable,
    opts: { gzip: boolean; gzipLevel?: number; atMs: number; signal?: AbortSignal; encrypt?: Transform },
  ) {
    this.#pack = tar.pack();
    this.#atMs = opts.atMs;
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.#bytes += chunk.length;
        cb(null, chunk);
      },
    });
    const source = this.#pack as unknown as Readable;
    const stages = [
      source,
      ...(opts.gzip ? [createGzip({ level: opts.gzipLevel ?? 6 })] : []),
      ...(opts.encrypt ? [opts.encrypt] : []),
      counter,
      out,
    ];
    this.#done = pipeline(stages as [Readable, ...Writable[]], opts.signal ? { signal: opts.signal } : {});
    // Observed by finish()/fail(); an early failure must not surface as an unhandled rejection.
    this.#done.catch(() => {});
  }

  /** Bytes written to the destination so far (after compression). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds a member held in memory (the manifest). */
  async addBuffer(name: string, data: Buffer): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#pack.entry(memberHeader(name, data.length, this.#atMs), data, (err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * Adds a member streamed from `source`, which must yield exactly `size` bytes (tar-stream
   * fails the entry otherwise). An error of `source` (e.g. a digest mismatch raised at its end)
   * rejects with that error.
   */
  async addStream(name: string, size: number, source: AsyncIterable<Buffer>, signal?: AbortSignal): Promise<void> {
    let entryError: Error | null | undefined;
    let sink!: ReturnType<tar.Pack['entry']>;
    const entryDone = new Promise<void>((resolve, reject) => {
      sink = this.#pack.entry(memberHeader(name, size, this.#atMs), (err) => {
        entryError = err;
        if (err) reject(err);
        else resolve();
      });
    });
    entryDone.catch(() => {});
    (sink as unknown as NodeJS.EventEmitter).on('error', () => {}); // reported through entryDone
    try {
      for await (const chunk of source) {
        throwIfAborted(signal);
        if (entryError) throw entryError;
        if (!sink.write(chunk)) await once(sink as unknown as NodeJS.EventEmitter, 'drain');
      }
    } catch (err) {
      // The archive cannot go on without this member: fail the whole pack (its pipeline listens
      // for errors; a destroyed entry sink would emit one nobody listens to).
      this.#pack.destroy(err as Error);
      throw err;
    }
    (sink as unknown as { end(): void }).end();
    await entryDone;
  }

  /** Ends the archive and waits until every byte reached the destination. */
  async finish(): Promise<void> {
    this.#pack.finalize();
    await this.#done;
  }

  /** Tears the pipeline down after a failure (the destination is destroyed). */
  async fail(err: unknown): Promise<void> {
    this.#pack.destroy(err as Error);
    await this.#done.catch(() => {});
  }
}
