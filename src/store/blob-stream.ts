/**
 * Small stream helpers of the blob store: read a fixed-size header off a stream and give the rest
 * back, prepend a header while counting output bytes, and map low-level stream errors to codes.
 * @module
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { ZimbraBackupError, isZimbraBackupError } from '../errors.js';
import { isAbortError, toStorageError } from './backends/storage-error.js';

/**
 * Reads exactly `n` bytes from the start of `stream` and unshifts whatever came with them, so the
 * stream can then be piped as if the header had never been there.
 * @throws `ZB_REPOSITORY_CORRUPT` when the stream ends first.
 */
export function readHead(stream: Readable, n: number, key: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let len = 0;
    const cleanup = (): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = stream.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        len += chunk.length;
        if (len >= n) {
          cleanup();
          const all = Buffer.concat(chunks, len);
          if (all.length > n) stream.unshift(all.subarray(n));
          resolve(all.subarray(0, n));
          return;
        }
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(
        new ZimbraBackupError(`blob object ${key} is shorter than its header`, {
          code: 'ZB_REPOSITORY_CORRUPT',
          data: { key, length: len },
        }),
      );
    };
    const onError = (err: unknown): void => {
      cleanup();
      reject(err);
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/** Emits `header` before the first byte (even for an empty payload) and counts every byte emitted. */
export class PrependCounter extends Transform {
  #header: Buffer | undefined;
  /** Bytes emitted so far, header included. */
  count = 0;

  /** Creates the transform. */
  constructor(header: Buffer) {
    super();
    this.#header = header;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#emitHeader();
    this.count += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.#emitHeader();
    cb();
  }

  #emitHeader(): void {
    if (this.#header) {
      this.push(this.#header);
      this.count += this.#header.length;
      this.#header = undefined;
    }
  }
}

/**
 * Maps an error met while decoding a stored blob: library errors pass, aborts become `ZB_ABORTED`,
 * zlib/zstd data errors mean the stored bytes are damaged (`ZB_DIGEST_MISMATCH`, `data.reason`
 * 'decode'), anything else is a storage error.
 */
export function mapReadError(err: unknown, key: string): ZimbraBackupError {
  if (isZimbraBackupError(err)) return err;
  if (isAbortError(err))
    return new ZimbraBackupError('blob read aborted', { code: 'ZB_ABORTED', cause: err, data: { key } });
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new ZimbraBackupError(`blob ${key} cannot be decoded: ${(err as Error).message}`, {
      code: 'ZB_DIGEST_MISMATCH',
      cause: err,
      data: { key, reason: 'decode' },
    });
  }
  return toStorageError(err, 'get', key);
}

/** Wraps `source` so every error the consumer sees went through `map` (an async-iterator relay). */
export function relayWithMappedErrors(source: Readable, map: (err: unknown) => Error): Readable {
  async function* relay(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of source) yield chunk as Buffer;
    } catch (err) {
      throw map(err);
    }
  }
  return Readable.from(relay(), { objectMode: false });
}
