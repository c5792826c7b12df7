// Accounts in maintenance: store/src/java/com/zimbra/soap/SoapEngine.java answers a mail command on
// behalf of an account whose zimbraAccountStatus is "maintenance" (for non-admins: anything but
// "active") with account.ACCOUNT_INACTIVE. The backup must report it, keep its history and never mark
// it deleted, and capture it on a later pass.
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { backupFixture, journalState, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('account in maintenance (SoapEngine.java)', () => {
  it('is reported, keeps its history, is not marked deleted, and is captured once active again', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    const u = emu.createAccount('maint@example.test', 'pw-maint-1');
    const first = emu.deliver(u.name, 'Subject: one\r\n\r\nx\r\n');
    const engine = new BackupEngine({ client, repository: repo });
    expect((await engine.run()).failures).toEqual([]);

    await client.modifyAccount(u.id, { zimbraAccountStatus: 'maintenance' });
    const second = emu.deliver(u.name, 'Subject: two\r\n\r\nx\r\n');
    const r = await engine.run();
    const f = r.failures.find((x) => JSON.stringify(x).includes(u.id) || JSON.stringify(x).includes(u.name));
    expect(JSON.stringify(f)).toContain('ACCOUNT_INACTIVE');
    const state = await journalState(repo, u.id);
    expect(state.accountDeleted).toBe(false);
    expect(state.items.has(String(first))).toBe(true);

    await client.modifyAccount(u.id, { zimbraAccountStatus: 'active' });
    expect((await engine.run()).failures).toEqual([]);
    expect((await journalState(repo, u.id)).items.has(String(second))).toBe(true);
  });
});
