import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ZimbraBackupError } from '../../../src/errors.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { RetryBackend } from '../../../src/store/backends/retry.js';
import { FaultyBackend } from '../../../src/testing/faulty-backend.js';
import { runBackendConformance } from '../../conformance/backend-suite.js';

const fast = { minDelayMs: 1, maxDelayMs: 5 };
const body = (text: string) => ({ size: Buffer.byteLength(text), open: () => Readable.from([Buffer.from(text)]) });
async function text(r: Readable): Promise<string> {
  let s = '';
  for await (const c of r) s += String(c);
  return s;
}

// The contract holds through the wrapper, with a transient fault on the first call of each method.
// (Not delete: after a failed attempt, NOT_FOUND on the retry is reported as success by design,
// since the failed attempt may have deleted it; see the next describe.)
runBackendConformance('retry(faulty(memory))', {
  create: async () =>
    new RetryBackend(new FaultyBackend(new MemoryBackend(), { put: {}, get: {}, stat: {}, list: {} }), fast),
});

describe('RetryBackend', () => {
  it('replays the body after a put cut midway, and retries get/stat/delete', async () => {
    const inner = new MemoryBackend();
    const faulty = new FaultyBackend(inner, {
      put: { afterBytes: 3, times: 2 },
      get: {},
      stat: { times: 2 },
      delete: {},
    });
    const retries: number[] = [];
    const b = new RetryBackend(faulty, { ...fast, onRetry: (i) => retries.push(i.attempt) });
    let opens = 0;
    await b.put('k', { size: 6, open: () => (opens++, Readable.from([Buffer.from('abc'), Buffer.from('def')])) });
    expect(opens).toBe(3);
    expect(await text(await b.get('k'))).toBe('abcdef');
    expect(await b.stat('k')).toEqual({ size: 6 });
    await b.delete('k');
    faulty.expectAllFaultsExercised();
    expect(retries.length).toBe(6);
  });

  it('gives up after `retries` and rethrows the last error', async () => {
    const faulty = new FaultyBackend(new MemoryBackend(), { stat: { times: 3 } });
    const b = new RetryBackend(faulty, { ...fast, retries: 2 });
    await expect(b.stat('k')).rejects.toMatchObject({ code: 'ZB_STORAGE', data: { injected: true } });
    expect(faulty.calls.stat).toBe(3);
  });

  it('never retries permanent errors or aborts', async () => {
    const permanent = new ZimbraBackupError('disk full', { code: 'ZB_STORAGE', data: { transient: false } });
    const faulty = new FaultyBackend(new MemoryBackend(), {
      put: { error: permanent },
    });
    const b = new RetryBackend(faulty, fast);
    await expect(b.put('k', body('x'))).rejects.toBe(permanent);
    expect(faulty.calls.put).toBe(1);
    await expect(b.get('missing')).rejects.toMatchObject({ code: 'ZB_BLOB_NOT_FOUND' });
    expect(faulty.calls.get).toBe(1);
  });

  it('a delete whose first attempt failed after deleting counts as done', async () => {
    const inner = new MemoryBackend();
    await inner.put('k', body('x'));
    // Fail the *reply*: the fault fires on the second call, after the first one really deleted.
    const faulty = new FaultyBackend(inner);
    const b = new RetryBackend(
      {
        ...faulty,
        properties: faulty.properties,
        put: faulty.put.bind(faulty),
        get: faulty.get.bind(faulty),
        stat: faulty.stat.bind(faulty),
        list: faulty.list.bind(faulty),
        delete: async (key: string) => {
          await inner.delete(key);
          throw new ZimbraBackupError('reset', { code: 'ZB_STORAGE', data: { transient: true } });
        },
      },
      fast,
    );
    await expect(b.delete('k')).resolves.toBeUndefined();
    expect(await inner.stat('k')).toBeUndefined();
  });

  it('backoff is abortable by the wrapper signal', async () => {
    const ac = new AbortController();
    const faulty = new FaultyBackend(new MemoryBackend(), { stat: { times: 10 } });
    const b = new RetryBackend(faulty, { minDelayMs: 10_000, maxDelayMs: 10_000, signal: ac.signal });
    const p = b.stat('k');
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: 'ZB_ABORTED' });
  });

  it('list is retried only before its first object', async () => {
    const inner = new MemoryBackend();
    await inner.put('a/1', body('x'));
    const faulty = new FaultyBackend(inner, { list: { times: 2 } });
    const keys: string[] = [];
    for await (const o of new RetryBackend(faulty, fast).list('a/')) keys.push(o.key);
    expect(keys).toEqual(['a/1']);
    faulty.expectAllFaultsExercised();
  });
});

describe('FaultyBackend', () => {
  it('reports faults that never fired', async () => {
    const f = new FaultyBackend(new MemoryBackend(), { put: { times: 2 }, get: { key: /^blobs\// } });
    await expect(f.put('x', body('1'))).rejects.toMatchObject({ code: 'ZB_STORAGE' });
    expect(() => f.expectAllFaultsExercised()).toThrow(/put \(1\/2 hits\), get/);
  });

  it('skips, matches keys, delays and corrupts', async () => {
    const inner = new MemoryBackend();
    const f = new FaultyBackend(inner, {
      put: [
        { key: 'c', corrupt: true },
        { skip: 1, key: /^s/ },
      ],
      get: { corrupt: true, delayMs: 5 },
    });
    await f.put('c', body('hello'));
    expect(await text(await inner.get('c'))).not.toBe('hello');
    await f.put('s1', body('ok'));
    await expect(f.put('s2', body('no'))).rejects.toMatchObject({ code: 'ZB_STORAGE' });
    await inner.put('g', body('abcdef'));
    const t0 = Date.now();
    expect(await text(await f.get('g'))).not.toBe('abcdef');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4);
    f.expectAllFaultsExercised();
  });

  it('a get cut after N bytes errors the stream', async () => {
    const inner = new MemoryBackend();
    await inner.put('g', body('abcdef'));
    const f = new FaultyBackend(inner, { get: { afterBytes: 2 } });
    await expect(text(await f.get('g'))).rejects.toMatchObject({ code: 'ZB_STORAGE' });
  });
});
