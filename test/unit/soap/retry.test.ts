import { describe, expect, it } from 'vitest';
import { ZimbraBackupError, isRetryable } from '../../../src/errors.js';
import { faultToError } from '../../../src/soap/faults.js';
import { HttpStatusError, networkError } from '../../../src/soap/http/errors.js';
import { backoffDelay, retryDelay, shouldRetry } from '../../../src/soap/retry.js';

const fault = (code: string) =>
  faultToError({ Code: { Value: 'soap:Receiver' }, Reason: { Text: 'x' }, Detail: { Error: { Code: code } } });
const net = (errno: string) => networkError(Object.assign(new Error('x'), { code: errno }), 'POST /service/soap');

describe('backoff', () => {
  it('grows exponentially with jitter, capped', () => {
    const o = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, o, () => 0)).toBe(50);
    expect(backoffDelay(1, o, () => 1)).toBe(100);
    expect(backoffDelay(3, o, () => 1)).toBe(400);
    expect(backoffDelay(10, o, () => 1)).toBe(1000);
    const d = backoffDelay(2, o);
    expect(d).toBeGreaterThanOrEqual(100);
    expect(d).toBeLessThanOrEqual(200);
  });
});

describe('shouldRetry', () => {
  it('retries network errors, 502/503/504 and TEMPORARILY_UNAVAILABLE only', () => {
    expect(shouldRetry(net('ECONNRESET'), true)).toBe(true);
    expect(shouldRetry(new HttpStatusError(503, 'x'), true)).toBe(true);
    expect(shouldRetry(new HttpStatusError(502, 'x'), true)).toBe(true);
    expect(shouldRetry(new HttpStatusError(429, 'x'), true)).toBe(true);
    expect(shouldRetry(new HttpStatusError(500, 'x'), true)).toBe(false);
    expect(shouldRetry(new HttpStatusError(404, 'x'), true)).toBe(false);
    expect(shouldRetry(fault('service.TEMPORARILY_UNAVAILABLE'), true)).toBe(true);
    expect(shouldRetry(fault('service.FAILURE'), true)).toBe(false);
    expect(shouldRetry(fault('mail.NO_SUCH_ITEM'), true)).toBe(false);
    expect(shouldRetry(new ZimbraBackupError('x', { code: 'ZB_PROTOCOL' }), true)).toBe(false);
    expect(shouldRetry(new ZimbraBackupError('x', { code: 'ZB_ABORTED' }), true)).toBe(false);
    expect(shouldRetry(new Error('plain'), true)).toBe(false);
  });

  it('does not repeat a non-idempotent request that may have reached the server', () => {
    expect(shouldRetry(net('ECONNRESET'), false)).toBe(false);
    expect(shouldRetry(new ZimbraBackupError('t', { code: 'ZB_TIMEOUT' }), false)).toBe(false);
    expect(shouldRetry(net('ECONNREFUSED'), false)).toBe(true);
    // A gateway error may follow a request Zimbra applied.
    expect(shouldRetry(new HttpStatusError(502, 'x'), false)).toBe(false);
    expect(shouldRetry(new HttpStatusError(503, 'x'), false)).toBe(false);
  });

  it('repeats any request the rate limit refused: 429, or 503 marked by Jetty DoSFilter', () => {
    // Jetty DoSFilter (store/conf/web.xml.production, filter-mapping /*) rejects before any servlet
    // runs: with zimbraHttpDosFilterDelayMillis=-1 (zimbra-attrs.xml default) it sends tooManyCode
    // (429 since Jetty 9.3, 503 before) and the header "DoSFilter: unavailable".
    expect(shouldRetry(new HttpStatusError(429, 'x'), false)).toBe(true);
    expect(shouldRetry(new HttpStatusError(503, 'x', { throttled: true }), false)).toBe(true);
    expect(new HttpStatusError(502, 'x', { throttled: true }).throttled).toBe(false);
  });

  it('repeats only the transport errors the HTTP layer marked, and timeouts only when idempotent', () => {
    // The transience verdict is errors.ts isRetryable (true for an unmarked ZB_TRANSPORT); the wire
    // rule keeps an embedder's failing interceptor or a request body closed early from repeating.
    const unmarked = new ZimbraBackupError('interceptor', { code: 'ZB_TRANSPORT' });
    expect(isRetryable(unmarked)).toBe(true);
    expect(shouldRetry(unmarked, true)).toBe(false);
    const timeout = new ZimbraBackupError('t', { code: 'ZB_TIMEOUT' });
    expect(shouldRetry(timeout, true)).toBe(true);
    // A fault that says "retryable" is the server's own refusal: repeated even when not idempotent.
    expect(shouldRetry(fault('service.TEMPORARILY_UNAVAILABLE'), false)).toBe(true);
    // Marked retryable but not a wire error: not the client's to repeat.
    expect(
      shouldRetry(Object.assign(new ZimbraBackupError('x', { code: 'ZB_STORAGE' }), { retryable: true }), true),
    ).toBe(false);
  });

  it('a certificate that does not verify is never retried', () => {
    expect(shouldRetry(net('DEPTH_ZERO_SELF_SIGNED_CERT'), true)).toBe(false);
    expect(net('SELF_SIGNED_CERT_IN_CHAIN').message).toContain('--ca-file');
  });
});

describe('retryDelay', () => {
  const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1000, retryAfterMaxMs: 5000 };
  it('honours Retry-After as sent, up to the policy cap; without it backs off exponentially', () => {
    const ra = (ms: number) => new HttpStatusError(429, 'x', { retryAfterMs: ms });
    expect(retryDelay(ra(3000), 1, false, policy)).toBe(3000);
    expect(retryDelay(ra(0), 1, true, policy)).toBe(0);
    expect(retryDelay(ra(5001), 1, true, policy)).toBeUndefined();
    expect(retryDelay(new HttpStatusError(429, 'x'), 3, true, policy, () => 1)).toBe(400);
    expect(retryDelay(new HttpStatusError(429, 'x'), 4, true, policy)).toBeUndefined();
    expect(retryDelay(new HttpStatusError(404, 'x'), 1, true, policy)).toBeUndefined();
  });
});
