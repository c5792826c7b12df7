/**
 * The pack engine's bounded memory (issue 12, "peak RSS flat"): one pack is filled while at most
 * one is written, and the buffer of a written pack takes the next one. These tests check what that
 * must not break: every blob reads back intact across many reused buffers, a pending blob read
 * before its pack was written keeps its bytes, and producers wait instead of piling up packs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { IoOptions, ReplayableBody, StorageBackend } from '../../../src/store/backends/backend.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { BlobStore } from '../../../src/store/blob-store.js';
import { encodeBlobHeader } from '../../../src/store/blob-codec.js';
import { readPackEntries } from '../../../src/store/pack/pack-reader.js';
import { MAX_PACKS_WRITING, PackStore } from '../../../src/store/pack/pack-store.js';

const body = (b: Buffer) => ({ size: b.length, open: () => Readable.from([b]) });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const object = (b: Buffer) => Buffer.concat([encodeBlobHeader('none', b.length), b]);

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A backend whose pack puts wait for `open()`; counts the pack puts in progress. */
class GatedBackend implements StorageBackend {
  readonly inner = new MemoryBackend();
  readonly properties = this.inner.properties;
  started = 0;
  inProgress = 0;
  maxInProgress = 0;
  #release: Array<() => void> = [];
  #closed = true;

  open(): void {
    this.#closed = false;
    for (const r of this.#release.splice(0)) r();
  }

  async put(key: string, b: ReplayableBody, opts?: IoOptions): Promise<void> {
    if (!key.startsWith('packs/')) return this.inner.put(key, b, opts);
    this.started++;
    this.inProgress++;
    this.maxInProgress = Math.max(this.maxInProgress, this.inProgress);
    try {
      if (this.#closed) await new Promise<void>((r) => this.#release.push(r));
      await this.inner.put(key, b, opts);
    } finally {
      this.inProgress--;
    }
  }
  get(key: string, opts?: IoOptions & { offset?: number; length?: number }): Promise<Readable> {
    return this.inner.get(key, opts);
  }
  stat(key: string, opts?: IoOptions): Promise<{ size: number } | undefined> {
    return this.inner.stat(key, opts);
  }
  list(prefix: string, opts?: IoOptions) {
    return this.inner.list(prefix, opts);
  }
  delete(key: string, opts?: IoOptions): Promise<void> {
    return this.inner.delete(key, opts);
  }
}

describe('pack buffers', () => {
  it('blobs written through many packs (buffers reused) read back intact, from the index and from the trailers', async () => {
    const backend = new MemoryBackend();
    const packs = new PackStore({ backend, targetPackBytes: 4096 });
    const blobs = new BlobStore({ backend, compression: 'gzip', packs });
    const contents = Array.from({ length: 120 }, (_, i) =>
      Buffer.concat([Buffer.from(`blob ${i} `), randomBytes(300 + ((i * 37) % 900))]),
    );
    for (const c of contents) await blobs.put(body(c));
    await blobs.flush();
    expect(packs.counters.packsWritten).toBeGreaterThan(10);
    const reader = new BlobStore({ backend, packs: new PackStore({ backend, targetPackBytes: 4096 }) });
    for (const c of contents) expect((await readAll(await reader.get(sha(c) as never))).equals(c)).toBe(true);
    // Every pack's trailer lists only blobs whose objects decode to their digests.
    let listed = 0;
    for await (const { key } of backend.list('packs/')) listed += (await readPackEntries(backend, key)).length;
    expect(listed).toBe(contents.length);
  });

  it('a pending blob read before its pack is written keeps its bytes after the buffer takes the next pack', async () => {
    const backend = new MemoryBackend();
    const packs = new PackStore({ backend, targetPackBytes: 2048 });
    const first = randomBytes(700);
    await packs.add(sha(first), first.length, 'none', object(first));
    const pending = packs.pendingBytes(sha(first)) as Buffer;
    expect(pending.equals(object(first))).toBe(true);
    // Several packs go through the pool buffers; the first one's buffer is overwritten.
    for (let i = 0; i < 20; i++) {
      const b = randomBytes(900);
      await packs.add(sha(b), b.length, 'none', object(b));
    }
    await packs.flush();
    expect(packs.counters.packsWritten).toBeGreaterThan(3);
    expect(pending.equals(object(first))).toBe(true);
    expect(packs.pendingBytes(sha(first))).toBeUndefined();
    expect(packs.locate(sha(first))).toBeDefined();
  });

  it('a blob that does not fit the room left seals the pack first; one larger than a pool buffer gets a pack of its own', async () => {
    const backend = new MemoryBackend();
    const packs = new PackStore({ backend, targetPackBytes: 2048 });
    const small = randomBytes(1800);
    const big = randomBytes(2900); // more than 1.5 x the target: no pool buffer holds it
    const middle = randomBytes(1200);
    for (const b of [small, big, middle]) await packs.add(sha(b), b.length, 'none', object(b));
    await packs.flush();
    const where = [small, big, middle].map((b) => packs.locate(sha(b))!.pack);
    expect(new Set(where).size).toBe(3);
    const reader = new BlobStore({ backend, packs: new PackStore({ backend, targetPackBytes: 2048 }) });
    for (const b of [small, big, middle])
      expect((await readAll(await reader.get(sha(b) as never))).equals(b)).toBe(true);
  });

  it('producers wait while a pack is written and the next one is full: never more than two packs in flight', async () => {
    const backend = new GatedBackend();
    const packs = new PackStore({ backend, targetPackBytes: 1024 });
    const contents = Array.from({ length: 24 }, () => randomBytes(700)); // about one pack per blob
    let done = 0;
    const adds = contents.map((b) =>
      packs.add(sha(b), b.length, 'none', object(b)).then(() => {
        done++;
      }),
    );
    // Let every producer run as far as it can while the writes are held.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(backend.started).toBe(MAX_PACKS_WRITING + 1);
    expect(done).toBeLessThan(contents.length);
    backend.open();
    await Promise.all(adds);
    await packs.flush();
    expect(backend.maxInProgress).toBeLessThanOrEqual(MAX_PACKS_WRITING + 1);
    for (const b of contents) expect(packs.locate(sha(b))).toBeDefined();
  });
});
