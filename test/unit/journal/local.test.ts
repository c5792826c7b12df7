import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../../src/journal/index.js';
import { LocalBackend } from '../../../src/store/backends/local.js';
import { baseFolders, del, folder, message, TestClock } from './helpers.js';

const prefix = 'accounts/local-1/';

describe('journal on the local backend', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('commits, answers stateAt/deletedBetween, compacts and reopens the same', async () => {
    dir = await mkdtemp(join(tmpdir(), 'zb-journal-local-'));
    const backend = new LocalBackend({ root: dir });
    const clock = new TestClock();
    const j = await Journal.open({
      backend,
      prefix,
      clock: clock.read,
      compactAfterSegments: 3,
      checkpointMinRecords: 4,
    });
    await j.commit([...baseFolders(), folder('20', '2', 'A', 2), message('100', 3, { folderId: '20' })], { state: 1 });
    const t0 = clock.now;
    for (let i = 1; i <= 5; i++) {
      clock.advance(1000);
      await j.commit([message(String(100 + i), 3 + i)], { state: 1 + i });
    }
    clock.advance(1000);
    await j.commit([del('20', 20, 'folder')], { state: 7 });
    const s0 = await j.stateAt(t0);
    const gone = await j.deletedBetween(t0, clock.now);
    expect(gone.map((d) => d.id).sort()).toEqual(['100', '20']);
    await j.compact();
    const reopened = await Journal.open({ backend, prefix });
    expect(reopened.current()).toEqual(j.current());
    expect(await reopened.stateAt(t0)).toEqual(s0);
    expect(await reopened.deletedBetween(t0, clock.now)).toEqual(gone);
    expect(reopened.lastState()).toBe(7);
    expect(reopened.stats().segments).toBe(1);
  });
});
