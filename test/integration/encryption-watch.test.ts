/** Real-time capture (watch) into an encrypted repository (issue 12): commits land sealed and readable. */
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountRunResult } from '../../src/backup/account-backup.js';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { openRepository } from '../../src/repository/repository.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function until(pred: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('watch into an encrypted repository', () => {
  it('captures new mail in real time; a reader with the password sees it, none without', async () => {
    fx = await backupFixture({ encrypted: true });
    const { emu, client, repo } = fx;
    const acct = emu.createAccount('rt-enc@example.test', 'pw-rt');
    emu.deliver(acct.name, 'Subject: first\r\n\r\nhello\r\n');
    const runs: AccountRunResult[] = [];
    const engine = new BackupEngine({
      client,
      repository: repo,
      waitSetTimeoutSeconds: 5,
      onAccountRun: (r) => runs.push(r),
    });
    const stop = new AbortController();
    const watching = engine.watch({ signal: stop.signal });
    await until(() => runs.some((r) => r.accountId === acct.id));
    const later = emu.deliver(acct.name, 'Subject: WATCHED-SECRET\r\n\r\ncaptured while watching\r\n');
    await until(async () => (await journalState(repo, acct.id)).items.has(String(later)));
    stop.abort();
    expect((await watching).failures).toEqual([]);

    const backend = repo.backend as unknown as { inner: typeof repo.backend };
    await expect(openRepository({ backend: backend.inner })).rejects.toMatchObject({ code: 'ZB_KEY_REQUIRED' });
    const reader = await openRepository({ backend: backend.inner, password: 'fixture password' });
    const state = await journalState(reader, acct.id);
    expect(diffMailbox(emu, acct.name, state)).toEqual([]);
    for await (const { key } of backend.inner.list('')) {
      const chunks: Buffer[] = [];
      for await (const c of await backend.inner.get(key)) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).includes(Buffer.from('WATCHED-SECRET')), key).toBe(false);
    }
  });
});
