import { describe, expect, it } from 'vitest';
import { accountCoverage, itemHistory } from '../../../src/catalog/index.js';
import { initRepository } from '../../../src/repository/repository.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { baseFolders, del, folder, message } from '../journal/helpers.js';

const ID = '6b0b2c8e-3f1a-4c2d-9e8f-0123456789ab';

async function fixture() {
  const repo = await initRepository({ backend: new MemoryBackend() });
  await repo.writeAccounts([{ id: ID, name: 'ann@example.com', firstSeenMs: 1000, lastSeenMs: 4000 }]);
  let now = 1000;
  const j = await repo.journal(ID, { clock: () => now });
  await j.commit([...baseFolders(), folder('300', '1', 'Projects', 1), message('257', 2)]);
  now = 2000;
  await j.commit([message('257', 3, { folderId: '300' })]);
  now = 3000;
  await j.commit([message('258', 4, { folderId: '300' })]);
  now = 4000;
  await j.commit([del('300', 5, 'folder')]);
  await j.close();
  return repo;
}

describe('itemHistory', () => {
  it('lists every version and the deletion that came with the folder, oldest first', async () => {
    const repo = await fixture();
    const h = await itemHistory({ repository: repo, account: 'ANN@example.com', itemId: '257' });
    expect(h).toMatchObject({ accountId: ID, accountName: 'ann@example.com', itemId: '257' });
    expect(h.entries.map((e) => [e.type, e.captureMs])).toEqual([
      ['item', 1000],
      ['item', 2000],
      ['delete', 4000],
    ]);
    expect(h.entries[2]).toMatchObject({ type: 'delete', viaFolderId: '300' });
  });

  it('is empty for an item never seen, refuses a malformed id and an unknown account', async () => {
    const repo = await fixture();
    expect((await itemHistory({ repository: repo, account: ID, itemId: '999' })).entries).toEqual([]);
    await expect(itemHistory({ repository: repo, account: ID, itemId: '../1' })).rejects.toMatchObject({
      code: 'ZB_UNSAFE_PATH',
    });
    await expect(itemHistory({ repository: repo, account: 'bob@example.com', itemId: '1' })).rejects.toMatchObject({
      code: 'ZB_NOT_FOUND',
    });
  });
});

describe('accountCoverage', () => {
  it('spans the first kept record to the last commit', async () => {
    const repo = await fixture();
    expect(await accountCoverage({ repository: repo, account: ID })).toEqual({
      accountId: ID,
      accountName: 'ann@example.com',
      firstCaptureMs: 1000,
      lastCaptureMs: 4000,
    });
  });

  it('has no first capture for an account with nothing committed', async () => {
    const repo = await initRepository({ backend: new MemoryBackend() });
    await repo.writeAccounts([{ id: ID, name: 'ann@example.com', firstSeenMs: 1, lastSeenMs: 1 }]);
    expect(await accountCoverage({ repository: repo, account: ID })).toEqual({
      accountId: ID,
      accountName: 'ann@example.com',
      lastCaptureMs: 0,
    });
  });
});
