import { describe, expect, it } from 'vitest';
import { Journal, type JournalRecordInput } from '../../../src/journal/index.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { FaultyBackend } from '../../../src/testing/faulty-backend.js';
import { baseFolders, digestOf, TestClock } from './helpers.js';

const prefix = 'accounts/big/';

function msg(n: number, ms: number): JournalRecordInput {
  return {
    type: 'item',
    kind: 'message',
    id: String(1000 + (n % 60_000)),
    folderId: '2',
    modifiedSequence: ms,
    digest: digestOf(n),
    size: n % 9000,
  };
}

describe('checkpoints', () => {
  it('a 100k-record journal reopens from its newest checkpoint, reading only the segments after it', async () => {
    const inner = new MemoryBackend();
    const backend = new FaultyBackend(inner);
    const clock = new TestClock();
    const j = await Journal.open({ backend, prefix, clock: clock.read, compactAfterSegments: 0 });
    await j.commit(baseFolders());
    // 100 commits of 1,000 records over 60,000 distinct items (40,000 of them updated once).
    let n = 0;
    const mid: number[] = [];
    for (let c = 0; c < 100; c++) {
      clock.advance(1000);
      const recs: JournalRecordInput[] = [];
      for (let i = 0; i < 1000; i++, n++) recs.push(msg(n, n + 10));
      await j.commit(recs, { state: { token: String(n) } });
      if (c === 54) mid.push(clock.now);
    }
    const stats = j.stats();
    expect(stats.records).toBe(100_003);
    expect(stats.liveItems).toBe(60_003);
    expect(stats.checkpoints).toBeGreaterThanOrEqual(3);
    const current = j.current();

    const getsBefore = backend.calls.get;
    const reopened = await Journal.open({ backend, prefix });
    const gets = backend.calls.get - getsBefore;
    // One checkpoint plus the segments after it: far fewer than the 101 segments.
    expect(gets).toBeLessThan(40);
    expect(reopened.stats().segmentReads).toBe(gets - 1);
    // Compared as sorted JSON: toEqual on two 60k-entry Maps costs seconds.
    const dump = (m: ReadonlyMap<string, unknown>): string =>
      JSON.stringify([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(dump(reopened.current().items)).toBe(dump(current.items));
    expect(dump(reopened.current().folders)).toBe(dump(current.folders));
    expect(reopened.lastState()).toEqual({ token: '100000' });

    // stateAt in the middle: a checkpoint at or before it plus a bounded replay, not 55 segments.
    const g0 = backend.calls.get;
    const s = await reopened.stateAt(mid[0]!);
    expect(s.items.size).toBe(55_003);
    expect(s.cursor).toEqual({ token: '55000' });
    expect(backend.calls.get - g0).toBeLessThan(40);
  }, 120_000);

  it('checkpoint() writes one on demand, and a torn one falls back to an older state', async () => {
    const backend = new MemoryBackend();
    const j = await Journal.open({ backend, prefix, checkpointMinRecords: 0 });
    await j.commit([...baseFolders(), msg(1, 1)]);
    await j.checkpoint();
    await j.checkpoint();
    expect(j.stats().checkpoints).toBe(1);
    await j.commit([msg(2, 2)]);
    const reopened = await Journal.open({ backend, prefix });
    expect(reopened.current()).toEqual(j.current());
    expect(reopened.stats().segmentReads).toBe(1);
  });
});
