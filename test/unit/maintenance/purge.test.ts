import { describe, expect, it } from 'vitest';
import { readAccountIndex, writeAccountIndex } from '../../../src/repository/account-index.js';
import { checkRepository } from '../../../src/maintenance/check.js';
import { purgeRepository } from '../../../src/maintenance/purge.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { FaultyBackend } from '../../../src/testing/faulty-backend.js';
import type { Repository } from '../../../src/repository/repository.js';
import { A, B, blob, commitAt, folder, itemsJson, keys, msg, newRepo, reopen, withJournal } from './helpers.js';

const NOW = 100_000;

/**
 * Account A (capture times in ms):
 *  1000  folders 2, 300; msg 257 v1 (d1); 258 (d2); 259 (d3); 301 in folder 300 (d8)
 *  2000  msg 257 v2 (d4); folder 300 deleted (301 goes with it, no delete of its own)
 *  3000  delete 258
 *  5000  msg 257 v3 (d5); 259 v2 (d6)
 *  6000  delete 259
 * Account B, deleted on the server at 2500: msg 400 (d9, only B), msg 401 (d5, shared with A).
 */
async function fixture(backend = new MemoryBackend(), checkpointMinRecords?: number) {
  const repo = await newRepo(backend);
  const d = Object.fromEntries(
    await Promise.all(
      ['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd8', 'd9', 'orphan'].map(async (n) => [n, await blob(repo, n)] as const),
    ),
  );
  await commitAt(
    repo,
    A,
    [
      [
        1000,
        [
          folder('2', '1', 'Inbox', 1),
          folder('300', '1', 'Old', 1),
          msg('257', 2, d['d1']!),
          msg('258', 3, d['d2']!),
          msg('259', 4, d['d3']!),
          msg('301', 5, d['d8']!, '300'),
        ],
      ],
      [2000, [msg('257', 6, d['d4']!), { type: 'delete', id: '300', kind: 'folder' }]],
      [3000, [{ type: 'delete', id: '258' }]],
      [5000, [msg('257', 8, d['d5']!), msg('259', 9, d['d6']!)]],
      [6000, [{ type: 'delete', id: '259' }]],
    ],
    { token: '9' },
    checkpointMinRecords,
  );
  await commitAt(repo, B, [
    [1000, [msg('400', 1, d['d9']!), msg('401', 2, d['d5']!)]],
    [2500, [{ type: 'account-deleted' }]],
  ]);
  await writeAccountIndex(backend, [
    { id: A, name: 'a@example.test', firstSeenMs: 1000, lastSeenMs: 6000 },
    { id: B, name: 'b@example.test', firstSeenMs: 1000, lastSeenMs: 2000, deletedMs: 2500 },
  ]);
  return { backend, repo, d };
}

async function statesAt(repo: Repository, times: number[]): Promise<string[]> {
  return withJournal(repo, A, async (j) => Promise.all(times.map(async (t) => itemsJson(await j.stateAt(t)))));
}

