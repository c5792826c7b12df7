import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkRepository } from '../../../src/maintenance/check.js';
import { purgeRepository } from '../../../src/maintenance/purge.js';
import type { Repository } from '../../../src/repository/repository.js';
import { initRepository } from '../../../src/repository/repository.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { A, commitAt, keys, msg, newRepo, readObject, reopen } from './helpers.js';

const NOW = 100_000;

/** Blobs put together (so they share packs), then flushed once. */
async function blobs(repo: Repository, n: number, tag: string): Promise<Array<{ digest: string; size: number }>> {
  const out: Array<{ digest: string; size: number }> = [];
  for (let i = 0; i < n; i++) {
    const data = Buffer.concat([Buffer.from(`Subject: ${tag} ${i}\r\n\r\n`), randomBytes(600)]);
    const r = await repo.blobs.put({ size: data.length, open: () => Readable.from([data]) });
    out.push({ digest: r.digest, size: r.size });
  }
  await repo.blobs.flush();
  return out;
}

/**
 * Account A: messages 1-12 at 1000 (blobs k0..k11, packs of ~4 KiB, i.e. ~6 per pack); at 2000
 * messages 1-10 are deleted. With retention 1 ms, k0..k9 become garbage: whole packs die, and
 * the pack holding k10/k11 with dead neighbours is thin.
 */
async function fixture() {
  const backend = new MemoryBackend();
  const repo = await newRepo(backend, 'none', 2);
  const k = await blobs(repo, 12, 'k');
  await commitAt(repo, A, [
    [1000, k.map((b, i) => msg(String(i + 1), i + 1, b))],
    [2000, Array.from({ length: 10 }, (_, i) => ({ type: 'delete' as const, id: String(i + 1) }))],
  ]);
  return { backend, repo, k };
}

