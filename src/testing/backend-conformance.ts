/**
 * The {@link StorageBackend} conformance suite (restic `backend/test`): one set of tests every
 * backend must pass. It takes the test runner's `describe`/`it` as parameters and asserts with
 * `node:assert`, so third-party backends can run it under vitest, node:test, mocha or jest.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { defineBackendConformance } from 'zimbra-backup/testing';
 * defineBackendConformance({ describe, it }, 'my backend', { create: async () => new MyBackend() });
 * ```
 * @module
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReplayableBody, StorageBackend } from '../store/backends/backend.js';

/** The two test-runner functions the suite needs (vitest, node:test, mocha and jest all fit). */
export interface ConformanceRunner {
  /** Groups tests. */
  describe(name: string, fn: () => void): unknown;
  /** Declares one async test. */
  it(name: string, fn: () => Promise<void>): unknown;
}

/** Creates a fresh, empty backend for every test and disposes of it afterwards. */
export interface BackendFactory {
  /** Returns a new backend with no objects (e.g. a fresh temp dir, a unique S3 prefix). */
  create(): Promise<StorageBackend>;
  /** Releases what `create` made (close, remove the temp dir). Optional. */
  cleanup?(backend: StorageBackend): Promise<void>;
}

/** Tuning of {@link defineBackendConformance}. */
export interface ConformanceOptions {
  /** Size of the large streamed object, in bytes. Default: 20 MiB. */
  largeObjectBytes?: number;
  /** Names of tests to leave out (document why in the caller). */
  skip?: readonly string[];
}

/**
 * Declares the conformance tests for one backend under `describe(name)`.
 * @param runner - The test runner's `describe` and `it`.
 * @param name - Backend name shown in the test report.
 * @param factory - Makes a fresh backend per test.
 */
export function defineBackendConformance(
  runner: ConformanceRunner,
  name: string,
  factory: BackendFactory,
  options: ConformanceOptions = {},
): void {
  const large = options.largeObjectBytes ?? 20 * 1024 * 1024;
  const skip = new Set(options.skip ?? []);
  runner.describe(`StorageBackend conformance: ${name}`, () => {
    for (const [title, fn] of Object.entries(cases(large))) {
      if (skip.has(title)) continue;
      runner.it(title, async () => {
        const backend = await factory.create();
        try {
          await fn(backend);
        } finally {
          await factory.cleanup?.(backend);
        }
      });
    }
  });
}

type Case = (b: StorageBackend) => Promise<void>;

