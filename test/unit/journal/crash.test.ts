import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, type JournalRecord } from '../../../src/journal/index.js';
import { LocalBackend } from '../../../src/store/backends/local.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import type { ReplayableBody, StorageBackend } from '../../../src/store/backends/backend.js';
import { FaultyBackend } from '../../../src/testing/faulty-backend.js';
import { encodeLine } from '../../../src/journal/record-codec.js';
import { segmentKey } from '../../../src/journal/segment.js';
import { baseFolders, del, message, TestClock } from './helpers.js';

const prefix = 'accounts/acc-1/';

async function readAll(backend: StorageBackend, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await backend.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function body(buf: Buffer): ReplayableBody {
  return { size: buf.length, open: () => Readable.from([buf]) };
}

async function allRecords(j: Journal): Promise<JournalRecord[]> {
  const out: JournalRecord[] = [];
  for await (const r of j.records()) out.push(r);
  return out;
}

async function segmentKeys(backend: StorageBackend): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of backend.list(`${prefix}journal/segments/`)) keys.push(o.key);
  return keys.sort();
}

/** Three committed batches; returns what a reopen must show. */
async function committed(backend: StorageBackend, clock = new TestClock()) {
  const j = await Journal.open({ backend, prefix, clock: clock.read, checkpointMinRecords: 0 });
  await j.commit([...baseFolders(), message('100', 2)], { state: 't1' });
  clock.advance(1000);
  await j.commit([message('100', 3, { flags: 'u' }), message('101', 3)], { state: 't2' });
  clock.advance(1000);
  await j.commit([del('101', 4)], { state: 't3' });
  clock.advance(1000);
  return { journal: j, clock, records: await allRecords(j), state: j.current() };
}