describe('format v2: check and purge over packs', () => {
  it('check (quick and full) is clean; full reads packs and reports unreferenced blobs as information', async () => {
    const { backend, repo } = await fixture();
    const extra = await blobs(repo, 1, 'unreferenced');
    const quick = await checkRepository({ repository: await reopen(backend) });
    expect(quick.ok).toBe(true);
    expect(quick.blobsChecked).toBe(12);
    const full = await checkRepository({ repository: await reopen(backend), full: true });
    expect(full.ok).toBe(true);
    expect(full.bytesChecked).toBeGreaterThan(12 * 600);
    expect(full.unreferencedBlobs).toBe(1);
    expect(full.problems.find((p) => p.kind === 'unreferenced-blob')?.digest).toBe(extra[0]?.digest);
  });

  it('a flipped byte in a pack is named (pack key, account, item) by check --full only', async () => {
    const { backend, repo, k } = await fixture();
    const loc = repo.blobs.packs?.locate(k[11]!.digest);
    const key = repo.blobs.packs!.packKey(loc!.pack);
    const bytes = await readObject(backend, key);
    bytes[loc!.offset + loc!.length - 1]! ^= 0xff;
    await backend.delete(key);
    await backend.put(key, { size: bytes.length, open: () => Readable.from([bytes]) });
    expect((await checkRepository({ repository: await reopen(backend) })).ok).toBe(true);
    const full = await checkRepository({ repository: await reopen(backend), full: true });
    expect(full.ok).toBe(false);
    expect(full.problems[0]).toMatchObject({
      kind: 'corrupt-blob',
      digest: k[11]!.digest,
      key,
      accounts: [{ id: A, items: ['12'] }],
    });
    // Repair quarantines the object's bytes and drops its index entry, so the next backup stores it again.
    const repaired = await checkRepository({ repository: await reopen(backend), full: true, repair: true });
    expect(repaired.problems[0]?.repair?.quarantineKey).toMatch(/^quarantine\/blob-/);
    expect(await (await reopen(backend)).blobs.has(k[11]!.digest as never)).toBe(false);
  });

  it('check reports orphan packs and missing packs', async () => {
    const { backend, repo, k } = await fixture();
    const loc = repo.blobs.packs!.locate(k[0]!.digest)!;
    const key = repo.blobs.packs!.packKey(loc.pack);
    const bytes = await readObject(backend, key);
    const orphanKey = `packs/ff/${'f'.repeat(24)}00000001`;
    await backend.put(orphanKey, { size: bytes.length, open: () => Readable.from([bytes]) });
    await backend.delete(key);
    const full = await checkRepository({ repository: await reopen(backend), full: true });
    expect(full.problems.some((p) => p.kind === 'orphan-pack' && p.key === orphanKey)).toBe(true);
    expect(full.problems.some((p) => p.kind === 'missing-blob' && p.key === key)).toBe(true);
  });

  it('purge --dry-run says what it would reclaim and rewrite, and changes nothing', async () => {
    const { backend } = await fixture();
    const before = await keys(backend);
    const r = await purgeRepository({ repository: await reopen(backend), retentionMs: 1, now: NOW, dryRun: true });
    expect(r.blobsRemoved).toBe(10);
    expect(r.packsDeleted).toBeGreaterThan(0);
    expect(r.packsRewritten).toBe(1);
    expect(r.bytesRewritten).toBeGreaterThan(2 * 600);
    expect(r.blobBytesReclaimed).toBeGreaterThan(10 * 600);
    expect(await keys(backend)).toEqual(before);
  });

  it('purge deletes dead packs and rewrites thin ones; every kept blob still reads; check stays clean', async () => {
    const { backend, k } = await fixture();
    const packsBefore = (await keys(backend)).filter((x) => x.startsWith('packs/'));
    const r = await purgeRepository({ repository: await reopen(backend), retentionMs: 1, now: NOW });
    expect(r).toMatchObject({ blobsRemoved: 10, blobsKept: 2, packsRewritten: 1 });
    const packsAfter = (await keys(backend)).filter((x) => x.startsWith('packs/'));
    expect(packsAfter).toHaveLength(1);
    expect(packsBefore).not.toContain(packsAfter[0]);
    expect((await keys(backend)).filter((x) => x.startsWith('packindex/'))).toHaveLength(1);
    const repo = await reopen(backend);
    for (const b of k.slice(10)) {
      let n = 0;
      for await (const c of await repo.blobs.get(b.digest as never)) n += (c as Buffer).length;
      expect(n).toBe(b.size);
    }
    for (const b of k.slice(0, 10)) expect(await repo.blobs.has(b.digest as never)).toBe(false);
    const full = await checkRepository({ repository: repo, full: true });
    expect(full.problems).toEqual([]);
    // A second purge has nothing left to do.
    const again = await purgeRepository({ repository: await reopen(backend), retentionMs: 1, now: NOW });
    expect(again).toMatchObject({ blobsRemoved: 0, packsDeleted: 0, packsRewritten: 0 });
  });

  it('orphan packs are deleted only after the grace period (a concurrent writer may be about to index them)', async () => {
    const { backend, repo, k } = await fixture();
    const loc = repo.blobs.packs!.locate(k[0]!.digest)!;
    const bytes = await readObject(backend, repo.blobs.packs!.packKey(loc.pack));
    const young = `packs/ee/${'e'.repeat(24)}${Math.floor(NOW / 1000)
      .toString(16)
      .padStart(8, '0')}`;
    const old = `packs/dd/${'d'.repeat(24)}00000001`;
    for (const key of [young, old]) await backend.put(key, { size: bytes.length, open: () => Readable.from([bytes]) });
    const r = await purgeRepository({
      repository: await reopen(backend),
      retentionMs: 0,
      now: NOW,
      orphanGraceMs: 60_000,
    });
    expect(r.orphanPacksDeleted).toBe(1);
    expect(await backend.stat(young)).toBeDefined();
    expect(await backend.stat(old)).toBeUndefined();
  });

  it('small packs (one per commit under real-time capture) are merged by purge; nothing is lost', async () => {
    const backend = new MemoryBackend();
    const repo = await initRepository({ backend, compression: 'none', packSize: 64 * 1024 });
    const live: Array<{ digest: string; size: number }> = [];
    for (let i = 0; i < 10; i++) {
      const [b] = await blobs(repo, 1, `rt${i}`);
      live.push(b!);
      await commitAt(repo, A, [[1000 + i, [msg(String(i + 1), i + 1, b!)]]]);
    }
    expect((await keys(backend)).filter((k) => k.startsWith('packs/'))).toHaveLength(10);
    const r = await purgeRepository({ repository: await reopen(backend), retentionMs: 0, now: NOW });
    expect(r).toMatchObject({ blobsRemoved: 0, blobsKept: 10, packsRewritten: 10 });
    expect((await keys(backend)).filter((k) => k.startsWith('packs/'))).toHaveLength(1);
    const full = await checkRepository({ repository: await reopen(backend), full: true });
    expect(full.problems).toEqual([]);
    expect(full.blobsChecked).toBe(10);
  });
});
