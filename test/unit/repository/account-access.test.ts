import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../../src/journal/journal.js';
import { accountPrefix, directoryDumpKey } from '../../../src/repository/layout.js';
import { initRepository } from '../../../src/repository/repository.js';
import { cursorStateOf } from '../../../src/repository/cursor-state.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { folder } from '../journal/helpers.js';

const ID = '6b0b2c8e-3f1a-4c2d-9e8f-0123456789ab';
const OTHER = '7c1c3d9f-4a2b-4d3e-8f90-123456789abc';

describe('Repository per-account access', () => {
  it('accounts() is empty without an index and returns what writeAccounts stored, sorted by name', async () => {
    const repo = await initRepository({ backend: new MemoryBackend() });
    expect(await repo.accounts()).toEqual([]);
    await repo.writeAccounts([
      { id: OTHER, name: 'zed@example.com', firstSeenMs: 1, lastSeenMs: 2 },
      { id: ID, name: 'amy@example.com', firstSeenMs: 1, lastSeenMs: 2 },
    ]);
    expect((await repo.accounts()).map((a) => a.name)).toEqual(['amy@example.com', 'zed@example.com']);
  });

  it('findAccount matches id or name case-insensitively, prefers a live entry, and finds an unindexed id with data', async () => {
    const repo = await initRepository({ backend: new MemoryBackend() });
    await repo.writeAccounts([
      { id: OTHER, name: 'amy@example.com', firstSeenMs: 1, lastSeenMs: 2, deletedMs: 3 },
      { id: ID, name: 'amy@example.com', firstSeenMs: 4, lastSeenMs: 5 },
    ]);
    expect((await repo.findAccount('AMY@example.com'))?.id).toBe(ID);
    expect((await repo.findAccount(OTHER.toUpperCase()))?.id).toBe(OTHER);
    const lost = '8d2d4e0a-5b3c-4e4f-9a01-23456789abcd';
    expect(await repo.findAccount(lost)).toBeUndefined();
    await expect(repo.requireAccount('nobody@example.com')).rejects.toMatchObject({ code: 'ZB_NOT_FOUND' });
    const j = await repo.journal(lost);
    await j.commit([folder('2', '1', 'Inbox', 1)]);
    await j.close();
    expect(await repo.findAccount(lost)).toMatchObject({ id: lost, name: lost });
  });

  it('journal(id) writes below accounts/<id>/journal/ and a read-only journal(id) sees the commits', async () => {
    const backend = new MemoryBackend();
    const repo = await initRepository({ backend });
    const writer = await repo.journal(ID);
    await writer.commit([folder('2', '1', 'Inbox', 1)], {
      state: { token: '7' },
    });
    await writer.close();
    const keys: string[] = [];
    for await (const o of backend.list(accountPrefix(ID))) keys.push(o.key);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k.startsWith(`accounts/${ID}/journal/`)).toBe(true);
    const reader = await repo.journal(ID.toUpperCase(), { readOnly: true });
    try {
      expect(reader.current().folders.size).toBe(1);
      expect(cursorStateOf(reader.lastState())).toEqual({ token: '7' });
      await expect(reader.commit([])).rejects.toMatchObject({ code: expect.stringMatching(/^ZB_/) });
    } finally {
      await reader.close();
    }
  });

  it('journal(id) refuses a hostile id', async () => {
    const repo = await initRepository({ backend: new MemoryBackend() });
    await expect(repo.journal('../../etc')).rejects.toMatchObject({ code: 'ZB_UNSAFE_PATH' });
  });

  it('a Journal opened on the journal folder itself is refused (it would read an empty journal/journal/)', async () => {
    const backend = new MemoryBackend();
    for (const prefix of [`accounts/${ID}/journal/`, `accounts/${ID}/journal`, 'journal/']) {
      await expect(Journal.open({ backend, prefix, readOnly: true })).rejects.toMatchObject({
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'prefix' },
      });
    }
  });

  it('directoryDumps() lists dump objects oldest first with their times, ignoring other keys', async () => {
    const backend = new MemoryBackend();
    const repo = await initRepository({ backend });
    const put = (key: string): Promise<void> => backend.put(key, { open: () => Readable.from([Buffer.from('x')]) });
    await put(directoryDumpKey(new Date('2026-11-26T05:00:00Z')));
    await put(directoryDumpKey(new Date('2026-11-25T05:00:00Z'), false));
    await put('directory/notes.txt');
    expect(await repo.directoryDumps()).toEqual([
      { key: 'directory/20261125T050000Z.ldif', takenMs: Date.parse('2026-11-25T05:00:00Z'), size: 1 },
      { key: 'directory/20261126T050000Z.ldif.gz', takenMs: Date.parse('2026-11-26T05:00:00Z'), size: 1 },
    ]);
  });

  it('cursorStateOf reads only objects', () => {
    expect(cursorStateOf(null)).toEqual({});
    expect(cursorStateOf('x')).toEqual({});
    expect(cursorStateOf([1])).toEqual({});
    expect(cursorStateOf({ token: '3', retry: [] })).toEqual({ token: '3', retry: [] });
  });
});
