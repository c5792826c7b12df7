/**
 * `check --full` reads every pack into a buffer reused from pack to pack (pack-reader.ts,
 * PackReadBuffer; issue 12). The reuse must never let one pack's bytes stand in for another's:
 * packs of different sizes in any order read back exactly, and a damaged blob is found in
 * whichever pack it is, with one pack verified at a time or two.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkRepository } from '../../../src/maintenance/check.js';
import type { Repository } from '../../../src/repository/repository.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { PackReadBuffer, readWholePack } from '../../../src/store/pack/pack-reader.js';
import { A, commitAt, keys, msg, newRepo, readObject, reopen, rewrite } from './helpers.js';

/** Blobs of the given sizes put together, then flushed (packs of about 4 KiB: many packs). */
async function blobs(repo: Repository, sizes: number[]): Promise<Array<{ digest: string; size: number }>> {
  const out: Array<{ digest: string; size: number }> = [];
  for (const [i, n] of sizes.entries()) {
    const data = Buffer.concat([Buffer.from(`Subject: blob ${i}\r\n\r\n`), randomBytes(n)]);
    const r = await repo.blobs.put({ size: data.length, open: () => Readable.from([data]) });
    out.push({ digest: r.digest, size: r.size });
  }
  await repo.blobs.flush();
  return out;
}

async function fixture() {
  const backend = new MemoryBackend();
  const repo = await newRepo(backend, 'gzip', 2);
  // Large and small blobs mixed: packs of very different sizes, in no particular order.
  const sizes = Array.from({ length: 30 }, (_, i) => (i % 7 === 0 ? 3500 : 200 + ((i * 53) % 900)));
  const b = await blobs(repo, sizes);
  await commitAt(repo, A, [[1000, b.map((x, i) => msg(String(i + 1), i + 1, x))]]);
  return { backend, repo, b };
}

describe('check --full with reused pack buffers', () => {
  it('one buffer read through packs of different sizes returns each pack exactly', async () => {
    const { backend } = await fixture();
    const packKeys = await keys(backend, 'packs/');
    expect(packKeys.length).toBeGreaterThan(4);
    const into = new PackReadBuffer();
    // Largest first, then ever smaller, then the largest again: stale bytes past a short pack
    // must never be returned.
    const bySize = await Promise.all(packKeys.map(async (k) => ({ k, bytes: await readObject(backend, k) })));
    bySize.sort((x, y) => y.bytes.length - x.bytes.length);
    for (const { k, bytes } of [...bySize, bySize[0]!]) {
      const r = await readWholePack(backend, k, {}, undefined, into);
      expect(r.bytes.equals(bytes)).toBe(true);
    }
  });

  for (const concurrency of [1, 2]) {
    it(`damaged blobs in several packs are each named (${concurrency} pack(s) at a time)`, async () => {
      const { backend, repo, b } = await fixture();
      const packs = repo.blobs.packs!;
      const clean = await checkRepository({ repository: await reopen(backend), full: true, concurrency });
      expect(clean.ok).toBe(true);
      expect(clean.blobsChecked).toBe(b.length);
      // One blob damaged in every other pack (a flipped payload byte).
      const damaged = new Set<string>();
      const seen = new Set<string>();
      let flip = false;
      for (const x of b) {
        const loc = packs.locate(x.digest)!;
        if (seen.has(loc.pack)) continue;
        seen.add(loc.pack);
        flip = !flip;
        if (!flip) continue;
        await rewrite(backend, packs.packKey(loc.pack), (bytes) => {
          bytes[loc.offset + loc.length - 5]! ^= 0x55;
          return bytes;
        });
        damaged.add(x.digest);
      }
      expect(damaged.size).toBeGreaterThan(1);
      const r = await checkRepository({ repository: await reopen(backend), full: true, concurrency });
      const corrupt = r.problems.filter((p) => p.kind === 'corrupt-blob').map((p) => p.digest);
      expect(new Set(corrupt)).toEqual(damaged);
      expect(r.errors).toBe(damaged.size);
      expect(r.blobsChecked).toBe(b.length);
    });
  }
});
