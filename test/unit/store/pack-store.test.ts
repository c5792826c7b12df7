import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { initRepository, openRepository } from '../../../src/repository/index.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import type { StorageBackend } from '../../../src/store/backends/backend.js';
import { BlobStore } from '../../../src/store/blob-store.js';
import { IndexTable } from '../../../src/store/pack/index-table.js';
import { decodeIndexFile, encodeIndexFile } from '../../../src/store/pack/index-file.js';
import { PackStore } from '../../../src/store/pack/pack-store.js';
import { readPackEntries } from '../../../src/store/pack/pack-reader.js';
import { FaultyBackend } from '../../../src/testing/faulty-backend.js';

const body = (b: Buffer) => ({ size: b.length, open: () => Readable.from([b]) });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function keys(backend: StorageBackend, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const { key } of backend.list(prefix)) out.push(key);
  return out.sort();
}

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function store(
  backend: StorageBackend,
  target = 4096,
  extra: Partial<ConstructorParameters<typeof PackStore>[0]> = {},
) {
  const packs = new PackStore({ backend, targetPackBytes: target, ...extra });
  return new BlobStore({ backend, compression: 'gzip', packs });
}

describe('format v2: packs behind the BlobStore', () => {
  it('new repositories are version 2 and keep blobs in packs named in an index', async () => {
    const backend = new MemoryBackend();
    const repo = await initRepository({ backend, packSize: 4096 });
    expect(repo.config).toMatchObject({ version: 2, blobLayout: 'packs', packSize: 4096 });
    const blobs = Array.from({ length: 40 }, (_, i) =>
      Buffer.concat([Buffer.from(`message ${i} `), randomBytes(400 + i)]),
    );
    for (const b of blobs) expect((await repo.blobs.put(body(b))).digest).toBe(sha(b));
    // Before the flush nothing is indexed: a commit could not rely on these blobs yet.
    expect(await keys(backend, 'packindex/')).toEqual([]);
    await repo.blobs.flush();
    const packKeys = await keys(backend, 'packs/');
    expect(packKeys.length).toBeGreaterThan(1);
    expect(packKeys.length).toBeLessThan(blobs.length / 4);
    expect(await keys(backend, 'packindex/')).toHaveLength(1);
    expect(await keys(backend, 'blobs/')).toEqual([]);
    const again = await openRepository({ backend });
    for (const b of blobs) {
      expect(await again.blobs.has(sha(b) as never)).toBe(true);
      expect((await readAll(await again.blobs.get(sha(b) as never))).equals(b)).toBe(true);
      expect(await again.blobs.stat(sha(b) as never)).toMatchObject({ size: b.length, codec: 'gzip' });
    }
    // Duplicates are found in the in-memory index: no request, nothing written.
    const before = await keys(backend);
    expect((await again.blobs.put(body(blobs[3] as Buffer))).stored).toBe(false);
    await again.blobs.flush();
    expect(await keys(backend)).toEqual(before);
  });

  it('a single read reads one range of one pack', async () => {
    const inner = new MemoryBackend();
    const faulty = new FaultyBackend(inner);
    const blobs = store(faulty);
    const b = randomBytes(3000);
    await blobs.put(body(randomBytes(2000)));
    const { digest } = await blobs.put(body(b));
    await blobs.flush();
    const reader = store(faulty);
    await reader.has(digest); // loads the index
    const gets = faulty.calls.get;
    expect((await readAll(await reader.get(digest))).equals(b)).toBe(true);
    expect(faulty.calls.get - gets).toBe(1);
  });

  it('packs describe themselves: the trailer lists every blob without the index', async () => {
    const backend = new MemoryBackend();
    const blobs = store(backend, 1 << 20);
    const data = Array.from({ length: 10 }, () => randomBytes(500));
    for (const d of data) await blobs.put(body(d));
    await blobs.flush();
    const [pack] = await keys(backend, 'packs/');
    const entries = await readPackEntries(backend, pack as string);
    expect(entries.map((e) => e.digest).sort()).toEqual(data.map(sha).sort());
    expect(entries.every((e) => e.codec === 'gzip' && e.rawSize === 500)).toBe(true);
  });

  it('concurrent flushes share one pass (group commit)', async () => {
    const backend = new MemoryBackend();
    const blobs = store(backend, 1 << 20);
    for (let i = 0; i < 20; i++) await blobs.put(body(randomBytes(100)));
    await Promise.all(Array.from({ length: 8 }, () => blobs.flush()));
    expect(await keys(backend, 'packs/')).toHaveLength(1);
    expect((await keys(backend, 'packindex/')).length).toBeLessThanOrEqual(2);
  });

  it('a very large blob gets a pack of its own, streamed', async () => {
    const backend = new MemoryBackend();
    const packs = new PackStore({ backend, targetPackBytes: 64 * 1024 });
    const blobs = new BlobStore({ backend, compression: 'none', packs, spoolMemoryBytes: 1024 });
    const big = randomBytes(200 * 1024);
    await blobs.put(body(randomBytes(100)));
    const { digest } = await blobs.put(body(big));
    await blobs.flush();
    expect(await keys(backend, 'packs/')).toHaveLength(2);
    expect((await readAll(await blobs.get(digest))).equals(big)).toBe(true);
  });

  it('a failed pack write fails the flush, keeps the blobs, and the next flush writes them', async () => {
    const faulty = new FaultyBackend(new MemoryBackend(), { put: { key: /^packs\//, error: true } });
    const blobs = store(faulty, 1 << 20);
    const b = randomBytes(700);
    const { digest } = await blobs.put(body(b));
    await expect(blobs.flush()).rejects.toMatchObject({ code: 'ZB_STORAGE' });
    expect(await keys(faulty.inner, 'packindex/')).toEqual([]);
    // Still readable from memory, and not written twice by a retried put.
    expect((await readAll(await blobs.get(digest))).equals(b)).toBe(true);
    await blobs.flush();
    expect(await keys(faulty.inner, 'packs/')).toHaveLength(1);
    const reader = store(faulty.inner);
    expect((await readAll(await reader.get(digest))).equals(b)).toBe(true);
  });

  it('index files are merged once there are many; nothing is lost', async () => {
    const backend = new MemoryBackend();
    const packs = new PackStore({ backend, targetPackBytes: 1 << 20, compactIndexAfter: 4 });
    const blobs = new BlobStore({ backend, compression: 'none', packs });
    const all: string[] = [];
    for (let i = 0; i < 12; i++) {
      all.push((await blobs.put(body(randomBytes(64)))).digest);
      await blobs.flush();
    }
    expect((await keys(backend, 'packindex/')).length).toBeLessThanOrEqual(5);
    const reader = store(backend);
    for (const d of all) expect(await reader.has(d as never)).toBe(true);
  });

  it('the size-tiered merge of a run rewrites only the small index files (issue 12: not the whole index)', async () => {
    const backend = new MemoryBackend();
    const blobs = store(backend, 1 << 20);
    const all: string[] = [];
    // One big index file (an initial backup), then three small ones (incremental runs).
    for (let i = 0; i < 200; i++) all.push((await blobs.put(body(randomBytes(64)))).digest);
    await blobs.flush();
    const [big] = await keys(backend, 'packindex/');
    for (let r = 0; r < 3; r++) {
      all.push((await blobs.put(body(randomBytes(64)))).digest);
      await blobs.flush();
    }
    expect(await keys(backend, 'packindex/')).toHaveLength(4);
    const writes: string[] = [];
    const put = backend.put.bind(backend);
    backend.put = (key, b, o) => {
      writes.push(key);
      return put(key, b, o);
    };
    await blobs.packs!.compactIndexTiered();
    const after = await keys(backend, 'packindex/');
    // The big file stays as it was; the three small ones became one file of three entries.
    expect(after).toHaveLength(2);
    expect(after).toContain(big);
    expect(writes).toHaveLength(1);
    const table = new IndexTable();
    expect(decodeIndexFile(await readAll(await backend.get(writes[0]!)), writes[0]!, table)).toBe(3);
    const reader = store(backend);
    for (const d of all) expect(await reader.has(d as never)).toBe(true);
    // Nothing left to merge: a second call writes nothing.
    await blobs.packs!.compactIndexTiered();
    expect(writes).toHaveLength(1);
  });

  it('a flipped byte in a pack fails the read of that blob', async () => {
    const inner = new MemoryBackend();
    const blobs = store(inner);
    const { digest } = await blobs.put(body(Buffer.from('x'.repeat(2000))));
    await blobs.flush();
    const [pack] = await keys(inner, 'packs/');
    const bytes = await readAll(await inner.get(pack as string));
    const loc = blobs.packs?.locate(digest);
    bytes[(loc?.offset ?? 0) + (loc?.length ?? 0) - 6]! ^= 0xff;
    await inner.delete(pack as string);
    await inner.put(pack as string, body(bytes));
    const reader = store(inner);
    await expect(readAll(await reader.get(digest))).rejects.toMatchObject({ code: 'ZB_DIGEST_MISMATCH' });
  });

  it('a writer sees blobs another writer indexed after it loaded', async () => {
    const backend = new MemoryBackend();
    const a = store(backend);
    const b = store(backend);
    await b.has(sha(Buffer.from('nothing')) as never);
    const { digest } = await a.put(body(Buffer.from('later')));
    await a.flush();
    expect((await readAll(await b.get(digest))).toString()).toBe('later');
    await expect(b.get(sha(Buffer.from('never')) as never)).rejects.toMatchObject({ code: 'ZB_BLOB_NOT_FOUND' });
  });
});

describe('IndexTable and index files', () => {
  it('holds many entries compactly and round-trips through an index file', () => {
    const t = new IndexTable();
    const n = 50_000;
    const ds: string[] = [];
    for (let i = 0; i < n; i++) {
      const d = randomBytes(32).toString('hex');
      ds.push(d);
      t.add(d, { pack: 'ab'.repeat(16), offset: i * 10, length: 10, rawSize: i, codec: 'gzip' });
    }
    expect(t.size).toBe(n);
    expect(t.bytes / n).toBeLessThan(100);
    expect(t.get(ds[123] as string)).toMatchObject({ offset: 1230, rawSize: 123 });
    t.remove(ds[5] as string);
    expect(t.has(ds[5] as string)).toBe(false);
    expect(t.has(ds[6] as string)).toBe(true);
    const file = encodeIndexFile(t.entries());
    const u = new IndexTable();
    expect(decodeIndexFile(file, 'k', u)).toBe(n - 1);
    expect(u.get(ds[999] as string)).toEqual(t.get(ds[999] as string));
    file[100]! ^= 1;
    expect(() => decodeIndexFile(file, 'k', new IndexTable())).toThrow(/checksum/);
  });
});
