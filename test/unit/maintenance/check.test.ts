import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkRepository } from '../../../src/maintenance/check.js';
import { blobLayout } from '../../../src/repository/layout.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { parseDigest } from '../../../src/store/digest.js';
import type { CheckProblem } from '../../../src/maintenance/types.js';
import { A, B, blob, commitAt, folder, keys, msg, newRepo, rewrite, withJournal } from './helpers.js';

const key = (d: string): string => blobLayout.key(parseDigest(d));

/** Two accounts; A has three commits (three segments), one blob shared with B. */
async function fixture(compression: 'none' | 'gzip' = 'none') {
  const backend = new MemoryBackend();
  const repo = await newRepo(backend, compression);
  const b1 = await blob(repo, 'one');
  const b2 = await blob(repo, 'two');
  const b3 = await blob(repo, 'three');
  const shared = await blob(repo, 'shared');
  await commitAt(
    repo,
    A,
    [
      [1000, [folder('2', '1', 'Inbox', 1), msg('257', 2, b1)]],
      [2000, [msg('258', 3, b2), msg('259', 4, shared)]],
      [3000, [msg('257', 5, b3)]], // 257's first version (b1) stays in the history
    ],
    { token: '5' },
  );
  await commitAt(repo, B, [[1500, [msg('300', 1, shared)]]], { token: '1' });
  return { backend, repo, b1, b2, b3, shared };
}

function only(problems: CheckProblem[], kind: CheckProblem['kind']): CheckProblem[] {
  return problems.filter((p) => p.kind === kind);
}

