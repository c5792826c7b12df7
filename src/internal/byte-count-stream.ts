/**
 * A pass-through that counts bytes and checks them while they stream: more than `maxBytes` is an
 * error (never a silent truncation), and a known expected length must be met exactly. A body
 * longer than expected fails as soon as it overruns (nothing more of a wrong body is read); a
 * shorter one fails at the end, in `_flush`, before the consumer sees the end (STYLE
 * "Streaming"): an upload then never completes and a cut download is never taken for a whole.
 * Used by REST downloads (rest/) and S3 transfers (store/backends/s3*).
 * @module
 */
import { Transform, type TransformCallback } from 'node:stream';
import { ZimbraBackupError } from '../errors.js';

/** Options of {@link ByteCountStream}. */
export interface ByteCountStreamOptions {
  /** Fail with `ZB_TOO_LARGE` once more than this many bytes pass. Default: no bound. */
  maxBytes?: number;
  /** Fail unless exactly this many bytes pass (see `onMismatch`). Default: no check. */
  expectedSize?: number;
  /** Context for error messages and `data` (item id, op); never secrets. */
  data?: Record<string, unknown>;
  /**
   * Builds the error of a length that differs from `expectedSize`. Default: `ZB_SIZE_MISMATCH`
   * with `data`, `bytes` and `expectedSize`.
   */
  onMismatch?: (expected: number, actual: number) => Error;
}

/** Counts bytes, enforcing a bound and the expected size while streaming. */
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
    const expected = this.#opts.expectedSize;
    // Fail as soon as the source overruns: no need to read the rest of a wrong body.
    if (expected !== undefined && this.bytes > expected) {
      cb(this.#mismatch(expected));
      return;
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const expected = this.#opts.expectedSize;
    if (expected !== undefined && this.bytes !== expected) {
      cb(this.#mismatch(expected));
      return;
    }
    cb();
  }

  #mismatch(expected: number): Error {
    if (this.#opts.onMismatch) return this.#opts.onMismatch(expected, this.bytes);
    return new ZimbraBackupError(`size mismatch: got ${this.bytes} bytes, expected ${expected}`, {
      code: 'ZB_SIZE_MISMATCH',
      data: { ...this.#opts.data, bytes: this.bytes, expectedSize: expected },
    });
  }
}
