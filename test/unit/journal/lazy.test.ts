// Issue 12: a journal opened lazily applies a delta without replaying the account's history. It
// reads the newest checkpoint's page table and the pages holding the ids a commit or lookup names,
// plus the segments after that checkpoint; the results equal those of a full open in every case.
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Journal, type JournalRecordInput, type MailboxState } from '../../../src/journal/index.js';
import { encodeLine } from '../../../src/journal/record-codec.js';
import { StateBuilder } from '../../../src/journal/state-at.js';
import {
  bufferBody,
  type IoOptions,
  type ObjectInfo,
  type ReplayableBody,
  type StorageBackend,
} from '../../../src/store/backends/backend.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { baseFolders, del, folder, message, TestClock } from './helpers.js';

const prefix = 'accounts/lazy/';

/** Delegates to a MemoryBackend and records every read: key and bytes asked for. */
class ReadLog extends MemoryBackend {
  reads: Array<{ key: string; offset?: number; length?: number }> = [];
  override get(key: string, opts: IoOptions & { offset?: number; length?: number } = {}): Promise<Readable> {
    this.reads.push({
      key,
      ...(opts.offset !== undefined ? { offset: opts.offset } : {}),
      ...(opts.length !== undefined ? { length: opts.length } : {}),
    });
    return super.get(key, opts);
  }
  segmentReads(): string[] {
    return this.reads.filter((r) => r.key.includes('/segments/')).map((r) => r.key);
  }
  checkpointBytes(): number {
    return this.reads.filter((r) => r.key.includes('/checkpoints/')).reduce((n, r) => n + (r.length ?? Infinity), 0);
  }
}

/** Lets `allowed` puts and deletes through, then fails every later one: a process killed there. */
class Crashing extends MemoryBackend {
  killed = false;
  constructor(
    readonly inner: MemoryBackend,
    private allowed: number,
  ) {
    super();
  }
  override put(key: string, b: ReplayableBody, o?: IoOptions): Promise<void> {
    return this.#write(() => this.inner.put(key, b, o));
  }
  override delete(key: string, o?: IoOptions): Promise<void> {
    return this.#write(() => this.inner.delete(key, o));
  }
  override get(key: string, o?: IoOptions & { offset?: number; length?: number }): Promise<Readable> {
    return this.inner.get(key, o);
  }
  override stat(key: string, o?: IoOptions): Promise<{ size: number } | undefined> {
    return this.inner.stat(key, o);
  }
  override list(prefix: string, o?: IoOptions): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, o);
  }
  #write(fn: () => Promise<void>): Promise<void> {
    if (this.killed || this.allowed-- <= 0) {
      this.killed = true;
      return Promise.reject(new Error('killed'));
    }
    return fn();
  }
}

