import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { Journal, type JournalRecordInput } from '../../../src/journal/index.js';
import { baseFolders, del, digestOf, folder, message, TestClock } from './helpers.js';

const prefix = 'accounts/0b9e2c1a-1111-2222-3333-444455556666/';

async function fresh(clock = new TestClock()) {
  const backend = new MemoryBackend();
  const journal = await Journal.open({ backend, prefix, clock: clock.read });
  return { backend, journal, clock };
}

describe('Journal records', () => {
  it('round-trips every record kind through a reopen', async () => {
    const { backend, journal, clock } = await fresh();
    const records: JournalRecordInput[] = [
      ...baseFolders(),
      { type: 'item', kind: 'tag', id: '64', name: 'urgent', modifiedSequence: 2, meta: { color: 5 } },
      message('257', 3, { flags: 'uf', tags: ['urgent'], tagIds: ['64'], dateMs: 1_699_999_999_123, savedSequence: 3 }),
      {
        type: 'item',
        kind: 'contact',
        id: '300',
        folderId: '7',
        modifiedSequence: 4,
        meta: { fields: { email: 'a@b.c', firstName: 'Ann' }, parts: { image: digestOf(9) } },
      },
      {
        type: 'item',
        kind: 'appointment',
        id: '301',
        folderId: '10',
        modifiedSequence: 5,
        digest: digestOf(10),
        meta: { uid: 'abc@zimbra' },
      },
      {
        type: 'item',
        kind: 'task',
        id: '302',
        folderId: '15',
        modifiedSequence: 6,
        digest: digestOf(11),
        meta: { uid: 'task-1' },
      },
      {
        type: 'item',
        kind: 'document',
        id: '303',
        folderId: '16',
        name: 'report é.pdf',
        modifiedSequence: 7,
        digest: digestOf(12),
        size: 5,
      },
      {
        type: 'item',
        kind: 'search',
        id: '304',
        folderId: '1',
        name: 'unread',
        modifiedSequence: 8,
        meta: { query: 'is:unread' },
      },
      {
        type: 'item',
        kind: 'mountpoint',
        id: '305',
        folderId: '1',
        name: 'Shared',
        modifiedSequence: 9,
        meta: { ownerId: 'x', remoteId: '2' },
      },
      { type: 'account', attrs: { zimbraPrefLocale: 'fr', zimbraMailAlias: ['a@x', 'b@x'] }, changeMs: 1 },
      { type: 'resync', reason: 'mail.MUST_RESYNC' },
      del('303', 10, 'document'),
      { type: 'account-deleted', changeMs: 2 },
    ];
    const res = await journal.commit(records, { state: { token: '42', more: false } });
    expect(res).toMatchObject({ seq: 1, written: records.length, skipped: 0, noop: false, captureMs: clock.now });
    const got: unknown[] = [];
    for await (const r of journal.records()) got.push(r);
    expect(got).toEqual(records.map((r) => ({ ...r, captureMs: clock.now })));

    const reopened = await Journal.open({ backend, prefix });
    const again: unknown[] = [];
    for await (const r of reopened.records()) again.push(r);
    expect(again).toEqual(got);
    expect(reopened.lastState()).toEqual({ token: '42', more: false });
    const state = reopened.current();
    expect(state.items.has('303')).toBe(false);
    expect(state.items.get('257')).toMatchObject({ flags: 'uf', tags: ['urgent'] });
    expect(state.accountDeleted).toBe(true);
    expect(state.account?.attrs).toEqual({ zimbraPrefLocale: 'fr', zimbraMailAlias: ['a@x', 'b@x'] });
    expect([...state.folders.values()].map((f) => [f.record.id, f.path]).sort()).toEqual([
      ['1', '/'],
      ['2', '/Inbox'],
      ['304', '/unread'],
      ['305', '/Shared'],
      ['5', '/Sent'],
    ]);
    expect([...state.tags.keys()]).toEqual(['64']);
  });

  it('rejects malformed records with ZB_INVALID_ARGUMENT naming the field', async () => {
    const { journal } = await fresh();
    await expect(
      journal.commit([{ type: 'item', kind: 'message', id: '' } as JournalRecordInput]),
    ).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
    await expect(
      journal.commit([{ type: 'item', kind: 'blob', id: '1' } as unknown as JournalRecordInput]),
    ).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
    await expect(journal.commit([message('1', 1, { digest: 'ABC' })])).rejects.toMatchObject({
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'digest' },
    });
    await expect(journal.commit([message('1', 1, { size: Number.NaN })])).rejects.toMatchObject({
      data: { field: 'size' },
    });
    await expect(journal.commit([], { state: { bad: () => 1 } as never })).rejects.toMatchObject({
      data: { field: 'state' },
    });
    await expect(journal.commit([message('1', 1, { meta: { when: new Date() } as never })])).rejects.toMatchObject({
      data: { field: 'meta' },
    });
    await expect(journal.commit([message('1', 1)], { captureMs: Number.NaN })).rejects.toMatchObject({
      data: { field: 'captureMs' },
    });
    expect(journal.stats().lastSeq).toBe(0);
  });

  it('copies committed records: later caller mutations do not leak in', async () => {
    const { journal } = await fresh();
    const rec = message('9', 1, { tags: ['a'] });
    await journal.commit([rec]);
    (rec as { tags: string[] }).tags.push('b');
    expect(journal.current().items.get('9')?.tags).toEqual(['a']);
  });
});

