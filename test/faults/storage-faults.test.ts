import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { toStorageError } from '../../src/store/backends/storage-error.js';
import { checkReferencedBlobs, committedRecords, lostRecords } from './support/verify-repository.js';
import { faultFixture, treeOf, type FaultFixture } from './support/fault-fixture.js';

// Storage faults around the repository backend (issue 7 "Faults"): transient S3-like errors are
// retried and the run completes; ENOSPC is permanent and stops the account with a typed error;
// either way nothing committed is lost and every referenced blob verifies.
let fx: FaultFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** What LocalBackend throws when the disk is full: fs's ENOSPC wrapped as a permanent ZB_STORAGE. */
function enospc(): Error {
  const fsError = Object.assign(new Error('ENOSPC: no space left on device, write'), {
    code: 'ENOSPC',
    errno: -28,
    syscall: 'write',
  });
  return toStorageError(fsError, 'put', 'blobs/injected');
}

describe('backup over a faulty storage backend', () => {
  it('transient errors on put, get and list (S3 500/503-like) are retried; the run completes', async () => {
    fx = await faultFixture();
    const { client, repo, faulty } = fx;
    faulty.add({
      put: [
        { key: /^packs\//, times: 4 },
        { key: /^packindex\//, times: 2 },
        { key: /^accounts\//, times: 2 },
      ],
      // Format v2 backs up without a single stat or get (the index is listed and held in memory);
      // the check afterwards reads the packs through the same faulty storage.
      get: { key: /^packs\//, times: 3 },
      list: { times: 1 },
    });
    const r = await new BackupEngine({ client, repository: repo }).run();
    expect(r.failures).toEqual([]);
    expect(await fx.check(repo)).toEqual([]);
    faulty.expectAllFaultsExercised();
  });

  it('ENOSPC on blob writes stops with a typed error; what was committed stays; the next run converges', async () => {
    fx = await faultFixture();
    const { emu, client, repo, faulty } = fx;
    const ids = emu.accounts().map((a) => a.id);
    await new BackupEngine({ client, repository: repo }).run();
    const before = await committedRecords(repo, ids);
    const user = emu.accounts().find((a) => !a.name.startsWith('admin@'))!;
    for (let i = 0; i < 5; i++) emu.deliver(user.name, `Subject: disk full ${i}\r\n\r\n${'z'.repeat(3000 + i)}\r\n`);
    faulty.add({ put: { key: /^packs\//, error: enospc, times: 1 } });
    const r = await new BackupEngine({ client, repository: repo }).run();
    faulty.expectAllFaultsExercised();
    // The account stops at the first permanent error (typed), instead of failing item after item.
    expect(r.failures).toEqual([{ accountId: user.id, error: expect.stringMatching(/^ZB_STORAGE: .*ENOSPC/) }]);
    // Nothing from before was lost, no reference to an unwritten blob, no stray temp file.
    expect(lostRecords(before, await committedRecords(repo, ids))).toEqual([]);
    const reopened = await fx.reopen();
    expect((await checkReferencedBlobs(reopened, ids)).problems).toEqual([]);
    expect((await treeOf(fx.repoDir)).filter((f) => /\.tmp-/.test(f))).toEqual([]);
    // Space is back: the next run picks the failed items up and converges.
    const again = await new BackupEngine({ client, repository: reopened }).run();
    expect(again.failures).toEqual([]);
    expect(await fx.check(reopened)).toEqual([]);
  });

  it('ENOSPC on journal commits fails the account with a typed error and leaves the journal readable', async () => {
    fx = await faultFixture();
    const { emu, client, repo, faulty } = fx;
    const ids = emu.accounts().map((a) => a.id);
    await new BackupEngine({ client, repository: repo }).run();
    const before = await committedRecords(repo, ids);
    const user = emu.accounts().find((a) => !a.name.startsWith('admin@'))!;
    emu.deliver(user.name, 'Subject: journal full\r\n\r\nbody\r\n');
    faulty.add({ put: { key: /^accounts\/[^/]+\/(?!.*\.json$)/, error: enospc, times: 1 } });
    const r = await new BackupEngine({ client, repository: repo }).run().catch((err: unknown) => err);
    faulty.expectAllFaultsExercised();
    const errors =
      r instanceof Error
        ? [String((r as { code?: string }).code ?? r.message)]
        : (r as { failures: Array<{ error: string }> }).failures.map((f) => f.error);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e).toMatch(/^ZB_STORAGE: .*ENOSPC/);
    expect(lostRecords(before, await committedRecords(await fx.reopen(), ids))).toEqual([]);
    const again = await new BackupEngine({ client, repository: await fx.reopen() }).run();
    expect(again.failures).toEqual([]);
    expect(await fx.check()).toEqual([]);
  });
});
