import { Transform, type TransformCallback } from 'node:stream';

/**
 * A pass-through that counts bytes and, when an expected length is known, fails at the end of the
 * stream if the count differs, before the consumer sees the end: an upload then never completes,
 * and a cut download is never taken for a whole object (STYLE "Streaming": lengths are checked at
 * the end of the stream, in `_flush`).
 */
export class ByteCountStream extends Transform {
  /** Bytes seen so far. */
  bytes = 0;
  readonly #expected: number | undefined;
  readonly #onMismatch: (expected: number, actual: number) => Error;

  /**
   * @param expected - Exact byte length the stream must have; undefined disables the check.
   * @param onMismatch - Builds the error raised when the length differs.
   */
  constructor(expected: number | undefined, onMismatch: (expected: number, actual: number) => Error) {
    super();
    this.#expected = expected;
    this.#onMismatch = onMismatch;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.#expected !== undefined && this.bytes > this.#expected) {
      // Fail as soon as the source overruns: no need to buffer the rest of a wrong body.
      callback(this.#onMismatch(this.#expected, this.bytes));
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#expected !== undefined && this.bytes !== this.#expected) {
      callback(this.#onMismatch(this.#expected, this.bytes));
      return;
    }
    callback();
  }
}