describe('Journal idempotence', () => {
  it('drops replayed versions and keeps the new cursor', async () => {
    const { backend, journal, clock } = await fresh();
    const batch = [...baseFolders(), message('257', 3), message('258', 4)];
    await journal.commit(batch, { state: 't1' });
    clock.advance(1000);
    await journal.commit([message('257', 6, { flags: 'f' }), del('258', 7)], { state: 't2' });
    clock.advance(1000);
    // A crash-and-resume replays both batches (older versions too) with the old token.
    const replay1 = await journal.commit(batch, { state: 't1' });
    expect(replay1).toMatchObject({ written: 0, skipped: batch.length, noop: false });
    const replay2 = await journal.commit([message('257', 6, { flags: 'f' }), del('258', 7)], { state: 't2' });
    expect(replay2).toMatchObject({ written: 0, skipped: 2 });
    const noop = await journal.commit([message('257', 5)], { state: 't2' });
    expect(noop).toMatchObject({ noop: true, written: 0, skipped: 1 });
    expect(journal.current().items.get('257')?.modifiedSequence).toBe(6);
    expect(journal.current().items.has('258')).toBe(false);

    const reopened = await Journal.open({ backend, prefix });
    expect(await reopened.commit(batch)).toMatchObject({ written: 0, skipped: batch.length, noop: true });
    const versions = await reopened.history('257');
    expect(versions.map((v) => v.modifiedSequence)).toEqual([3, 6]);
    expect(reopened.lastState()).toBe('t2');
  });

  it('without sequences, an identical version (any key order) is a replay and a changed one is not', async () => {
    const { journal } = await fresh();
    await journal.commit([{ type: 'item', kind: 'tag', id: '70', name: 'x', meta: { color: 1, rgb: '#fff' } }]);
    expect(
      await journal.commit([{ meta: { rgb: '#fff', color: 1 }, name: 'x', id: '70', kind: 'tag', type: 'item' }]),
    ).toMatchObject({ noop: true });
    expect(
      await journal.commit([{ type: 'item', kind: 'tag', id: '70', name: 'y', meta: { color: 1, rgb: '#fff' } }]),
    ).toMatchObject({ written: 1 });
  });

  it('dedupes within one batch and treats an unknown delete as new once', async () => {
    const { journal } = await fresh();
    const r = await journal.commit([message('1', 1), message('1', 1), del('99'), del('99')]);
    expect(r).toMatchObject({ written: 2, skipped: 2 });
    expect(await journal.commit([del('99')])).toMatchObject({ noop: true });
  });

  it('an item moved out of a folder after the folder delete comes back with a higher sequence', async () => {
    const { journal } = await fresh();
    await journal.commit([...baseFolders(), folder('20', '2', 'Sub', 2), message('500', 3, { folderId: '20' })]);
    await journal.commit([del('20', 4, 'folder')]);
    expect(journal.current().items.has('500')).toBe(false);
    expect(await journal.commit([message('500', 3, { folderId: '20' })])).toMatchObject({ noop: true });
    expect(await journal.commit([message('500', 5, { folderId: '2' })])).toMatchObject({ written: 1 });
    expect(journal.current().items.get('500')?.folderId).toBe('2');
  });
});

