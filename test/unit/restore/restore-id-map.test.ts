import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RestoreIdMap } from '../../../src/restore/restore-id-map.js';
import { restoreIdOf } from '../../../src/restore/restore-id.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import type { StorageBackend } from '../../../src/store/backends/backend.js';

describe('restoreIdOf', () => {
  it('is deterministic, order-independent and differs per operation', () => {
    const a = restoreIdOf('undelete', { account: 'x', from: 1, to: 2 });
    expect(a).toBe(restoreIdOf('undelete', { to: 2, from: 1, account: 'x' }));
    expect(a).toMatch(/^undelete-[0-9a-f]{24}$/);
    expect(a).not.toBe(restoreIdOf('undelete', { account: 'x', from: 1, to: 3 }));
    expect(a).not.toBe(restoreIdOf('restore-items', { account: 'x', from: 1, to: 2 }));
    expect(restoreIdOf('r', { a: 1, b: undefined })).toBe(restoreIdOf('r', { a: 1 }));
  });
});

describe('RestoreIdMap', () => {
  it('persists entries in chunks and reads them back on reopen', async () => {
    const backend = new MemoryBackend();
    const m = await RestoreIdMap.open({ backend, restoreId: 'r-1', flushEvery: 2, flushIntervalMs: 0 });
    m.set('message:1', '300');
    m.set('message:2', '301');
    await m.flush();
    m.set('contact:3', '302');
    await m.close();
    const keys: string[] = [];
    for await (const o of backend.list('restores/r-1/map/')) keys.push(o.key);
    expect(keys.length).toBe(2);
    const again = await RestoreIdMap.open({ backend, restoreId: 'r-1' });
    expect(again.size).toBe(3);
    expect(again.get('contact:3')).toBe('302');
    expect(again.get('message:9')).toBeUndefined();
  });

  it('flushes on the interval without an explicit close', async () => {
    const backend = new MemoryBackend();
    const m = await RestoreIdMap.open({ backend, restoreId: 'r-2', flushEvery: 100, flushIntervalMs: 10 });
    m.set('message:1', '2');
    await new Promise((r) => setTimeout(r, 50));
    expect((await RestoreIdMap.open({ backend, restoreId: 'r-2' })).get('message:1')).toBe('2');
    await m.close();
  });

  it('read-only maps (dry runs) never write', async () => {
    const backend = new MemoryBackend();
    const m = await RestoreIdMap.open({ backend, restoreId: 'r-3', readOnly: true });
    m.set('message:1', '2');
    await m.writeOperation({ op: 'x' });
    await m.close();
    for await (const _ of backend.list('restores/')) throw new Error('wrote something');
  });

  it('stores the operation record and rejects a corrupt chunk and a hostile id', async () => {
    const backend = new MemoryBackend();
    const m = await RestoreIdMap.open({ backend, restoreId: 'r-4' });
    expect(await m.readOperation()).toBeUndefined();
    await m.writeOperation({ op: 'undelete', folder: '/Restored' });
    expect(await m.readOperation()).toEqual({ op: 'undelete', folder: '/Restored' });
    const bad = Buffer.from('{not json');
    await backend.put('restores/r-4/map/000-bad.json', { size: bad.length, open: () => Readable.from([bad]) });
    await expect(RestoreIdMap.open({ backend, restoreId: 'r-4' })).rejects.toMatchObject({
      code: 'ZB_REPOSITORY_CORRUPT',
    });
    await expect(RestoreIdMap.open({ backend, restoreId: '../x' })).rejects.toMatchObject({ code: 'ZB_UNSAFE_PATH' });
  });

  it('keeps entries pending when a chunk write fails, and writes them on the next flush', async () => {
    const backend = new MemoryBackend();
    let fail = true;
    const flaky: StorageBackend = {
      properties: backend.properties,
      get: backend.get.bind(backend),
      stat: backend.stat.bind(backend),
      list: backend.list.bind(backend),
      delete: backend.delete.bind(backend),
      put: async (key, body, opts) => {
        if (fail) throw Object.assign(new Error('disk full'), { code: 'ZB_STORAGE' });
        return backend.put(key, body, opts);
      },
    };
    const m = await RestoreIdMap.open({ backend: flaky, restoreId: 'r-5', flushIntervalMs: 0 });
    m.set('message:1', '2');
    await expect(m.flush()).rejects.toThrow('disk full');
    fail = false;
    await m.close();
    expect((await RestoreIdMap.open({ backend, restoreId: 'r-5' })).get('message:1')).toBe('2');
  });
});
