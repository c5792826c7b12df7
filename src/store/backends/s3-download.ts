import type { Readable } from 'node:stream';
import { ZimbraBackupError } from '../../errors.js';
import { ByteCountStream } from '../../internal/byte-count-stream.js';
import { toS3Error, type S3ErrorContext } from './s3-errors.js';

/** Options of {@link wrapS3Download}. */
export interface S3DownloadOptions {
  /** Content-Length the server announced; fewer bytes is an error, never a short object. */
  expected: number | undefined;
  /** Aborting destroys the download with `ZB_ABORTED`. */
  signal: AbortSignal | undefined;
  /** Error context for mapped errors. */
  ctx: Omit<S3ErrorContext, 'signal'>;
}

/**
 * Puts a GetObject body behind a stream that checks the announced length, maps socket errors to
 * library errors (a cut connection is a transient `ZB_STORAGE`), follows the caller's abort
 * signal, and releases the HTTP response when the consumer destroys the stream early.
 */
export function wrapS3Download(body: Readable, opts: S3DownloadOptions): Readable {
  const { signal, ctx } = opts;
  const out = new ByteCountStream({
    ...(opts.expected === undefined ? {} : { expectedSize: opts.expected }),
    onMismatch: (expected, actual) =>
      new ZimbraBackupError(`S3 get of "${ctx.key ?? ''}" ended after ${actual} of ${expected} bytes`, {
        code: 'ZB_STORAGE',
        data: { ...ctx, expected, actual, transient: true },
      }),
  });
  const onAbort = (): void => {
    out.destroy(toS3Error(signal?.reason ?? new Error('aborted'), { ...ctx, signal }));
  };
  body.on('error', (err) => out.destroy(toS3Error(err, { ...ctx, signal })));
  // A response that closes without 'end' was cut short; ByteCountStream only sees 'end'.
  body.on('close', () => {
    if (!body.readableEnded && !out.destroyed) {
      out.destroy(
        new ZimbraBackupError(`S3 get of "${ctx.key ?? ''}" was cut short`, {
          code: 'ZB_STORAGE',
          data: { ...ctx, transient: true },
        }),
      );
    }
  });
  out.on('close', () => {
    signal?.removeEventListener('abort', onAbort);
    if (!body.destroyed) body.destroy();
  });
  if (signal?.aborted === true) queueMicrotask(onAbort);
  else signal?.addEventListener('abort', onAbort, { once: true });
  body.pipe(out);
  return out;
}