async function readAll(backend: StorageBackend, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await backend.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function copy(from: StorageBackend, to: StorageBackend): Promise<void> {
  for await (const { key } of from.list('')) await to.put(key, bufferBody(await readAll(from, key)));
}

async function keys(backend: StorageBackend, under: string): Promise<string[]> {
  const out: string[] = [];
  for await (const { key } of backend.list(under)) out.push(key);
  return out.sort();
}

const dump = (s: MailboxState): string =>
  JSON.stringify({
    items: [...s.items].sort(([a], [b]) => (a < b ? -1 : 1)),
    account: s.account,
    accountDeleted: s.accountDeleted,
    cursor: s.cursor,
    seq: s.seq,
  });

/** 3,000 messages over three commits, a head checkpoint, then two small commits (the tail). */
async function history(backend: StorageBackend, clock: TestClock): Promise<void> {
  const j = await Journal.open({ backend, prefix, clock: clock.read });
  await j.commit([...baseFolders(), folder('300', '1', 'Lists', 1)], { state: { token: '1' } });
  for (let c = 0; c < 3; c++) {
    clock.advance(1000);
    const recs: JournalRecordInput[] = [];
    for (let i = 0; i < 1000; i++) {
      const id = 1000 + c * 1000 + i;
      recs.push(message(String(id), 10, id % 10 === 0 ? { folderId: '300' } : {}));
    }
    await j.commit(recs, { state: { token: String(c + 2) } });
  }
  await j.checkpointIfBehind();
  expect((await keys(backend, `${prefix}journal/checkpoints/`)).length).toBe(1);
  clock.advance(1000);
  await j.commit([message('1005', 20), del('1006')], { state: { token: '5' } });
  clock.advance(1000);
  await j.commit([message('4000', 11)], { state: { token: '6' } });
  await j.close();
}

/** A 1 % delta: updates, replays, deletions (one of a deleted id re-sent), new items. */
function delta(): JournalRecordInput[] {
  const recs: JournalRecordInput[] = [];
  for (let i = 0; i < 15; i++) recs.push(message(String(1100 + i * 180), 30));
  recs.push(message('1200', 10)); // a replay: same modified sequence as recorded
  recs.push(message('1006', 5)); // deleted before, re-sent with an old sequence: a replay
  for (let i = 0; i < 8; i++) recs.push(del(String(1501 + i * 300)));
  for (let i = 0; i < 7; i++) recs.push(message(String(5000 + i), 40));
  return recs;
}

describe('a lazily opened journal (issue 12)', () => {
  it('applies a delta reading only the checkpoint pages of its ids, and ends where a full open ends', async () => {
    const clock = new TestClock();
    const lazyBackend = new ReadLog();
    await history(lazyBackend, clock);
    const eagerBackend = new MemoryBackend();
    await copy(lazyBackend, eagerBackend);
    const [cp] = await keys(lazyBackend, `${prefix}journal/checkpoints/`);
    const cpSize = (await lazyBackend.stat(cp!))!.size;

    lazyBackend.reads = [];
    const lazy = await Journal.open({ backend: lazyBackend, prefix, clock: clock.read, lazy: true });
    const eager = await Journal.open({ backend: eagerBackend, prefix, clock: clock.read });
    expect(lazy.lazy).toBe(true);
    // The open: the two tail segments only, and the checkpoint's end and head, not its items.
    expect(lazyBackend.segmentReads()).toHaveLength(2);
    expect(lazyBackend.checkpointBytes()).toBeLessThan(cpSize / 4);
    expect(lazy.lastState()).toEqual({ token: '6' });
    expect(lazy.account()).toEqual({ account: undefined, accountDeleted: false });
    expect(() => lazy.current()).toThrow(/lazily/);

    const ids = ['1005', '1006', '1100', '1501', '4000', '5000', '300', '999999'];
    const found = await lazy.lookup(ids);
    const all = eager.current().items;
    expect([...found.keys()].sort()).toEqual(ids.filter((id) => all.has(id)).sort());
    for (const [id, rec] of found) expect(rec).toEqual(all.get(id));

    const recs = delta();
    clock.advance(1000);
    const a = await lazy.commit(recs, { state: { token: '7' } });
    const b = await eager.commit(recs, { state: { token: '7' } });
    expect(a).toEqual(b);
    expect(a.skipped).toBe(2);
    expect(lazy.lazy).toBe(true);
    // Still no segment before the checkpoint, never the whole checkpoint in one read, and few of
    // its 188 pages of 16 items decoded (nearby pages are fetched in one ranged read).
    expect(lazyBackend.segmentReads()).toHaveLength(2);
    expect(lazyBackend.reads.filter((r) => r.key === cp && r.length === undefined)).toEqual([]);
    expect(lazy.stats().checkpointPagesDecoded).toBeGreaterThan(0);
    expect(lazy.stats().checkpointPagesDecoded).toBeLessThan(40);
    const ls = lazy.stats();
    const es = eager.stats();
    expect({ ...ls, checkpointPagesDecoded: 0, segmentReads: 0, bytesWritten: 0 }).toEqual({
      ...es,
      checkpointPagesDecoded: 0,
      segmentReads: 0,
      bytesWritten: 0,
    });

    // What the lazy writer committed reads back the same as the full writer's.
    await lazy.load();
    expect(lazy.lazy).toBe(false);
    expect(dump(lazy.current())).toBe(dump(eager.current()));
    const reopened = await Journal.open({ backend: lazyBackend, prefix });
    expect(dump(reopened.current())).toBe(dump(eager.current()));
    for (const t of [clock.now - 3000, clock.now - 1000, clock.now])
      expect(dump(await reopened.stateAt(t))).toBe(dump(await eager.stateAt(t)));
  });

  it('a folder deletion (its subtree goes with it) makes it read the whole state first', async () => {
    const clock = new TestClock();
    const backend = new MemoryBackend();
    await history(backend, clock);
    const eagerBackend = new MemoryBackend();
    await copy(backend, eagerBackend);
    const lazy = await Journal.open({ backend, prefix, clock: clock.read, lazy: true });
    const eager = await Journal.open({ backend: eagerBackend, prefix, clock: clock.read });
    clock.advance(1000);
    // No kind on the delete: only the recorded folder says what goes with it.
    const recs = [del('300'), message('1001', 50)];
    expect(await lazy.commit(recs)).toEqual(await eager.commit(recs));
    expect(lazy.lazy).toBe(false);
    expect(lazy.stats().liveItems).toBe(eager.stats().liveItems);
    expect(eager.stats().liveItems).toBe(3004 - 301);
    expect(dump(lazy.current())).toBe(dump(eager.current()));
  });

  it('a folder deleted after the checkpoint, a checkpoint without page table or a damaged page: a full open, same state', async () => {
    const clock = new TestClock();
    const base = new MemoryBackend();
    await history(base, clock);
    const expected = dump((await Journal.open({ backend: base, prefix })).current());
    const [cp] = await keys(base, `${prefix}journal/checkpoints/`);
    const bytes = await readAll(base, cp!);

    // An older writer's checkpoint: the same lines, an end line without the page table.
    const old = new MemoryBackend();
    await copy(base, old);
    const text = bytes.toString('utf8');
    const cut = text.lastIndexOf('\n', text.length - 2) + 1;
    const end = JSON.parse(text.slice(cut + 9)) as Record<string, unknown>;
    await old.put(
      cp!,
      bufferBody(Buffer.from(text.slice(0, cut) + encodeLine({ type: 'end', lines: end['lines'], crc: end['crc'] }))),
    );
    const j1 = await Journal.open({ backend: old, prefix, lazy: true });
    expect(j1.lazy).toBe(false);
    expect(dump(j1.current())).toBe(expected);

    // A flipped byte inside an item page: the lookup falls back to the whole state (older data).
    const damaged = new MemoryBackend();
    await copy(base, damaged);
    const flipped = Buffer.from(bytes);
    const at = flipped.indexOf('"id":"2500"');
    flipped[at + 7] = '9'.charCodeAt(0);
    await damaged.put(cp!, bufferBody(flipped));
    const j2 = await Journal.open({ backend: damaged, prefix, lazy: true });
    expect(j2.lazy).toBe(true);
    const found = await j2.lookup(['2500']);
    expect(j2.lazy).toBe(false);
    expect(found.get('2500')?.modifiedSequence).toBe(10);
    expect(dump(j2.current())).toBe(expected);

    // A folder deleted in the tail after the checkpoint.
    const tail = new MemoryBackend();
    await copy(base, tail);
    const w = await Journal.open({ backend: tail, prefix, clock: clock.read });
    await w.commit([del('300')]);
    const after = dump(w.current());
    const j3 = await Journal.open({ backend: tail, prefix, lazy: true });
    expect(j3.lazy).toBe(false);
    expect(dump(j3.current())).toBe(after);
  });

  it('a crash at any write of a lazy run, or a torn checkpoint, loses nothing committed', async () => {
    const clock = new TestClock();
    const base = new MemoryBackend();
    await history(base, clock);
    const before = dump((await Journal.open({ backend: base, prefix })).current());
    clock.advance(1000);
    const run = async (backend: StorageBackend): Promise<void> => {
      const j = await Journal.open({ backend, prefix, clock: clock.read, lazy: true });
      await j.commit(delta(), { state: { token: '7' } });
      // A checkpoint now (a lazy journal reads its whole state for it), replacing the head one.
      await j.checkpoint();
    };
    const full = new MemoryBackend();
    await copy(base, full);
    await run(full);
    const after = dump((await Journal.open({ backend: full, prefix })).current());
    expect(after).not.toBe(before);
    // The run's writes: its segment, a new head checkpoint, the delete of the previous one.
    for (let allowed = 0; allowed <= 3; allowed++) {
      const inner = new MemoryBackend();
      await copy(base, inner);
      const crashing = new Crashing(inner, allowed);
      await run(crashing).catch(() => undefined);
      expect(crashing.killed).toBe(allowed < 3);
      for (const lazy of [true, false]) {
        const j = await Journal.open({ backend: inner, prefix, lazy });
        await j.load();
        expect(dump(j.current())).toBe(allowed === 0 ? before : after);
      }
    }
    // A checkpoint cut short (a backend that tears writes): skipped, the state rebuilt from segments.
    const torn = new MemoryBackend();
    await copy(full, torn);
    const cps = await keys(torn, `${prefix}journal/checkpoints/`);
    expect(cps).toHaveLength(1);
    const bytes = await readAll(torn, cps[0]!);
    await torn.put(cps[0]!, bufferBody(bytes.subarray(0, bytes.length - 100)));
    const j = await Journal.open({ backend: torn, prefix, lazy: true });
    expect(j.recovered.map((r) => r.key)).toEqual(cps);
    expect(j.lazy).toBe(false);
    expect(dump(j.current())).toBe(after);
  });

  it('head checkpoints do not pile up, and every instant reads back as a replay from batch 1 gives it', async () => {
    const clock = new TestClock();
    const backend = new MemoryBackend();
    const times: number[] = [];
    let j = await Journal.open({ backend, prefix, clock: clock.read, headCheckpointMinRecords: 10 });
    await j.commit(baseFolders());
    times.push(clock.now);
    for (let run = 0; run < 12; run++) {
      // Each "run": a lazy open, a delta of 40 records, checkpointIfBehind, close.
      clock.advance(1000);
      j = await Journal.open({ backend, prefix, clock: clock.read, headCheckpointMinRecords: 10, lazy: true });
      const recs: JournalRecordInput[] = [];
      for (let i = 0; i < 40; i++) recs.push(message(String(1000 + ((run * 37 + i * 11) % 200)), run + 2));
      if (run % 3 === 2) recs.push(del(String(1000 + run)));
      await j.commit(recs, { state: { token: String(run) } });
      times.push(clock.now);
      await j.checkpointIfBehind();
      await j.close();
    }
    // One head checkpoint at a time (spaced ones start at 10,000 records).
    expect(await keys(backend, `${prefix}journal/checkpoints/`)).toHaveLength(1);
    const reader = await Journal.open({ backend, prefix, readOnly: true });
    for (const t of times) {
      const replay = new StateBuilder();
      for await (const rec of reader.records({ to: t })) replay.apply(rec);
      const s = await reader.stateAt(t);
      expect(JSON.stringify([...s.items].sort(([a], [b]) => (a < b ? -1 : 1)))).toBe(
        JSON.stringify([...replay.items].sort(([a], [b]) => (a < b ? -1 : 1))),
      );
    }
  });
});