describe('checkRepository', () => {
  it('passes a clean repository in quick and full mode, with throughput', async () => {
    const { repo } = await fixture('gzip');
    const quick = await checkRepository({ repository: repo });
    expect(quick).toMatchObject({ ok: true, accounts: 2, blobsChecked: 4, errors: 0, problems: [] });
    const full = await checkRepository({ repository: repo, full: true });
    expect(full).toMatchObject({ ok: true, full: true, blobsChecked: 4, unreferencedBlobs: 0 });
    expect(full.bytesChecked).toBeGreaterThan(0);
    expect(full.mbPerSecond).toBeGreaterThan(0);
  });

  it('reports a missing blob referenced only by an old version, with its account and item', async () => {
    const { backend, repo, b1 } = await fixture();
    await backend.delete(key(b1.digest));
    for (const full of [false, true]) {
      const r = await checkRepository({ repository: repo, full });
      expect(r.ok).toBe(false);
      expect(only(r.problems, 'missing-blob')).toEqual([
        expect.objectContaining({ digest: b1.digest, severity: 'error', accounts: [{ id: A, items: ['257'] }] }),
      ]);
    }
  });

  it('finds a flipped byte only when re-hashing, and names every account sharing the blob', async () => {
    const { backend, repo, shared } = await fixture();
    await rewrite(backend, key(shared.digest), (b) => {
      const c = Buffer.from(b);
      c[20] = (c[20] ?? 0) ^ 0x01;
      return c;
    });
    expect((await checkRepository({ repository: repo })).ok).toBe(true); // same size: quick cannot see it
    const r = await checkRepository({ repository: repo, full: true });
    expect(only(r.problems, 'corrupt-blob')).toEqual([
      expect.objectContaining({
        digest: shared.digest,
        accounts: [
          { id: A, items: ['259'] },
          { id: B, items: ['300'] },
        ],
      }),
    ]);
  });

  it('flags a wrong size: header (quick and full) and a truncated uncompressed object (quick)', async () => {
    const { backend, repo, b2, b3 } = await fixture();
    await rewrite(backend, key(b2.digest), (b) => {
      const c = Buffer.from(b);
      c.writeBigUInt64BE(BigInt(b2.size + 7), 8);
      return c;
    });
    await rewrite(backend, key(b3.digest), (b) => b.subarray(0, b.length - 3));
    const quick = await checkRepository({ repository: repo });
    expect(only(quick.problems, 'size-mismatch').map((p) => [p.digest, p.accounts])).toEqual(
      [
        [b2.digest, [{ id: A, items: ['258'] }]],
        [b3.digest, [{ id: A, items: ['257'] }]],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    const full = await checkRepository({ repository: repo, full: true });
    expect(
      only(full.problems, 'corrupt-blob')
        .map((p) => p.digest)
        .sort(),
    ).toEqual([b2.digest, b3.digest].sort());
  });

  it('reports a truncated segment in the middle of a journal as journal-corrupt and still checks the others', async () => {
    const { backend, repo, b1 } = await fixture();
    const segs = await keys(backend, `accounts/${A}/journal/segments/`);
    expect(segs).toHaveLength(3);
    await rewrite(backend, segs[1]!, (b) => b.subarray(0, Math.floor(b.length / 2)));
    await backend.delete(key(b1.digest)); // only A references it: unknown now, so not reported
    const r = await checkRepository({ repository: repo });
    expect(r.ok).toBe(false);
    expect(only(r.problems, 'journal-corrupt')).toEqual([
      expect.objectContaining({ key: segs[1], accounts: [{ id: A, items: [] }] }),
    ]);
    expect(r.blobsChecked).toBe(1); // B's shared blob
  });

  it('reports a torn tail as a warning that does not fail the check', async () => {
    const { backend, repo } = await fixture();
    const torn = `accounts/${A}/journal/segments/000000000004-000000000004.0000000004000-0000000004000.jsonl`;
    await backend.put(torn, { size: 9, open: () => Readable.from([Buffer.from('deadbeef ')]) });
    const r = await checkRepository({ repository: repo });
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([
      expect.objectContaining({
        kind: 'journal-recovered',
        severity: 'warning',
        key: torn,
        accounts: [{ id: A, items: [] }],
      }),
    ]);
    expect(await backend.stat(torn)).toBeDefined(); // a check never deletes
  });

  it('reads every checkpoint, not only the newest, and reports a damaged one as a warning', async () => {
    const backend = new MemoryBackend();
    const repo = await newRepo(backend);
    const b = await blob(repo, 'cp');
    await commitAt(
      repo,
      A,
      [1000, 2000, 3000, 4000].map((t, i) => [t, [msg(String(257 + i), i + 1, b)]] as [number, never[]]),
      undefined,
      1,
    );
    const cps = await keys(backend, `accounts/${A}/journal/checkpoints/`);
    expect(cps.length).toBeGreaterThanOrEqual(2);
    await rewrite(backend, cps[0]!, (x) => Buffer.concat([x.subarray(0, 30), Buffer.from('#'), x.subarray(31)]));
    const r = await checkRepository({ repository: repo });
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([
      expect.objectContaining({
        kind: 'journal-recovered',
        severity: 'warning',
        key: cps[0],
        accounts: [{ id: A, items: [] }],
      }),
    ]);
  });

  it('lists unreferenced blobs in full mode as information, and honours --accounts', async () => {
    const { repo } = await fixture();
    const orphan = await blob(repo, 'orphan');
    const full = await checkRepository({ repository: repo, full: true });
    expect(full.ok).toBe(true);
    expect(only(full.problems, 'unreferenced-blob').map((p) => p.digest)).toEqual([orphan.digest]);
    const onlyB = await checkRepository({ repository: repo, full: true, accounts: [B] });
    expect(onlyB).toMatchObject({ accounts: 1, blobsChecked: 1, unreferencedBlobs: 0 });
    await expect(checkRepository({ repository: repo, accounts: ['nobody@example.test'] })).rejects.toMatchObject({
      code: 'ZB_NOT_FOUND',
    });
  });

  it('repair quarantines damaged blobs and marks current items for refetch', async () => {
    const { backend, repo, b1, b3, shared } = await fixture();
    await rewrite(backend, key(shared.digest), (b) =>
      Buffer.concat([b.subarray(0, 20), Buffer.from('X'), b.subarray(21)]),
    );
    await backend.delete(key(b1.digest)); // old version of 257 only: cannot be healed
    const r = await checkRepository({ repository: repo, full: true, repair: true });
    const corrupt = only(r.problems, 'corrupt-blob')[0]!;
    expect(corrupt.repair).toMatchObject({
      healable: true,
      refetch: [
        { id: A, items: ['259'] },
        { id: B, items: ['300'] },
      ],
    });
    expect(corrupt.repair?.quarantineKey).toMatch(/^quarantine\/blob-[0-9a-f]{64}-\d{8}T\d{6}Z$/);
    expect(await backend.stat(key(shared.digest))).toBeUndefined();
    expect(await backend.stat(corrupt.repair!.quarantineKey!)).toBeDefined();
    const missing = only(r.problems, 'missing-blob')[0]!;
    expect(missing.repair).toMatchObject({ healable: false, refetch: [] });
    expect(r.remaining).toBe(1);
    const state = await withJournal(repo, A, async (j) => j.lastState());
    expect(state).toMatchObject({
      token: '5',
      retry: [expect.objectContaining({ id: '259', type: 'message', attempts: 0, refetch: true })],
    });
    expect(await keys(backend, 'locks/')).toEqual([]);
    // The repository's journals still read, and b3 was never touched.
    expect(await backend.stat(key(b3.digest))).toBeDefined();
  });

  it('repair needs the writer lock', async () => {
    const { backend, repo, b2 } = await fixture();
    await backend.delete(key(b2.digest));
    const lock = await repo.lock({ owner: 'backup' });
    try {
      await expect(checkRepository({ repository: repo, repair: true })).rejects.toMatchObject({ code: 'ZB_LOCK_HELD' });
      expect((await checkRepository({ repository: repo })).errors).toBe(1); // a plain check needs no lock
    } finally {
      await lock.release();
    }
  });
});