describe('Journal point-in-time queries', () => {
  async function timeline() {
    const env = await fresh();
    const { journal, clock } = env;
    const t: number[] = [];
    await journal.commit(
      [
        ...baseFolders(),
        folder('20', '2', 'Projects', 2),
        folder('21', '20', 'Alpha', 2),
        message('100', 3),
        message('101', 3, { folderId: '21' }),
      ],
      { state: 'a' },
    );
    t.push(clock.now); // t0: initial
    clock.advance(60_000);
    await journal.commit([message('100', 4, { flags: 'u' }), message('102', 5, { folderId: '20' })], { state: 'b' });
    t.push(clock.now); // t1
    clock.advance(60_000);
    await journal.commit([del('20', 6, 'folder'), del('100', 6, 'message')], { state: 'c' });
    t.push(clock.now); // t2: Projects (with Alpha, 101, 102) and 100 gone
    clock.advance(60_000);
    await journal.commit([message('103', 7)], { state: 'd' });
    t.push(clock.now); // t3
    return { ...env, t };
  }

  it('stateAt replays up to the instant, inclusive, at several instants', async () => {
    const { journal, t } = await timeline();
    const before = await journal.stateAt(t[0]! - 1);
    expect(before.items.size).toBe(0);
    expect(before.seq).toBe(0);
    const s0 = await journal.stateAt(t[0]!);
    expect([...s0.items.keys()].sort()).toEqual(['1', '100', '101', '2', '20', '21', '5']);
    expect(s0.folders.get('21')?.path).toBe('/Inbox/Projects/Alpha');
    expect(s0.cursor).toBe('a');
    const s1 = await journal.stateAt(t[1]! + 30_000);
    expect(s1.items.get('100')?.flags).toBe('u');
    expect(s1.items.has('102')).toBe(true);
    expect(s1.cursor).toBe('b');
    const s2 = await journal.stateAt(t[2]!);
    expect([...s2.items.keys()].sort()).toEqual(['1', '2', '5']);
    const s3 = await journal.stateAt(t[3]! + 1e9);
    expect([...s3.items.keys()].sort()).toEqual(['1', '103', '2', '5']);
    expect(s3).toEqual(journal.current());
  });

  it('deletedBetween lists explicit deletes and the contents of deleted folders with their last versions', async () => {
    const { journal, t } = await timeline();
    const gone = await journal.deletedBetween(t[1]!, t[2]!);
    const byId = new Map(gone.map((d) => [d.id, d]));
    expect([...byId.keys()].sort()).toEqual(['100', '101', '102', '20', '21']);
    expect(byId.get('100')).toMatchObject({
      kind: 'message',
      deletedCaptureMs: t[2],
      lastVersion: { modifiedSequence: 4, flags: 'u' },
    });
    expect(byId.get('100')?.viaFolderId).toBeUndefined();
    expect(byId.get('21')).toMatchObject({ kind: 'folder', viaFolderId: '20' });
    expect(byId.get('101')).toMatchObject({ viaFolderId: '20', lastVersion: { folderId: '21' } });
    expect(await journal.deletedBetween(t[2]!, t[3]!)).toEqual([]);
    expect(await journal.deletedBetween(t[0]! - 10, t[1]!)).toEqual([]);
    await expect(journal.deletedBetween(5, 1)).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
  });

  it('history lists versions and the folder-cascade deletion', async () => {
    const { journal, t } = await timeline();
    const h = await journal.history('101');
    expect(h.map((r) => r.type)).toEqual(['item', 'delete']);
    expect(h[1]).toMatchObject({ type: 'delete', viaFolderId: '20', captureMs: t[2] });
    expect((await journal.history('100')).map((r) => [r.type, r.modifiedSequence])).toEqual([
      ['item', 3],
      ['item', 4],
      ['delete', 6],
    ]);
    expect(await journal.history('nope')).toEqual([]);
  });

  it('records({from, to}) streams only the batches captured in the range', async () => {
    const { journal, t } = await timeline();
    const ids: string[] = [];
    for await (const r of journal.records({ from: t[1], to: t[2] }))
      ids.push(r.type === 'item' || r.type === 'delete' ? r.id : r.type);
    expect(ids).toEqual(['100', '102', '20', '100']);
  });

  it('capture times never go backwards, even when the clock does', async () => {
    const { journal, clock } = await fresh();
    await journal.commit([message('1', 1)]);
    const first = clock.now;
    clock.advance(-5000);
    const r = await journal.commit([message('1', 2)]);
    expect(r.captureMs).toBe(first);
  });
});

describe('Journal lifecycle', () => {
  it('refuses commits when read-only or closed', async () => {
    const { backend, journal } = await fresh();
    await journal.commit([message('1', 1)]);
    const ro = await Journal.open({ backend, prefix, readOnly: true });
    await expect(ro.commit([message('2', 1)])).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
    await journal.close();
    await expect(journal.commit([message('2', 1)])).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
  });

  it('serializes concurrent commits into consecutive batches', async () => {
    const { backend, journal } = await fresh();
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => journal.commit([message(String(n), n)], { state: n })),
    );
    expect(results.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    const reopened = await Journal.open({ backend, prefix });
    expect(reopened.lastState()).toBe(5);
    expect(reopened.current().items.size).toBe(5);
  });

  it('an aborted commit writes nothing', async () => {
    const { backend, journal } = await fresh();
    const ac = new AbortController();
    ac.abort();
    await expect(journal.commit([message('1', 1)], { signal: ac.signal })).rejects.toMatchObject({
      code: 'ZB_ABORTED',
    });
    expect(backend.size).toBe(0);
    expect(await journal.commit([message('1', 1)])).toMatchObject({ seq: 1 });
  });

  it('a reader sees the journal as of its open; a new open sees later commits', async () => {
    const { backend, journal } = await fresh();
    await journal.commit([message('1', 1)], { state: 'a' });
    const reader = await Journal.open({ backend, prefix, readOnly: true });
    await journal.commit([message('2', 2)], { state: 'b' });
    expect(reader.lastState()).toBe('a');
    expect((await Journal.open({ backend, prefix, readOnly: true })).lastState()).toBe('b');
  });

  it('rejects a hostile prefix', async () => {
    await expect(Journal.open({ backend: new MemoryBackend(), prefix: '../x/' })).rejects.toMatchObject({
      code: 'ZB_INVALID_ARGUMENT',
    });
  });
});