function cases(large: number): Record<string, Case> {
  return {
    'read-after-write: get, stat and list see the whole object': async (b) => {
      const data = pattern(100_003, 1);
      await b.put('obj/one', bytes(data));
      assert.deepEqual(await readAll(await b.get('obj/one')), data);
      assert.deepEqual(await b.stat('obj/one'), { size: data.length });
      assert.deepEqual(await collect(b, 'obj/'), [{ key: 'obj/one', size: data.length }]);
    },
    'empty object round-trips': async (b) => {
      await b.put('empty', bytes(Buffer.alloc(0)));
      assert.equal((await readAll(await b.get('empty'))).length, 0);
      assert.deepEqual(await b.stat('empty'), { size: 0 });
    },
    'missing key: get and delete reject ZB_BLOB_NOT_FOUND, stat is undefined': async (b) => {
      await assertCode(b.get('no/such/key'), 'ZB_BLOB_NOT_FOUND');
      await assertCode(b.delete('no/such/key'), 'ZB_BLOB_NOT_FOUND');
      assert.equal(await b.stat('no/such/key'), undefined);
      assert.deepEqual(await collect(b, 'no/'), []);
    },
    'put over an existing key replaces it whole': async (b) => {
      await b.put('state', bytes(Buffer.from('first version, longer')));
      await b.put('state', bytes(Buffer.from('second')));
      assert.equal((await readAll(await b.get('state'))).toString(), 'second');
      assert.deepEqual(await b.stat('state'), { size: 6 });
    },
    'a put whose source fails midway is never visible': async (b) => {
      const body: ReplayableBody = { open: () => Readable.from(failingAfter(pattern(300_000, 2), 100_000)) };
      await assert.rejects(b.put('half/written', body));
      assert.equal(await b.stat('half/written'), undefined);
      await assertCode(b.get('half/written'), 'ZB_BLOB_NOT_FOUND');
      assert.deepEqual(await collect(b, ''), []);
    },
    'a failed put over an existing key keeps the old object': async (b) => {
      await b.put('keep', bytes(Buffer.from('old content')));
      await assert.rejects(b.put('keep', { open: () => Readable.from(failingAfter(pattern(200_000, 3), 50_000)) }));
      assert.equal((await readAll(await b.get('keep'))).toString(), 'old content');
      assert.deepEqual(await collect(b, ''), [{ key: 'keep', size: 11 }]);
    },
    'a put shorter or longer than its declared size is never visible': async (b) => {
      const data = pattern(10_000, 4);
      await assertCode(
        b.put('short', { size: data.length + 1, open: () => Readable.from([data]) }),
        'ZB_SIZE_MISMATCH',
      );
      await assertCode(b.put('long', { size: data.length - 1, open: () => Readable.from([data]) }), 'ZB_SIZE_MISMATCH');
      assert.deepEqual(await collect(b, ''), []);
    },
    'an aborted put rejects ZB_ABORTED and is never visible': async (b) => {
      const ac = new AbortController();
      async function* slow(): AsyncGenerator<Buffer> {
        yield pattern(64 * 1024, 5);
        ac.abort(new Error('test abort'));
        await new Promise((r) => setTimeout(r, 100));
        yield pattern(64 * 1024, 6);
      }
      await assertCode(b.put('aborted', { open: () => Readable.from(slow()) }, { signal: ac.signal }), 'ZB_ABORTED');
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(await b.stat('aborted'), undefined);
      assert.deepEqual(await collect(b, ''), []);
    },
    'an already aborted signal rejects ZB_ABORTED before writing': async (b) => {
      const ac = new AbortController();
      ac.abort();
      await assertCode(b.put('never', bytes(Buffer.from('x')), { signal: ac.signal }), 'ZB_ABORTED');
      assert.equal(await b.stat('never'), undefined);
    },
    'list by prefix: nested keys, partial segments, empty prefix': async (b) => {
      const keys = ['a/b/c1', 'a/b/c2', 'a/d/e', 'ab/x', 'b'];
      for (const [i, k] of keys.entries()) await b.put(k, bytes(Buffer.alloc(i + 1, 7)));
      const names = async (p: string): Promise<string[]> => (await collect(b, p)).map((o) => o.key);
      assert.deepEqual(await names('a/'), ['a/b/c1', 'a/b/c2', 'a/d/e']);
      assert.deepEqual(await names('a/b/'), ['a/b/c1', 'a/b/c2']);
      assert.deepEqual(await names('a/b/c'), ['a/b/c1', 'a/b/c2']);
      assert.deepEqual(await names('a'), ['a/b/c1', 'a/b/c2', 'a/d/e', 'ab/x']);
      assert.deepEqual(await names(''), keys);
      assert.deepEqual(await names('zzz/'), []);
      assert.deepEqual(await collect(b, 'a/d/'), [{ key: 'a/d/e', size: 3 }]);
    },
    'ranged get: offset, length, both, clamped at the end, empty': async (b) => {
      const data = pattern(50_000, 8);
      await b.put('r', bytes(data));
      const range = async (offset?: number, length?: number): Promise<Buffer> =>
        readAll(
          await b.get('r', {
            ...(offset === undefined ? {} : { offset }),
            ...(length === undefined ? {} : { length }),
          }),
        );
      assert.deepEqual(await range(1000, 500), data.subarray(1000, 1500));
      assert.deepEqual(await range(49_000), data.subarray(49_000));
      assert.deepEqual(await range(undefined, 10), data.subarray(0, 10));
      assert.deepEqual(await range(49_990, 100), data.subarray(49_990));
      assert.equal((await range(10, 0)).length, 0);
    },
    'concurrent puts of the same key: all resolve, one whole version wins': async (b) => {
      const versions = Array.from({ length: 6 }, (_, i) => pattern(40_000 + i * 1000, 20 + i));
      await Promise.all(versions.map((v) => b.put('contended', bytes(v))));
      const got = await readAll(await b.get('contended'));
      assert.ok(
        versions.some((v) => v.equals(got)),
        'stored object must equal one of the versions exactly',
      );
      assert.deepEqual(await collect(b, ''), [{ key: 'contended', size: got.length }]);
    },
    'delete removes the object from get, stat and list': async (b) => {
      await b.put('d/1', bytes(Buffer.from('one')));
      await b.put('d/2', bytes(Buffer.from('two')));
      await b.delete('d/1');
      assert.equal(await b.stat('d/1'), undefined);
      await assertCode(b.get('d/1'), 'ZB_BLOB_NOT_FOUND');
      assert.deepEqual(await collect(b, 'd/'), [{ key: 'd/2', size: 3 }]);
    },
    'a large object is streamed in and out': async (b) => {
      const expected = createHash('sha256');
      const source = (): Readable => Readable.from(generate(large, expected));
      await b.put('large/object', { size: large, open: source });
      const digest = expected.digest('hex');
      assert.deepEqual(await b.stat('large/object'), { size: large });
      const hash = createHash('sha256');
      let chunks = 0;
      let total = 0;
      for await (const chunk of await b.get('large/object')) {
        hash.update(chunk as Buffer);
        total += (chunk as Buffer).length;
        chunks++;
      }
      assert.equal(total, large);
      assert.equal(hash.digest('hex'), digest);
      assert.ok(chunks > 1, 'get must stream in chunks, not one buffer');
    },
    'the body is opened afresh by each put (replayable)': async (b) => {
      let opens = 0;
      const body: ReplayableBody = { size: 3, open: () => (opens++, Readable.from([Buffer.from('abc')])) };
      await b.put('replay/1', body);
      await b.put('replay/2', body);
      assert.equal((await readAll(await b.get('replay/2'))).toString(), 'abc');
      assert.ok(opens >= 2);
    },
  };
}

