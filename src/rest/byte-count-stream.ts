/**
 * A pass-through that bounds and checks a download: over `maxBytes` is an error (never a silent
 * truncation), and at the end the byte count must equal the expected size when one is known.
 * @module
 */
import { Transform, type TransformCallback } from 'node:stream';
import { ZimbraBackupError } from '../errors.js';

/** Options of {@link ByteCountStream}. */
export interface ByteCountStreamOptions {
  /** Fail with `ZB_TOO_LARGE` once more than this many bytes pass. Default: no bound. */
  maxBytes?: number;
  /** Fail with `ZB_SIZE_MISMATCH` at the end unless exactly this many bytes passed. */
  expectedSize?: number;
  /** Context for error messages and `data` (item id, op); never secrets. */
  data?: Record<string, unknown>;
}

/** Counts bytes, enforcing a bound while streaming and the expected size at the end. */
export class ByteCountStream extends Transform {
  /** Bytes passed so far. */
  bytes = 0;
  readonly #opts: ByteCountStreamOptions;

  constructor(opts: ByteCountStreamOptions) {
    super();
    this.#opts = opts;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    const max = this.#opts.maxBytes;
    if (max !== undefined && this.bytes > max) {
      cb(
        new ZimbraBackupError(`download exceeds ${max} bytes`, {
          code: 'ZB_TOO_LARGE',
          data: { ...this.#opts.data, maxBytes: max },
        }),
      );
      return;
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const expected = this.#opts.expectedSize;
    if (expected !== undefined && this.bytes !== expected) {
      cb(
        new ZimbraBackupError(`size mismatch: got ${this.bytes} bytes, expected ${expected}`, {
          code: 'ZB_SIZE_MISMATCH',
          data: { ...this.#opts.data, bytes: this.bytes, expectedSize: expected },
        }),
      );
      return;
    }
    cb();
  }
}
