import { describe, expect, it } from 'vitest';
import { Journal, type JournalRecord, type MailboxState } from '../../../src/journal/index.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import type { StorageBackend } from '../../../src/store/backends/backend.js';
import { FaultyBackend } from '../../../src/testing/faulty-backend.js';
import { baseFolders, del, folder, message, TestClock } from './helpers.js';

const prefix = 'accounts/acc-2/';

async function segmentKeys(backend: StorageBackend): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of backend.list(`${prefix}journal/segments/`)) keys.push(o.key);
  return keys.sort();
}

async function allRecords(j: Journal): Promise<JournalRecord[]> {
  const out: JournalRecord[] = [];
  for await (const r of j.records()) out.push(r);
  return out;
}

/** Twelve commits a minute apart touching a small mailbox; returns the capture times. */
async function build(
  backend: StorageBackend,
  clock: TestClock,
  extra: Partial<Parameters<typeof Journal.open>[0]> = {},
) {
  const j = await Journal.open({
    backend,
    prefix,
    clock: clock.read,
    checkpointMinRecords: 0,
    compactAfterSegments: 0,
    ...extra,
  });
  const times: number[] = [];
  await j.commit([...baseFolders(), folder('20', '2', 'Work', 2)], { state: 's0' });
  times.push(clock.now);
  for (let i = 1; i < 12; i++) {
    clock.advance(60_000);
    const recs = [
      message(String(100 + i), 10 * i, { folderId: i % 2 ? '2' : '20' }),
      message('100', 10 * i + 1, { flags: i % 2 ? 'u' : '' }),
    ];
    if (i === 6) recs.push(del(String(100 + 3), 10 * i + 2));
    if (i === 9) recs.push(del('20', 10 * i + 2, 'folder'));
    await j.commit(recs, { state: `s${i}` });
    times.push(clock.now);
  }
  return { journal: j, times };
}

async function statesAt(j: Journal, times: number[]): Promise<MailboxState[]> {
  const out: MailboxState[] = [];
  for (const t of [times[0]! - 1, ...times, times.at(-1)! + 1]) out.push(await j.stateAt(t));
  return out;
}

describe('compaction', () => {
  it('merging every segment keeps every record and every stateAt answer', async () => {
    const backend = new MemoryBackend();
    const clock = new TestClock();
    const { journal, times } = await build(backend, clock);
    const before = await statesAt(journal, times);
    const recordsBefore = await allRecords(journal);
    const deletedBefore = await journal.deletedBetween(times[0]!, times.at(-1)!);
    const r = await journal.compact();
    expect(r).toMatchObject({ merged: 12, kept: recordsBefore.length, dropped: 0 });
    expect(await segmentKeys(backend)).toEqual([r.key]);
    expect(await statesAt(journal, times)).toEqual(before);
    const reopened = await Journal.open({ backend, prefix });
    expect(await statesAt(reopened, times)).toEqual(before);
    expect(await allRecords(reopened)).toEqual(recordsBefore);
    expect(await reopened.deletedBetween(times[0]!, times.at(-1)!)).toEqual(deletedBefore);
    expect(reopened.lastState()).toBe('s11');
    // Commits continue after a compacted segment.
    expect(await reopened.commit([message('900', 500)])).toMatchObject({ seq: 13 });
    expect((await Journal.open({ backend, prefix })).current().items.has('900')).toBe(true);
  });

  it('a crash after the merged segment is written but before the old ones are deleted double-counts nothing', async () => {
    const faulty = new FaultyBackend(new MemoryBackend(), { delete: { times: 12, error: true } });
    const clock = new TestClock();
    const { journal, times } = await build(faulty, clock);
    const before = await statesAt(journal, times);
    const recordsBefore = await allRecords(journal);
    await journal.compact();
    expect(await segmentKeys(faulty)).toHaveLength(13);
    faulty.expectAllFaultsExercised();
    const reader = await Journal.open({ backend: faulty, prefix, readOnly: true });
    expect(await allRecords(reader)).toEqual(recordsBefore);
    expect(await statesAt(reader, times)).toEqual(before);
    expect(reader.stats().records).toBe(recordsBefore.length);
    // The next writable open deletes the leftovers.
    await Journal.open({ backend: faulty, prefix });
    expect(await segmentKeys(faulty)).toHaveLength(1);
  });

  it('a failed merge put leaves the journal as it was', async () => {
    const faulty = new FaultyBackend(new MemoryBackend(), {
      put: { key: /segments\/000000000001-000000000012/, afterBytes: 100, error: true },
    });
    const { journal, times } = await build(faulty, new TestClock());
    const before = await statesAt(journal, times);
    await expect(journal.compact()).rejects.toThrow();
    expect(await segmentKeys(faulty)).toHaveLength(12);
    expect(await statesAt(await Journal.open({ backend: faulty, prefix }), times)).toEqual(before);
    faulty.expectAllFaultsExercised();
  });

  it('a reader that listed before a compaction re-lists and goes on without gaps or repeats', async () => {
    const backend = new MemoryBackend();
    const { journal } = await build(backend, new TestClock());
    const expected = await allRecords(journal);
    const reader = await Journal.open({ backend, prefix, readOnly: true });
    const got: JournalRecord[] = [];
    let compacted = false;
    for await (const r of reader.records()) {
      got.push(r);
      if (!compacted && got.length === 7) {
        await journal.compact();
        compacted = true;
      }
    }
    expect(got).toEqual(expected);
    // The reader did hit a vanished segment and re-listed: its table now holds the merged one.
    expect(reader.stats().segments).toBe(1);
  });

  it('keep() drops old versions but never the current ones, and stateAt(now) is unchanged', async () => {
    const backend = new MemoryBackend();
    const clock = new TestClock();
    const { journal, times } = await build(backend, clock, { checkpointMinRecords: 5 });
    const current = journal.current();
    const horizon = times[8]!;
    const asked: JournalRecord[] = [];
    const r = await journal.compact({ keep: (rec) => (asked.push(rec), rec.captureMs > horizon) });
    expect(r.dropped).toBeGreaterThan(0);
    // Current versions were kept without asking the hook.
    for (const item of current.items.values()) {
      expect(
        asked.some(
          (a) =>
            a.type === 'item' &&
            a.id === item.id &&
            a.captureMs === item.captureMs &&
            a.modifiedSequence === item.modifiedSequence,
        ),
      ).toBe(false);
    }
    const reopened = await Journal.open({ backend, prefix });
    expect(reopened.current()).toEqual(current);
    expect(reopened.stats().records).toBe(r.kept);
    expect((await reopened.history('100')).map((h) => h.captureMs)).toEqual(times.slice(9));
    expect(reopened.stats().checkpoints).toBe(1);
  });

  it('tail segments are merged automatically after compactAfterSegments commits', async () => {
    const backend = new MemoryBackend();
    const clock = new TestClock();
    const j = await Journal.open({
      backend,
      prefix,
      clock: clock.read,
      compactAfterSegments: 4,
      checkpointMinRecords: 0,
    });
    for (let i = 1; i <= 10; i++) {
      clock.advance(1000);
      await j.commit([message(String(i), i)], { state: i });
    }
    // 1-4 merged, 5-8 merged, 9 and 10 single.
    expect((await segmentKeys(backend)).map((k) => k.split('/').at(-1)!.slice(0, 25))).toEqual([
      '000000000001-000000000004',
      '000000000005-000000000008',
      '000000000009-000000000009',
      '000000000010-000000000010',
    ]);
    const reopened = await Journal.open({ backend, prefix });
    expect(reopened.current()).toEqual(j.current());
    expect(reopened.lastState()).toBe(10);
  });
});