describe('commit crash points', () => {
  it('a put that fails before writing changes nothing, and the batch can be committed again', async () => {
    const faulty = new FaultyBackend(new MemoryBackend(), { put: { key: /segments\/000000000004-/, error: true } });
    const { journal, records, state } = await committed(faulty);
    await expect(journal.commit([message('102', 5)], { state: 't4' })).rejects.toMatchObject({ code: 'ZB_STORAGE' });
    expect(journal.current()).toEqual(state);
    const reopened = await Journal.open({ backend: faulty, prefix });
    expect(await allRecords(reopened)).toEqual(records);
    expect(reopened.lastState()).toBe('t3');
    expect(await reopened.commit([message('102', 5)], { state: 't4' })).toMatchObject({ seq: 4, written: 1 });
    faulty.expectAllFaultsExercised();
  });

  it('a put cut midway is never visible', async () => {
    const faulty = new FaultyBackend(new MemoryBackend(), {
      put: { key: /segments\/000000000004-/, afterBytes: 40, error: true },
    });
    const { journal, records } = await committed(faulty);
    await expect(journal.commit([message('102', 5)], { state: 't4' })).rejects.toThrow();
    const reopened = await Journal.open({ backend: faulty, prefix });
    expect(await allRecords(reopened)).toEqual(records);
    expect(reopened.recovered).toEqual([]);
    faulty.expectAllFaultsExercised();
  });

  it('a commit durable but never acknowledged (crash before the caller saw it) is kept, and the replay is a no-op', async () => {
    const inner = new MemoryBackend();
    let failAfterPut = false;
    const backend: StorageBackend = {
      properties: inner.properties,
      put: async (key, b, o) => {
        await inner.put(key, b, o);
        if (failAfterPut) throw new Error('process died after the put');
      },
      get: (key, o) => inner.get(key, o),
      stat: (key, o) => inner.stat(key, o),
      list: (p, o) => inner.list(p, o),
      delete: (key, o) => inner.delete(key, o),
    };
    const { journal } = await committed(backend);
    failAfterPut = true;
    await expect(journal.commit([message('102', 5)], { state: 't4' })).rejects.toThrow('process died');
    failAfterPut = false;
    const reopened = await Journal.open({ backend, prefix });
    expect(reopened.lastState()).toBe('t4');
    expect(reopened.current().items.has('102')).toBe(true);
    // The caller, unsure, replays the batch with the same token: nothing is duplicated.
    expect(await reopened.commit([message('102', 5)], { state: 't4' })).toMatchObject({ noop: true, skipped: 1 });
    expect((await reopened.history('102')).length).toBe(1);
  });

  it('a failed checkpoint does not fail the commit, and reopen replays from the segments', async () => {
    const faulty = new FaultyBackend(new MemoryBackend(), { put: { key: /checkpoints\//, error: true } });
    const clock = new TestClock();
    const j = await Journal.open({ backend: faulty, prefix, clock: clock.read, checkpointMinRecords: 2 });
    await j.commit([...baseFolders(), message('100', 2)], { state: 'x' });
    const reopened = await Journal.open({ backend: faulty, prefix });
    expect(reopened.current()).toEqual(j.current());
    expect(reopened.stats().checkpoints).toBe(0);
    faulty.expectAllFaultsExercised();
  });

  it('a torn last segment, cut at every byte, is ignored and reported; nothing committed is lost', async () => {
    const backend = new MemoryBackend();
    const { journal, records, state } = await committed(backend);
    // With a checkpoint at batch 3, each open below reads it and the torn segment only.
    await journal.checkpoint();
    await journal.commit([message('102', 5), message('103', 5)], { state: 't4' });
    const keys = await segmentKeys(backend);
    const lastKey = keys.at(-1)!;
    const full = await readAll(backend, lastKey);
    for (let cut = 0; cut < full.length; cut++) {
      // A backend that tears writes (or a crash without a durable rename) leaves a prefix behind.
      await backend.put(lastKey, body(full.subarray(0, cut)));
      const j = await Journal.open({ backend, prefix, readOnly: true });
      expect(j.recovered).toHaveLength(1);
      expect(j.recovered[0]).toMatchObject({ key: lastKey, removed: false });
      expect(j.current()).toEqual(state);
      expect(j.lastState()).toBe('t3');
    }
    // A writable open removes the torn object and says so; the next commit takes its number.
    const warnings: unknown[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (obj: unknown) => warnings.push(obj) };
    const j = await Journal.open({ backend, prefix, logger });
    expect(j.recovered[0]).toMatchObject({ removed: true });
    expect(warnings).toEqual([expect.objectContaining({ key: lastKey, removed: true })]);
    expect(await backend.stat(lastKey)).toBeUndefined();
    expect(await allRecords(j)).toEqual(records);
    expect(await j.commit([message('102', 5)], { state: 't4' })).toMatchObject({ seq: 4, written: 1 });
  });

  it('a bit flip in the last single-commit segment is a torn tail, in a middle one ZB_JOURNAL_CORRUPT', async () => {
    const backend = new MemoryBackend();
    await committed(backend);
    const keys = await segmentKeys(backend);
    const flip = async (key: string) => {
      const buf = Buffer.from(await readAll(backend, key));
      buf[Math.floor(buf.length / 2)]! ^= 0x01;
      await backend.put(key, body(buf));
      return buf;
    };
    await flip(keys[2]!);
    const tail = await Journal.open({ backend, prefix, readOnly: true });
    expect(tail.recovered).toEqual([
      expect.objectContaining({ key: keys[2], reason: expect.stringMatching(/checksum|JSON|malformed/) }),
    ]);
    expect(tail.lastState()).toBe('t2');
    await flip(keys[1]!);
    const err = await Journal.open({ backend, prefix }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ZB_JOURNAL_CORRUPT', data: { key: keys[1] } });
    // Nothing was deleted by the failed open.
    expect(await segmentKeys(backend)).toEqual(keys);
  });

  it('hostile segments with valid checksums are still rejected: bad record, lying header, huge line', async () => {
    const clock = new TestClock();
    const hostile = [
      // A well-framed record that is not a record.
      [encodeLine({ type: 'segment', v: 1, first: 1, last: 1 }), encodeLine({ type: 'item', kind: 'blob', id: '1' })],
      // A header that does not match the object name.
      [encodeLine({ type: 'segment', v: 1, first: 7, last: 7 })],
      // One line far beyond the limit, no newline.
      ['x'.repeat(17 * 1024 * 1024)],
    ];
    for (const lines of hostile) {
      const backend = new MemoryBackend();
      await committed(backend, clock);
      const key1 = segmentKey(prefix, 1, 1, 1_700_000_000_000, 1_700_000_000_000);
      await backend.put(key1, body(Buffer.from(lines.join(''))));
      await expect(Journal.open({ backend, prefix })).rejects.toMatchObject({
        code: 'ZB_JOURNAL_CORRUPT',
        data: { key: key1 },
      });
      clock.now = 1_700_000_000_000;
    }
  });

  it('a missing middle segment is ZB_JOURNAL_CORRUPT', async () => {
    const backend = new MemoryBackend();
    await committed(backend);
    const keys = await segmentKeys(backend);
    await backend.delete(keys[1]!);
    await expect(Journal.open({ backend, prefix })).rejects.toMatchObject({
      code: 'ZB_JOURNAL_CORRUPT',
      data: { missingFrom: 2, missingTo: 2 },
    });
  });

  it('corruption behind a checkpoint surfaces on the queries that need it', async () => {
    const backend = new MemoryBackend();
    const clock = new TestClock();
    const j = await Journal.open({ backend, prefix, clock: clock.read, checkpointMinRecords: 1 });
    await j.commit([...baseFolders(), message('100', 2)]);
    const t1 = clock.now;
    clock.advance(1000);
    await j.commit([message('100', 3)]);
    clock.advance(1000);
    await j.commit([message('100', 4)]);
    const keys = await segmentKeys(backend);
    await backend.put(keys[0]!, body(Buffer.from('garbage\n')));
    const reopened = await Journal.open({ backend, prefix });
    expect(reopened.current().items.get('100')?.modifiedSequence).toBe(4);
    await expect(reopened.stateAt(t1 - 1)).resolves.toMatchObject({ seq: 0 });
    await expect(reopened.history('100')).rejects.toMatchObject({ code: 'ZB_JOURNAL_CORRUPT', data: { key: keys[0] } });
  });

  it('a damaged checkpoint is skipped with a report; the state comes from the segments', async () => {
    const backend = new MemoryBackend();
    const j = await Journal.open({ backend, prefix, checkpointMinRecords: 1 });
    await j.commit([...baseFolders(), message('100', 2)]);
    await j.commit([message('101', 3)]);
    const cps: string[] = [];
    for await (const o of backend.list(`${prefix}journal/checkpoints/`)) cps.push(o.key);
    const newest = cps.sort().at(-1)!;
    const buf = await readAll(backend, newest);
    await backend.put(newest, body(buf.subarray(0, buf.length - 3)));
    const reopened = await Journal.open({ backend, prefix });
    expect(reopened.recovered).toEqual([expect.objectContaining({ key: newest, removed: true })]);
    expect(reopened.current()).toEqual(j.current());
  });
});

describe('torn tail on the local backend', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a truncated segment file written straight to disk is ignored, deleted, and its number reused', async () => {
    dir = await mkdtemp(join(tmpdir(), 'zb-journal-'));
    const backend = new LocalBackend({ root: dir });
    const { records, state } = await committed(backend);
    const segDir = join(dir, 'accounts', 'acc-1', 'journal', 'segments');
    const names = (await readdir(segDir)).sort();
    const last = names.at(-1)!;
    const full = await readFile(join(segDir, last));
    // Pretend a fourth commit crashed mid-write, with no atomic rename to protect it.
    const torn = full.subarray(0, full.length - 7);
    const tornName = last.replace(/^000000000003-000000000003/, '000000000004-000000000004');
    await writeFile(join(segDir, tornName), torn);
    const j = await Journal.open({ backend, prefix });
    expect(j.recovered).toEqual([
      { key: `${prefix}journal/segments/${tornName}`, reason: expect.any(String), removed: true },
    ]);
    expect(j.current()).toEqual(state);
    expect(await allRecords(j)).toEqual(records);
    expect((await readdir(segDir)).sort()).toEqual(names);
    expect(await j.commit([message('200', 9)])).toMatchObject({ seq: 4 });
    const again = await Journal.open({ backend, prefix });
    expect(again.recovered).toEqual([]);
    expect(again.current().items.has('200')).toBe(true);
  });
});
