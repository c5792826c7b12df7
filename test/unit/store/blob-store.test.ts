import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BlobStore, type BlobSource } from '../../../src/store/blob-store.js';
import { parseDigest, type Digest } from '../../../src/store/digest.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { RetryBackend } from '../../../src/store/backends/retry.js';
import { LocalBackend } from '../../../src/store/backends/local.js';
import { FaultyBackend } from '../../../src/testing/faulty-backend.js';
import { BLOB_HEADER_SIZE } from '../../../src/store/blob-codec.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const src = (b: Buffer, withSize = true): BlobSource & { opens: number } => {
  const s = { opens: 0, open: () => (s.opens++, Readable.from(chunks(b))), ...(withSize ? { size: b.length } : {}) };
  return s;
};
function* chunks(b: Buffer): Generator<Buffer> {
  for (let i = 0; i < b.length; i += 10_000) yield b.subarray(i, i + 10_000);
}
const text = (n: number, seed = 'x'): Buffer =>
  Buffer.from(
    Array.from({ length: n }, (_, i) => `${seed}${i % 97} `)
      .join('')
      .slice(0, n),
  );
async function readAll(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe.each(['none', 'gzip'] as const)('BlobStore (%s)', (compression) => {
  describe.each(['spool', 'rehash'] as const)('strategy %s', (strategy) => {
    it('round-trips, hashes the uncompressed bytes and deduplicates', async () => {
      const backend = new MemoryBackend();
      const store = new BlobStore({ backend, compression });
      const data = text(120_000);
      const r1 = await store.put(src(data), { strategy });
      expect(r1).toMatchObject({ digest: sha(data), size: data.length, stored: true });
      expect((await readAll(await store.get(r1.digest))).equals(data)).toBe(true);
      const r2 = await store.put(src(data, false), { strategy });
      expect(r2).toMatchObject({ digest: r1.digest, size: data.length, stored: false, storedSize: r1.storedSize });
      expect(backend.size).toBe(1);
      expect(store.stats).toEqual({ puts: 2, dedupHits: 1, bytesIn: 2 * data.length, bytesStored: r1.storedSize });
      if (compression === 'gzip') expect(r1.storedSize).toBeLessThan(data.length / 2);
      else expect(r1.storedSize).toBe(data.length + BLOB_HEADER_SIZE);
      expect(await store.stat(r1.digest)).toEqual({
        digest: r1.digest,
        size: data.length,
        storedSize: r1.storedSize,
        codec: compression,
      });
    });

    it('stores the empty blob', async () => {
      const store = new BlobStore({ backend: new MemoryBackend(), compression });
      const r = await store.put(src(Buffer.alloc(0)), { strategy });
      expect(r.digest).toBe(sha(Buffer.alloc(0)));
      expect((await readAll(await store.get(r.digest))).length).toBe(0);
    });

    it('rejects a source shorter than its declared size and stores nothing', async () => {
      const backend = new MemoryBackend();
      const store = new BlobStore({ backend, compression });
      const data = text(5000);
      await expect(store.put({ size: 6000, open: () => Readable.from([data]) }, { strategy })).rejects.toMatchObject({
        code: 'ZB_SIZE_MISMATCH',
      });
      expect(backend.size).toBe(0);
    });
  });

  it('concurrent puts of the same content write once', async () => {
    const faulty = new FaultyBackend(new MemoryBackend());
    const store = new BlobStore({ backend: faulty, compression });
    const data = text(50_000, 'c');
    const results = await Promise.all(Array.from({ length: 6 }, () => store.put(src(data))));
    expect(results.filter((r) => r.stored)).toHaveLength(1);
    expect(faulty.calls.put).toBe(1);
    expect(store.stats.dedupHits).toBe(5);
  });

  it('detects a corrupted stored blob on get', async () => {
    const backend = new MemoryBackend();
    const store = new BlobStore({ backend, compression });
    const data = text(80_000, 'k');
    const { digest } = await store.put(src(data));
    backend.corrupt(store.layout.key(digest), BLOB_HEADER_SIZE + 1000);
    await expect(readAll(await store.get(digest))).rejects.toMatchObject({ code: 'ZB_DIGEST_MISMATCH' });
  });
});

describe('BlobStore', () => {
  it('reads blobs of every codec from one repository', async () => {
    const backend = new MemoryBackend();
    const plain = new BlobStore({ backend, compression: 'none' });
    const gz = new BlobStore({ backend, compression: 'gzip', gzipLevel: 1 });
    const a = await plain.put(src(text(3000, 'a')));
    const b = await gz.put(src(text(3000, 'b')));
    expect((await readAll(await gz.get(a.digest))).toString()).toBe(text(3000, 'a').toString());
    expect((await readAll(await plain.get(b.digest))).toString()).toBe(text(3000, 'b').toString());
    expect((await plain.stat(b.digest))?.codec).toBe('gzip');
    expect(new Set([...(await collect(plain.list()))])).toEqual(new Set([a.digest, b.digest]));
  });

  it('detects a truncated blob and a damaged header', async () => {
    const backend = new MemoryBackend();
    const store = new BlobStore({ backend });
    const data = text(40_000);
    const { digest } = await store.put(src(data));
    const key = store.layout.key(digest);
    await backend.put(key, { open: () => Readable.from([Buffer.from('ZBLB')]) });
    await expect(store.get(digest)).rejects.toMatchObject({ code: 'ZB_REPOSITORY_CORRUPT' });
    const full = await readAll(
      await new BlobStore({ backend: new MemoryBackend() }).backend.get(key).catch(() => Readable.from([])),
    );
    expect(full.length).toBe(0);
    // Header says 40000 bytes, payload is cut short.
    const other = new MemoryBackend();
    const s2 = new BlobStore({ backend: other });
    await s2.put(src(data));
    const stored = await readAll(await other.get(key));
    await other.put(key, { open: () => Readable.from([stored.subarray(0, stored.length - 10)]) });
    await expect(readAll(await s2.get(digest))).rejects.toMatchObject({ code: 'ZB_SIZE_MISMATCH' });
    await other.put(key, {
      open: () => Readable.from([Buffer.concat([Buffer.from('ZBLB\x01\x09\0\0'), stored.subarray(8)])]),
    });
    await expect(s2.get(digest)).rejects.toMatchObject({ code: 'ZB_REPOSITORY_CORRUPT' });
  });

  it('get of a missing blob rejects ZB_BLOB_NOT_FOUND; has/stat say absent', async () => {
    const store = new BlobStore({ backend: new MemoryBackend() });
    const d = parseDigest('a'.repeat(64));
    await expect(store.get(d)).rejects.toMatchObject({ code: 'ZB_BLOB_NOT_FOUND' });
    expect(await store.has(d)).toBe(false);
    expect(await store.stat(d)).toBeUndefined();
    await expect(store.delete(d)).rejects.toMatchObject({ code: 'ZB_BLOB_NOT_FOUND' });
  });

  it('delete removes a blob', async () => {
    const store = new BlobStore({ backend: new MemoryBackend() });
    const { digest } = await store.put(src(text(100)));
    expect(await store.has(digest)).toBe(true);
    await store.delete(digest);
    expect(await store.has(digest)).toBe(false);
  });

  it('putKnownDigest skips the download when present and verifies when not', async () => {
    const backend = new MemoryBackend();
    const store = new BlobStore({ backend, compression: 'gzip' });
    const data = text(30_000, 'q');
    const digest = sha(data) as Digest;
    const first = src(data);
    expect(await store.putKnownDigest(digest, first)).toMatchObject({ digest, size: data.length, stored: true });
    const again = src(data);
    expect(await store.putKnownDigest(digest, again)).toMatchObject({ stored: false, size: data.length });
    expect(again.opens).toBe(0);
    const wrong = parseDigest('b'.repeat(64));
    await expect(store.putKnownDigest(wrong, src(data))).rejects.toMatchObject({ code: 'ZB_DIGEST_MISMATCH' });
    expect(await store.has(wrong)).toBe(false);
    expect(backend.size).toBe(1);
    // Unknown size: recorded as unknown in the header, still verified by digest on get.
    const other = text(999, 'u');
    const r = await store.putKnownDigest(sha(other) as Digest, src(other, false));
    expect(r.size).toBe(999);
    expect((await store.stat(r.digest))?.size).toBeUndefined();
    expect((await readAll(await store.get(r.digest))).equals(other)).toBe(true);
  });

  it('a put failing midway leaves nothing visible; through RetryBackend it succeeds', async () => {
    const inner = new MemoryBackend();
    const faulty = new FaultyBackend(inner, { put: { afterBytes: 20_000 } });
    const data = text(100_000, 'f');
    await expect(new BlobStore({ backend: faulty }).put(src(data))).rejects.toMatchObject({ code: 'ZB_STORAGE' });
    expect(inner.size).toBe(0);
    faulty.expectAllFaultsExercised();

    faulty.add({ put: { afterBytes: 20_000, times: 2 } });
    const store = new BlobStore({ backend: new RetryBackend(faulty, { minDelayMs: 1, maxDelayMs: 2 }) });
    for (const strategy of ['spool', 'rehash'] as const) {
      faulty.add({ put: { afterBytes: 1000 } });
      await store.delete((await store.put(src(data), { strategy })).digest).catch(() => {});
    }
    const r = await store.put(src(data), { strategy: 'rehash' });
    expect(r.stored).toBe(true);
    faulty.expectAllFaultsExercised();
    expect((await readAll(await store.get(r.digest))).equals(data)).toBe(true);
  });

  it('an aborted put stores nothing and rejects ZB_ABORTED', async () => {
    const backend = new MemoryBackend();
    const store = new BlobStore({ backend });
    const ac = new AbortController();
    async function* slow(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(1000, 1);
      ac.abort();
      await new Promise((r) => setTimeout(r, 20));
      yield Buffer.alloc(1000, 2);
    }
    await expect(store.put({ open: () => Readable.from(slow()) }, { signal: ac.signal })).rejects.toMatchObject({
      code: 'ZB_ABORTED',
    });
    expect(backend.size).toBe(0);
  });

  it('an aborted get ends the stream with ZB_ABORTED', async () => {
    const store = new BlobStore({ backend: new MemoryBackend({ chunkSize: 1024 }) });
    const { digest } = await store.put(src(text(200_000)));
    const ac = new AbortController();
    const stream = await store.get(digest, { signal: ac.signal });
    let n = 0;
    await expect(
      (async () => {
        for await (const _ of stream) if (++n === 3) ac.abort();
      })(),
    ).rejects.toMatchObject({ code: 'ZB_ABORTED' });
  });

  it('bad options are ZB_INVALID_ARGUMENT (zstd availability: blob-store-zstd.test.ts)', async () => {
    expect(() => new BlobStore({ backend: new MemoryBackend(), gzipLevel: 12 })).toThrow(
      expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }),
    );
    expect(() => new BlobStore({ backend: new MemoryBackend(), compression: 'lz4' as never })).toThrow(/compression/);
  });

  it.each([0, 1000, 1 << 20])(
    'spools through memory and/or a file (threshold %i) and leaves no spool file',
    async (threshold) => {
      const spoolDir = await mkdtemp(join(tmpdir(), 'zb-spool-'));
      try {
        const store = new BlobStore({
          backend: new MemoryBackend(),
          compression: 'gzip',
          spoolDir,
          spoolMemoryBytes: threshold,
        });
        const data = text(120_000, 's');
        const r = await store.put(src(data, false));
        expect(r).toMatchObject({ digest: sha(data), size: data.length, stored: true });
        expect((await store.stat(r.digest))?.size).toBe(data.length); // header size patched after the fact
        expect((await readAll(await store.get(r.digest))).equals(data)).toBe(true);
        await expect(store.put({ size: 1, open: () => Readable.from([data]) })).rejects.toMatchObject({
          code: 'ZB_SIZE_MISMATCH',
        });
        expect(await readdir(spoolDir)).toEqual([]);
      } finally {
        await rm(spoolDir, { recursive: true, force: true });
      }
    },
  );

  it('works on the local backend: streamed round trip of a multi-megabyte blob, both codecs', async () => {
    const root = await mkdtemp(join(tmpdir(), 'zb-bs-local-'));
    try {
      const backend = new LocalBackend({ root });
      const data = Buffer.concat(Array.from({ length: 40 }, (_, i) => text(75_000, `L${i}`)));
      for (const compression of ['none', 'gzip'] as const) {
        const store = new BlobStore({ backend, compression });
        const r = await store.put(src(data));
        const got = await readAll(await store.get(r.digest));
        expect(got.equals(data)).toBe(true);
        await store.delete(r.digest);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('list skips objects that are not well-placed blob keys', async () => {
    const backend = new MemoryBackend();
    const store = new BlobStore({ backend });
    const { digest } = await store.put(src(text(10)));
    await backend.put(`blobs/zz/zz/${digest}`, { open: () => Readable.from([Buffer.from('x')]) });
    await backend.put('blobs/README', { open: () => Readable.from([Buffer.from('x')]) });
    expect(await collect(store.list())).toEqual([digest]);
  });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
