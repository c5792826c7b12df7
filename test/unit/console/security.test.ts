/** The console's security building blocks, without sockets: sessions, rate limit, listen rules, inputs. */
import { describe, expect, it } from 'vitest';
import { badInput } from '../../../src/console/http-errors.js';
import { accountParam, intParam, itemParam, textParam, timeParam } from '../../../src/console/params.js';
import { assertListenAllowed, isLoopback, parseListen } from '../../../src/console/security/listen.js';
import { LoginRateLimiter } from '../../../src/console/security/rate-limit.js';
import { retainClient, sameSecret, SessionStore } from '../../../src/console/security/sessions.js';
import type { ZimbraClient } from '../../../src/soap/zimbra-client.js';

describe('SessionStore', () => {
  it('creates unguessable sessions and expires them when idle or too old', () => {
    let now = 1_000_000;
    const store = new SessionStore({ idleMs: 1000, maxAgeMs: 5000, now: () => now });
    const a = store.create('admin');
    const b = store.create('admin');
    expect(a.id).not.toBe(b.id);
    expect(a.csrf).not.toBe(a.id);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    now += 900;
    expect(store.get(a.id)).toBe(a);
    now += 900;
    expect(store.get(a.id)).toBe(a); // refreshed at the previous get
    now += 1100;
    expect(store.get(a.id)).toBeUndefined();
    const c = store.create('admin');
    for (let i = 0; i < 6; i++) {
      now += 900;
      store.get(c.id);
    }
    expect(store.get(c.id)).toBeUndefined(); // past maxAgeMs despite activity
    expect(store.get(undefined)).toBeUndefined();
    expect(store.get('x'.repeat(1000))).toBeUndefined();
  });

  it('closes the SOAP client at logout, or once the last operation using it ends', () => {
    let closed = 0;
    const client = { close: () => closed++ } as unknown as ZimbraClient;
    const store = new SessionStore();
    const s = store.create('admin', client);
    const release = retainClient(s);
    store.destroy(s.id);
    expect(closed).toBe(0);
    release();
    release();
    expect(closed).toBe(1);
    const t = store.create('admin', client);
    store.destroy(t.id);
    expect(closed).toBe(2);
  });

  it('compares secrets in constant time, whatever their lengths', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'x')).toBe(false);
  });
});

describe('LoginRateLimiter', () => {
  it('blocks an address after maxFailures in the window, and forgets on success or with time', () => {
    let now = 0;
    const rl = new LoginRateLimiter({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(rl.retryAfterMs('1.2.3.4')).toBe(0);
      rl.fail('1.2.3.4');
      now += 1000;
    }
    expect(rl.retryAfterMs('1.2.3.4')).toBe(57_000);
    expect(rl.retryAfterMs('5.6.7.8')).toBe(0);
    now += 57_000;
    expect(rl.retryAfterMs('1.2.3.4')).toBe(0);
    rl.fail('1.2.3.4');
    rl.succeed('1.2.3.4');
    expect(rl.retryAfterMs('1.2.3.4')).toBe(0);
  });

  it('caps failures from all addresses together', () => {
    const rl = new LoginRateLimiter({ maxFailures: 100, maxGlobalFailures: 4, now: () => 0 });
    for (let i = 0; i < 4; i++) rl.fail(`10.0.0.${i}`);
    expect(rl.retryAfterMs('10.0.0.99')).toBeGreaterThan(0);
  });
});

describe('listen rules', () => {
  it('parses host:port forms', () => {
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(parseListen(':0')).toEqual({ host: '127.0.0.1', port: 0 });
    for (const bad of ['8080', 'host', '1.2.3.4:99999', 'a:b:c', '[::1]', ''])
      expect(() => parseListen(bad), bad).toThrow(/--listen/);
  });

  it('allows plain HTTP on loopback only, unless TLS or insecureHttp', () => {
    expect(isLoopback('127.0.0.1') && isLoopback('127.8.9.1') && isLoopback('::1') && isLoopback('localhost')).toBe(
      true,
    );
    expect(isLoopback('0.0.0.0') || isLoopback('10.0.0.1') || isLoopback('127.evil.test')).toBe(false);
    expect(() => assertListenAllowed('0.0.0.0', false, false)).toThrow(/--tls-cert/);
    expect(() => assertListenAllowed('10.0.0.1', true, false)).not.toThrow();
    expect(() => assertListenAllowed('10.0.0.1', false, true)).not.toThrow();
    expect(() => assertListenAllowed('127.0.0.1', false, false)).not.toThrow();
  });
});

describe('browser inputs', () => {
  it('accepts account names and ids, refuses anything path-like', () => {
    expect(accountParam('user1@example.test')).toBe('user1@example.test');
    expect(accountParam('6b0b2c8e-0000-4000-8000-000000000001')).toBe('6b0b2c8e-0000-4000-8000-000000000001');
    for (const bad of ['../etc', 'a/b', 'a b', '', 'x'.repeat(300), 'a\u0000b'])
      expect(() => accountParam(bad)).toThrow();
  });

  it('accepts decimal item ids only', () => {
    expect(itemParam('257')).toBe('257');
    for (const bad of ['0', '-1', '1e3', '01', '..', '1/2', '99999999999']) expect(() => itemParam(bad), bad).toThrow();
    // The field is named, as for the other params, so the browser can point at it.
    expect(() => itemParam('..', 'ids')).toThrow(
      expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT', data: { field: 'ids' } }),
    );
  });

  it('accepts zoned ISO times only', () => {
    expect(timeParam('2026-12-01T10:00:00Z', 'at')).toBe(Date.parse('2026-12-01T10:00:00Z'));
    expect(timeParam('2026-12-01T10:00:00.123+01:00', 'at')).toBe(Date.parse('2026-12-01T09:00:00.123Z'));
    expect(timeParam(undefined, 'at')).toBeUndefined();
    for (const bad of ['2026-12-01T10:00:00', '2026-12-01', 'now', '1733040000000', '2026-13-45T99:99:99Z'])
      expect(() => timeParam(bad, 'at'), bad).toThrow(/at/);
  });

  it('bounds integers and text', () => {
    expect(intParam('5', 'limit', 1, 10)).toBe(5);
    expect(() => intParam('11', 'limit', 1, 10)).toThrow();
    expect(() => intParam('1.5', 'limit', 1, 10)).toThrow();
    expect(textParam('Inbox', 'folder')).toBe('Inbox');
    expect(() => textParam('a\nb', 'folder')).toThrow();
    expect(badInput('m', 'f').code).toBe('ZB_INVALID_ARGUMENT');
  });
});
