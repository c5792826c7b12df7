import { describe, expect, it } from 'vitest';
import { ZimbraBackupError, isRetryable } from '../../../src/errors.js';
import { toS3Error } from '../../../src/store/backends/s3-errors.js';

const ctx = { op: 'get', bucket: 'b', key: 'blobs/ab/cd/x' };

/** Builds an error shaped like an AWS SDK v3 service exception. */
function sdkError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  const err = new Error(`${name} message`);
  err.name = name;
  return Object.assign(err, { $metadata: status === undefined ? {} : { httpStatusCode: status }, ...extra });
}

describe('toS3Error', () => {
  it('maps NoSuchKey and a bare 404 (HEAD) to ZB_BLOB_NOT_FOUND', () => {
    expect(toS3Error(sdkError('NoSuchKey', 404), ctx).code).toBe('ZB_BLOB_NOT_FOUND');
    expect(toS3Error(sdkError('NotFound', 404), ctx).code).toBe('ZB_BLOB_NOT_FOUND');
    expect(toS3Error(sdkError('UnknownError', 404), ctx).code).toBe('ZB_BLOB_NOT_FOUND');
  });

  it('never reports a missing bucket or upload as a missing blob', () => {
    for (const name of ['NoSuchBucket', 'NoSuchUpload']) {
      const err = toS3Error(sdkError(name, 404), ctx);
      expect(err.code).toBe('ZB_STORAGE');
      expect(err.data['transient']).toBe(false);
      expect(isRetryable(err)).toBe(false);
    }
  });

  it.each([
    ['SlowDown', 503],
    ['ServiceUnavailable', 503],
    ['InternalError', 500],
    ['BadGateway', 502],
    ['TooManyRequestsException', 429],
    ['RequestTimeout', 400],
    ['TimeoutError', undefined],
  ])('%s (%s) is a transient ZB_STORAGE error', (name, status) => {
    const err = toS3Error(sdkError(name, status), ctx);
    expect(err).toMatchObject({ code: 'ZB_STORAGE', data: { transient: true, s3Code: name, op: 'get', key: ctx.key } });
    expect(isRetryable(err)).toBe(true);
  });

  it('socket failures without an HTTP status are transient', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(toS3Error(refused, ctx)).toMatchObject({ code: 'ZB_STORAGE', data: { transient: true } });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} });
    expect(isRetryable(toS3Error(reset, ctx))).toBe(true);
  });

  it('SDK-flagged retryable errors (throttling) are transient and carry Retry-After', () => {
    const err = toS3Error(
      sdkError('Weird', 400, { $retryable: { throttling: true }, $response: { headers: { 'retry-after': '3' } } }),
      ctx,
    );
    expect(err.data['transient']).toBe(true);
    expect(err.retryAfterMs).toBe(3000);
  });

  it.each([
    ['AccessDenied', 403],
    ['InvalidAccessKeyId', 403],
    ['SignatureDoesNotMatch', 403],
    ['InvalidArgument', 400],
    ['EntityTooSmall', 400],
  ])('%s (%s) is a permanent ZB_STORAGE error', (name, status) => {
    const err = toS3Error(sdkError(name, status), ctx);
    expect(err).toMatchObject({ code: 'ZB_STORAGE', data: { transient: false, status } });
    expect(isRetryable(err)).toBe(false);
  });

  it('an aborted signal or an AbortError gives ZB_ABORTED, whatever the underlying error', () => {
    const ac = new AbortController();
    ac.abort();
    expect(toS3Error(sdkError('InternalError', 500), { ...ctx, signal: ac.signal }).code).toBe('ZB_ABORTED');
    expect(toS3Error(sdkError('AbortError'), ctx).code).toBe('ZB_ABORTED');
  });

  it('passes library errors through and keeps the SDK error as cause', () => {
    const own = new ZimbraBackupError('size', { code: 'ZB_SIZE_MISMATCH' });
    expect(toS3Error(own, ctx)).toBe(own);
    const sdk = sdkError('AccessDenied', 403);
    expect(toS3Error(sdk, ctx).cause).toBe(sdk);
  });

  it('puts operation, key and S3 code in the message', () => {
    expect(toS3Error(sdkError('AccessDenied', 403), ctx).message).toBe(
      'S3 get "blobs/ab/cd/x" failed with AccessDenied (HTTP 403): AccessDenied message',
    );
  });
});
