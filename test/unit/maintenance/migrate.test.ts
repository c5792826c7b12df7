import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkRepository } from '../../../src/maintenance/check.js';
import { migrateRepository } from '../../../src/maintenance/migrate.js';
import { blobLayout } from '../../../src/repository/layout.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import type { StorageBackend } from '../../../src/store/backends/backend.js';
import { FaultyBackend } from '../../../src/testing/faulty-backend.js';
import { A, B, commitAt, keys, msg, newRepo, readObject, reopen } from './helpers.js';

/** A version 1 repository: two accounts, a shared blob, a large one, an unreferenced one. */
async function v1Repo(backend: StorageBackend = new MemoryBackend()) {
  const repo = await newRepo(backend, 'gzip', 1);
  const put = async (data: Buffer) => {
    const r = await repo.blobs.put({ size: data.length, open: () => Readable.from([data]) });
    return { digest: r.digest, size: r.size };
  };
  const small = await Promise.all(
    Array.from({ length: 30 }, (_, i) => put(Buffer.concat([Buffer.from(`m${i}`), randomBytes(300)]))),
  );
  const large = await put(randomBytes(6000));
  await put(Buffer.from('nobody references me'));
  await commitAt(repo, A, [
    [1000, [...small.slice(0, 20).map((b, i) => msg(String(i + 1), i + 1, b)), msg('900', 99, large)]],
  ]);
  await commitAt(repo, B, [[1000, small.slice(15).map((b, i) => msg(String(i + 1), i + 1, b))]]);
  return { backend, repo, digests: [...small, large].map((b) => b.digest) };
}

async function allBlobsRead(backend: StorageBackend, digests: string[]): Promise<void> {
  const repo = await reopen(backend);
  for (const d of digests) {
    let n = 0;
    for await (const c of await repo.blobs.get(d as never)) n += (c as Buffer).length;
    expect(n).toBeGreaterThan(0);
  }
}

describe('migrate: format 1 -> 2 in place', () => {
  it('--dry-run counts and changes nothing; the migration packs everything, switches FORMAT and removes blobs/', async () => {
    const { backend, digests } = await v1Repo();
    const before = await keys(backend);
    const dry = await migrateRepository({ repository: await reopen(backend), dryRun: true, packSize: 4096 });
    expect(dry).toMatchObject({ dryRun: true, fromVersion: 1, blobObjects: 32, alreadyPacked: 0, complete: false });
    expect(await keys(backend)).toEqual(before);
    const r = await migrateRepository({ repository: await reopen(backend), packSize: 4096 });
    expect(r).toMatchObject({ fromVersion: 1, blobObjects: 32, objectsDeleted: 32, complete: true });
    expect(r.packsWritten).toBeGreaterThan(2);
    const repo = await reopen(backend);
    expect(repo.config).toMatchObject({ version: 2, blobLayout: 'packs', packSize: 4096 });
    expect((await keys(backend)).filter((k) => k.startsWith('blobs/'))).toEqual([]);
    const check = await checkRepository({ repository: repo, full: true });
    expect(check.problems.filter((p) => p.severity !== 'info')).toEqual([]);
    expect(check.unreferencedBlobs).toBe(1);
    await allBlobsRead(backend, digests);
    // Done is done.
    expect(await migrateRepository({ repository: repo })).toMatchObject({
      fromVersion: 2,
      blobObjects: 0,
      complete: true,
    });
  });

  it('an interruption at every write or delete, then a rerun: complete, check --full clean, nothing lost', async () => {
    const probe = new FaultyBackend(new MemoryBackend());
    await v1Repo(probe);
    const puts0 = probe.calls.put;
    const deletes0 = probe.calls.delete;
    await migrateRepository({ repository: await reopen(probe), packSize: 4096 });
    const puts = probe.calls.put - puts0;
    const deletes = probe.calls.delete - deletes0;
    expect(puts).toBeGreaterThan(5);
    const points: Array<['put' | 'delete', number]> = [
      ...Array.from({ length: puts }, (_, i) => ['put', i] as ['put', number]),
      ...[0, 1, Math.floor(deletes / 2), deletes - 2].map((i) => ['delete', i] as ['delete', number]),
    ];
    for (const [method, skip] of points) {
      const inner = new MemoryBackend();
      const { digests } = await v1Repo(inner);
      const faulty = new FaultyBackend(inner, { [method]: { skip, error: new Error(`crash at ${method} ${skip}`) } });
      await expect(
        migrateRepository({ repository: await reopen(faulty), packSize: 4096 }),
        `${method} ${skip}`,
      ).rejects.toThrow(/crash at/);
      // A killed process leaves its lock behind; the rerun here runs in the same process, so drop it.
      for (const k of await keys(inner)) if (k.startsWith('locks/')) await inner.delete(k);
      // Until the switch a version 1 reader still sees everything.
      const mid = await reopen(inner);
      if (mid.config.version === 1) await allBlobsRead(inner, digests);
      const r = await migrateRepository({ repository: mid, packSize: 4096 });
      expect(r.complete, `${method} ${skip}`).toBe(true);
      const repo = await reopen(inner);
      expect(repo.config.version).toBe(2);
      const check = await checkRepository({ repository: repo, full: true });
      expect(
        check.problems.filter((p) => p.severity !== 'info'),
        `${method} ${skip}`,
      ).toEqual([]);
      await allBlobsRead(inner, digests);
    }
  });

  it('a damaged blob object stops the migration before the switch', async () => {
    const { backend, digests } = await v1Repo();
    const key = blobLayout.key(digests[3] as never);
    const bytes = await readObject(backend, key);
    bytes[bytes.length - 3]! ^= 0xff;
    await backend.put(key, { size: bytes.length, open: () => Readable.from([bytes]) });
    await expect(migrateRepository({ repository: await reopen(backend), packSize: 4096 })).rejects.toMatchObject({
      code: 'ZB_REPOSITORY_CORRUPT',
      data: { key },
    });
    expect((await reopen(backend)).config.version).toBe(1);
    expect(await backend.stat(key)).toBeDefined();
  });
});