/** Deterministic, position-dependent bytes (so a shifted or reordered range is detected). */
function pattern(length: number, seed: number): Buffer {
  const buf = Buffer.alloc(length);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    buf[i] = x >>> 24;
  }
  return buf;
}

function bytes(data: Buffer): ReplayableBody {
  return { size: data.length, open: () => Readable.from([data]) };
}

async function* failingAfter(data: Buffer, failAt: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < failAt; i += 16 * 1024) yield data.subarray(i, Math.min(i + 16 * 1024, failAt));
  await new Promise((r) => setTimeout(r, 5));
  throw new Error('source failed midway (test)');
}

/** Yields `total` bytes in 64 KiB chunks without ever holding more than one chunk. */
function* generate(total: number, hash: ReturnType<typeof createHash>): Generator<Buffer> {
  const block = pattern(64 * 1024, 99);
  for (let off = 0, n = 0; off < total; off += block.length, n++) {
    const chunk = Buffer.from(block.subarray(0, Math.min(block.length, total - off)));
    chunk.writeUInt32BE(n, 0); // every chunk differs, so a duplicated/dropped chunk changes the hash
    hash.update(chunk);
    yield chunk;
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

async function collect(b: StorageBackend, prefix: string): Promise<Array<{ key: string; size: number }>> {
  const out: Array<{ key: string; size: number }> = [];
  for await (const o of b.list(prefix)) out.push({ key: o.key, size: o.size });
  return out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

async function assertCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.equal(
      (err as { code?: unknown }).code,
      code,
      `expected ${code}, got ${String((err as Error)?.message ?? err)}`,
    );
    return true;
  });
}