describe('purgeRepository', () => {
  it('keeps exactly what the retention needs and collects the rest', async () => {
    const { backend, repo, d } = await fixture();
    const inside = [4000, 4500, 5000, 5500, 6000, 7000, NOW];
    const before = await statesAt(repo, inside);
    const r = await purgeRepository({
      repository: repo,
      retentionMs: NOW - 4000,
      deletedAccountsRetentionMs: NOW - 5000,
      now: NOW,
    });
    expect(r).toMatchObject({ dryRun: false, cutoffMs: 4000, accountsCompacted: 1, accountsRemoved: [B] });
    // Dropped: 257 v1, 258 v1, 301 v1, folder 300 v1 (versions); the deletes of 258 and 300.
    expect(r.versionsRemoved).toBe(4);
    expect(r.deletesRemoved).toBe(2);
    expect(await statesAt(repo, inside)).toEqual(before);
    const history = await withJournal(repo, A, async (j) => {
      const out: string[] = [];
      for await (const rec of j.records()) out.push(`${rec.type}:${'id' in rec ? rec.id : ''}@${rec.captureMs}`);
      return out;
    });
    expect(history).toEqual([
      'item:2@1000',
      'item:259@1000',
      'item:257@2000',
      'item:257@5000',
      'item:259@5000',
      'delete:259@6000',
    ]);
    const gone = ['d1', 'd2', 'd8', 'd9', 'orphan'].map((n) => d[n]!.digest).sort();
    const blobs = await keys(backend, 'blobs/');
    for (const n of ['d3', 'd4', 'd5', 'd6']) expect(blobs.some((k) => k.endsWith(d[n]!.digest))).toBe(true);
    for (const g of gone) expect(blobs.some((k) => k.endsWith(g))).toBe(false);
    expect(r.blobsRemoved).toBe(5);
    expect(r.blobsKept).toBe(4);
    expect(r.bytesReclaimed).toBe(r.blobBytesReclaimed + r.accountBytesReclaimed);
    expect(r.accountBytesReclaimed).toBeGreaterThan(0);
    expect(await keys(backend, `accounts/${B}/`)).toEqual([]);
    expect((await readAccountIndex(backend)).map((e) => e.id)).toEqual([A]);
    const check = await checkRepository({ repository: repo, full: true });
    expect(check).toMatchObject({ ok: true, unreferencedBlobs: 0 });
    expect(await keys(backend, 'locks/')).toEqual([]);
    // The latest version of every live item survives even a retention that has long passed.
    const again = await purgeRepository({ repository: repo, retentionMs: 1, now: NOW * 10 });
    const cur = await withJournal(repo, A, async (j) => j.current());
    expect([...cur.items.keys()].sort()).toEqual(['2', '257']);
    expect(cur.items.get('257')?.digest).toBe(d['d5']!.digest);
    expect(again.blobsRemoved).toBe(3); // d3, d6 (259 deleted and past retention now), d4 (257 v2 superseded)
  });

  it('gives the same result when stateAt(cutoff) comes from a checkpoint', async () => {
    const { backend, repo } = await fixture(new MemoryBackend(), 1);
    const cps = await keys(backend, `accounts/${A}/journal/checkpoints/`);
    expect(cps.some((k) => Number(/\.(\d+)\.jsonl$/.exec(k)?.[1]) <= 4000)).toBe(true);
    const inside = [4000, 5000, 6000, NOW];
    const before = await statesAt(repo, inside);
    const r = await purgeRepository({
      repository: repo,
      retentionMs: NOW - 4000,
      deletedAccountsRetentionMs: NOW - 5000,
      now: NOW,
    });
    expect(r).toMatchObject({ versionsRemoved: 4, deletesRemoved: 2, blobsRemoved: 5 });
    expect(await statesAt(repo, inside)).toEqual(before);
    expect((await checkRepository({ repository: repo, full: true })).ok).toBe(true);
  });

  it('dry run reports the same numbers and changes nothing', async () => {
    const a = await fixture();
    const b = await fixture();
    const snapshot = await keys(a.backend);
    const opts = { retentionMs: NOW - 4000, deletedAccountsRetentionMs: NOW - 5000, now: NOW };
    const dry = await purgeRepository({ repository: a.repo, ...opts, dryRun: true });
    expect(await keys(a.backend)).toEqual(snapshot);
    const real = await purgeRepository({ repository: b.repo, ...opts });
    const { durationMs: _a, dryRun: _b, ...dryNumbers } = dry;
    const { durationMs: _c, dryRun: _d, ...realNumbers } = real;
    expect(dryNumbers).toEqual(realNumbers);
  });

  it('retention 0 keeps every version but still collects unreferenced blobs; deleted accounts are kept', async () => {
    const { backend, repo, d } = await fixture();
    const r = await purgeRepository({ repository: repo, retentionMs: 0, now: NOW });
    expect(r).toMatchObject({ versionsRemoved: 0, deletesRemoved: 0, accountsRemoved: [], blobsRemoved: 1 });
    expect(r.cutoffMs).toBeUndefined();
    expect((await keys(backend, 'blobs/')).some((k) => k.endsWith(d['orphan']!.digest))).toBe(false);
    expect((await keys(backend, `accounts/${B}/`)).length).toBeGreaterThan(0);
  });

  it('refuses to run while another writer holds the lock, changing nothing', async () => {
    const { backend, repo } = await fixture();
    const snapshot = await keys(backend);
    const lock = await repo.lock({ owner: 'backup' });
    try {
      await expect(purgeRepository({ repository: repo, retentionMs: 1, now: NOW })).rejects.toMatchObject({
        code: 'ZB_LOCK_HELD',
      });
    } finally {
      await lock.release();
    }
    expect(await keys(backend)).toEqual(snapshot);
  });

  it('an interrupted sweep leaves a consistent repository and a rerun finishes', async () => {
    const inner = new MemoryBackend();
    await fixture(inner);
    const faulty = new FaultyBackend(inner, { delete: { key: /^blobs\//, skip: 2, error: true } });
    const repo = await reopen(faulty);
    await expect(
      purgeRepository({
        repository: repo,
        retentionMs: NOW - 4000,
        deletedAccountsRetentionMs: NOW - 5000,
        now: NOW,
        concurrency: 1,
      }),
    ).rejects.toMatchObject({ code: 'ZB_STORAGE' });
    faulty.expectAllFaultsExercised();
    expect(await keys(inner, 'locks/')).toEqual([]);
    const mid = await checkRepository({ repository: repo, full: true });
    expect(mid.ok).toBe(true);
    expect(mid.unreferencedBlobs).toBeGreaterThan(0);
    const rerun = await purgeRepository({
      repository: repo,
      retentionMs: NOW - 4000,
      deletedAccountsRetentionMs: NOW - 5000,
      now: NOW,
    });
    expect(rerun.blobsRemoved).toBe(mid.unreferencedBlobs);
    expect(await checkRepository({ repository: repo, full: true })).toMatchObject({ ok: true, unreferencedBlobs: 0 });
  });

  it('an account removal interrupted midway keeps a readable journal and is finished by a rerun', async () => {
    const inner = new MemoryBackend();
    await fixture(inner);
    const faulty = new FaultyBackend(inner, {
      delete: { key: new RegExp(`^accounts/${B}/journal/segments/`), skip: 1, error: true },
    });
    const repo = await reopen(faulty);
    const opts = { repository: repo, retentionMs: 0, deletedAccountsRetentionMs: NOW - 5000, now: NOW };
    await expect(purgeRepository(opts)).rejects.toMatchObject({ code: 'ZB_STORAGE' });
    expect((await readAccountIndex(inner)).map((e) => e.id).sort()).toEqual([A, B]); // entry goes last
    expect((await checkRepository({ repository: repo })).ok).toBe(true);
    const r = await purgeRepository(opts);
    expect(r.accountsRemoved).toEqual([B]);
    expect(await keys(inner, `accounts/${B}/`)).toEqual([]);
    expect((await checkRepository({ repository: repo, full: true })).ok).toBe(true);
  });

  it('deletes no blob when a journal changed between mark and sweep', async () => {
    const inner = new MemoryBackend();
    const { d } = await fixture(inner);
    // The re-check's listing of accounts/ (the third: account ids, fingerprint, re-check) waits
    // long enough for a rogue commit, started during the mark, to land.
    const faulty = new FaultyBackend(inner, { list: { key: 'accounts/', skip: 2, delayMs: 100 } });
    const repo = await reopen(faulty);
    let rogue: Promise<void> | undefined;
    const run = purgeRepository({
      repository: repo,
      retentionMs: 0,
      now: NOW,
      onProgress: (p) => {
        if (p.phase === 'mark' && !rogue) rogue = commitAt(repo, A, [[7000, [msg('500', 20, d['orphan']!)]]]);
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'ZB_CONFLICT' });
    faulty.expectAllFaultsExercised();
    await rogue;
    expect((await checkRepository({ repository: repo, full: true })).ok).toBe(true); // the orphan is referenced now, and still there
  });

  it('refuses to purge a repository with a damaged journal', async () => {
    const { backend, repo } = await fixture();
    const segs = await keys(backend, `accounts/${A}/journal/segments/`);
    await backend.delete(segs[1]!);
    const snapshot = await keys(backend);
    await expect(purgeRepository({ repository: repo, retentionMs: 1, now: NOW })).rejects.toMatchObject({
      code: 'ZB_JOURNAL_CORRUPT',
      data: { accountId: A },
    });
    expect(await keys(backend)).toEqual(snapshot);
  });
});
