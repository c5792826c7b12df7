/**
 * A pass-through that hashes (SHA-256) and counts the bytes flowing through it and, when given the
 * expected values, fails in `_flush` (before the consumer sees the end) if they differ: a put whose
 * bytes do not match never commits, a get whose bytes do not match ends in an error
 * (STYLE.md "Length and digest are checked at the end of the stream").
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ZimbraBackupError } from '../errors.js';
import type { Digest } from './digest.js';

/** Options of {@link DigestStream}. */
export interface DigestStreamOptions {
  /** Fail with `ZB_DIGEST_MISMATCH` at the end unless the bytes hash to this. */
  expectDigest?: Digest;
  /** Fail with `ZB_SIZE_MISMATCH` at the end unless exactly this many bytes passed. */
  expectSize?: number;
  /** Fail with `ZB_TOO_LARGE` as soon as more than this many bytes pass (a limit, not truncation). */
  maxBytes?: number;
  /** Extra context for errors (e.g. `{ key }`). */
  data?: Record<string, unknown>;
}

/** Hashing, counting, optionally verifying pass-through stream. */
export class DigestStream extends Transform {
  readonly #hash: Hash = createHash('sha256');
  readonly #opts: DigestStreamOptions;
  #size = 0;
  #digest: Digest | undefined;

  /** Creates the stream; see {@link DigestStreamOptions}. */
  constructor(options: DigestStreamOptions = {}) {
    super();
    this.#opts = options;
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.#size;
  }

  /** The digest, available once the stream has flushed. */
  get digest(): Digest {
    if (this.#digest === undefined) {
      throw new ZimbraBackupError('digest read before the stream ended', { code: 'ZB_INVALID_ARGUMENT' });
    }
    return this.#digest;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#size += chunk.length;
    const max = this.#opts.maxBytes;
    if (max !== undefined && this.#size > max) {
      cb(
        new ZimbraBackupError(`stream exceeds ${max} bytes`, {
          code: 'ZB_TOO_LARGE',
          data: { ...this.#opts.data, maxBytes: max },
        }),
      );
      return;
    }
    this.#hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.#digest = this.#hash.digest('hex') as Digest;
    const { expectDigest, expectSize, data } = this.#opts;
    if (expectSize !== undefined && expectSize !== this.#size) {
      cb(
        new ZimbraBackupError(`size mismatch: expected ${expectSize} bytes, got ${this.#size}`, {
          code: 'ZB_SIZE_MISMATCH',
          data: { ...data, expected: expectSize, actual: this.#size },
        }),
      );
      return;
    }
    if (expectDigest !== undefined && expectDigest !== this.#digest) {
      cb(
        new ZimbraBackupError(`digest mismatch: expected ${expectDigest}, got ${this.#digest}`, {
          code: 'ZB_DIGEST_MISMATCH',
          data: { ...data, expected: expectDigest, actual: this.#digest },
        }),
      );
      return;
    }
    cb();
  }
}
