// Accounts in maintenance. store/src/java/com/zimbra/soap/SoapEngine.java answers a mail command on
// behalf of an account with account.ACCOUNT_INACTIVE when it is in maintenance (for a token that is
// not admin, or an admin without access: any status but "active"). The REST servlet,
// store/src/java/com/zimbra/cs/service/UserServlet.java (checkTargetAccountStatus), refuses an
// account in maintenance to everyone (AccountServiceException.MAINTENANCE_MODE) and any other
// non-active one to tokens neither admin nor delegated (ACCOUNT_INACTIVE), both through
// sendError: HTTP 404 with the message "account is in maintenance mode" / "account is not
// active:<name>" (store/src/java/com/zimbra/cs/account/AccountServiceException.java), the same
// status as a missing item. The backup skips such an account with a WARNING (not a failure), keeps
// its history, never marks it deleted and tries it again on the next pass.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { backupAccount } from '../../src/backup/account-backup.js';
import { repositoryStatus } from '../../src/catalog/repository-status.js';
import { startEmulator } from '../../src/emulator/index.js';
import { downloadItem } from '../../src/rest/download-item.js';
import { AccountInactiveError, NoSuchItemError } from '../../src/soap/faults.js';
import { backupFixture, journalState, type BackupFixture } from './backup-helpers.js';
import { runMain, serverArgs, writePasswordFile } from '../helpers/cli.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('account in maintenance (SoapEngine.java, UserServlet.java)', () => {
  it('is a warning with since-when, keeps its history, is not marked deleted, and is captured once active', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    const u = emu.createAccount('maint@example.test', 'pw-maint-1');
    const first = emu.deliver(u.name, 'Subject: one\r\n\r\nx\r\n');
    const engine = () => new BackupEngine({ client, repository: repo, now: () => now });
    expect((await engine().run()).failures).toEqual([]);

    emu.setAccountStatus(u.name, 'maintenance');
    const second = emu.deliver(u.name, 'Subject: two\r\n\r\nx\r\n');
    const sinceMs = now;
    const r = await engine().run();
    expect(r.failures).toEqual([]);
    expect(r.inactive).toEqual([
      { accountId: u.id, sinceMs, error: expect.stringContaining('account.ACCOUNT_INACTIVE') },
    ]);
    let state = await journalState(repo, u.id);
    expect(state.accountDeleted).toBe(false);
    expect(state.items.has(String(first))).toBe(true);
    expect(state.items.has(String(second))).toBe(false);
    // The account's attributes (a GetAccount, an admin command, still answers) record the status.
    expect(state.account?.attrs['zimbraAccountStatus']).toBe('maintenance');

    // A later one-shot run (a new engine) keeps the first since-when.
    now += 3_600_000;
    const again = await engine().run();
    expect(again.inactive).toEqual([{ accountId: u.id, sinceMs, error: expect.any(String) }]);
    const s = await repositoryStatus({ repository: repo, now });
    const a = s.accounts.find((x) => x.id === u.id);
    expect(a?.inactive?.sinceMs).toBe(sinceMs);
    expect(a?.deletedMs).toBeUndefined();
    expect(a?.lagReason).toMatch(/^account inactive since 2026-03-01T10:00:00.000Z/);

    emu.setAccountStatus(u.name, 'active');
    now += 3_600_000;
    const back = await engine().run();
    expect(back.failures).toEqual([]);
    expect(back.inactive).toEqual([]);
    state = await journalState(repo, u.id);
    expect(state.items.has(String(second))).toBe(true);
    expect((await repositoryStatus({ repository: repo, now })).accounts.find((x) => x.id === u.id)?.inactive).toBe(
      undefined,
    );
  });

  it('locked and closed accounts are still read by an admin (SoapEngine.java canAccessAccount)', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    const locked = emu.createAccount('locked@example.test', 'pw-l');
    const closed = emu.createAccount('closed@example.test', 'pw-c');
    emu.setAccountStatus(locked.name, 'locked');
    emu.setAccountStatus(closed.name, 'closed');
    const m1 = emu.deliver(locked.name, 'Subject: l\r\n\r\nx\r\n');
    const m2 = emu.deliver(closed.name, 'Subject: c\r\n\r\nx\r\n');
    const r = await new BackupEngine({ client, repository: repo }).run();
    expect(r.failures).toEqual([]);
    expect(r.inactive).toEqual([]);
    expect((await journalState(repo, locked.id)).items.has(String(m1))).toBe(true);
    expect((await journalState(repo, closed.id)).items.has(String(m2))).toBe(true);
  });

  it('REST answers maintenance as a 404 page with the message; the client tells it from a missing item', async () => {
    fx = await backupFixture();
    const { emu, client } = fx;
    const u = emu.createAccount('rest-maint@example.test', 'pw-r');
    const id = emu.deliver(u.name, 'Subject: r\r\n\r\nx\r\n');
    emu.setAccountStatus(u.name, 'maintenance');
    // the raw answer, as UserServlet.sendError -> Jetty's error page
    const cookie = (await client.restTarget({ by: 'id', value: u.id })).cookie().reveal();
    const raw = await fetch(`${emu.adminUrl}/service/home/${encodeURIComponent(u.name)}/?id=${id}`, {
      headers: { cookie },
    });
    expect(raw.status).toBe(404);
    expect(await raw.text()).toContain('account is in maintenance mode');

    const account = { by: 'id' as const, value: u.id };
    await expect(downloadItem(client, { account, id: String(id) })).rejects.toBeInstanceOf(AccountInactiveError);
    await expect(downloadItem(client, { account, id: String(id) })).rejects.toMatchObject({
      faultCode: 'account.MAINTENANCE_MODE',
    });
    emu.setAccountStatus(u.name, 'active');
    await expect(downloadItem(client, { account, id: '99999' })).rejects.toBeInstanceOf(NoSuchItemError);
  });

  it('REST refuses a non-active account to its own user token ("account is not active:<name>")', async () => {
    const emu = await startEmulator({ domain: 'example.test' });
    try {
      const u = emu.createAccount('self@example.test', 'pw-self');
      const id = emu.deliver(u.name, 'Subject: s\r\n\r\nx\r\n');
      const { ZimbraClient } = await import('../../src/soap/zimbra-client.js');
      const user = new ZimbraClient({ url: emu.url, retries: 0 });
      try {
        await user.authUser(u.name, 'pw-self');
        emu.setAccountStatus(u.name, 'locked');
        await expect(downloadItem(user, { id: String(id) })).rejects.toMatchObject({
          name: 'AccountInactiveError',
          faultCode: 'account.ACCOUNT_INACTIVE',
        });
      } finally {
        user.close();
      }
    } finally {
      await emu.close();
    }
  });

  it('an account put in maintenance mid-run stops at the REST download, loses nothing and resumes', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    const u = emu.createAccount('midrun@example.test', 'pw-m');
    const ids = [1, 2, 3].map((n) => emu.deliver(u.name, `Subject: m${n}\r\n\r\nbody ${n}\r\n`));
    const journal = await repo.journal(u.id);
    try {
      let downloads = 0;
      const fetch = {
        client,
        account: { by: 'id' as const, value: u.id },
        blobs: repo.blobs,
        // the switch happens after the SOAP listing, right before the first REST download
        limit: async <T>(fn: () => Promise<T>): Promise<T> => {
          if (downloads++ === 0) emu.setAccountStatus(u.name, 'maintenance');
          return fn();
        },
      };
      await expect(backupAccount({ journal, accountId: u.id, fetch })).rejects.toBeInstanceOf(AccountInactiveError);
      // nothing was taken for a vanished item: no token, so the next run lists in full
      expect(journal.lastState()).toBeUndefined();
      emu.setAccountStatus(u.name, 'active');
      const r = await backupAccount({ journal, accountId: u.id, fetch: { ...fetch, limit: (fn) => fn() } });
      expect(r.failures).toEqual([]);
      for (const id of ids) expect(journal.current().items.get(String(id))?.digest).toBeDefined();
    } finally {
      await journal.close();
    }
  });
});

describe('CLI: an inactive account is a warning and exit code 0 (SoapEngine.java)', () => {
  it('backup warns, status shows INACTIVE since-when, status --json carries it', async () => {
    const emu = await startEmulator({ domain: 'example.test' });
    const dir = await mkdtemp(join(tmpdir(), 'zb-inactive-'));
    try {
      const u = emu.createAccount('cli-maint@example.test', 'pw-cm');
      emu.deliver(u.name, 'Subject: c\r\n\r\nx\r\n');
      await writePasswordFile(join(dir, 'pw'), emu.adminPassword);
      const repo = join(dir, 'repo');
      const server = serverArgs(emu);
      const pw = ['--password-file', join(dir, 'pw'), '--no-directory'];
      const cli = (args: string[]) => runMain(args);
      expect((await cli(['backup', '--repo', repo, ...server, ...pw])).code).toBe(0);
      // the emulator control, plain ModifyAccountRequest
      const set = await cli([
        'emulator-ctl',
        'account-status',
        '--account',
        u.name,
        '--status',
        'maintenance',
        ...server,
        '--password-file',
        join(dir, 'pw'),
      ]);
      expect(set.code).toBe(0);
      expect(set.out).toContain('status: maintenance');
      const bad = await cli([
        'emulator-ctl',
        'account-status',
        '--account',
        u.name,
        '--status',
        'asleep',
        ...server,
        '--password-file',
        join(dir, 'pw'),
      ]);
      expect(bad.code).not.toBe(0);
      const b = await cli(['backup', '--repo', repo, ...server, ...pw]);
      expect(b.code).toBe(0);
      expect(b.err).toMatch(
        new RegExp(`warning: account ${u.id} is inactive on the server since \\S+Z; skipped, history kept`),
      );
      expect(b.err).not.toMatch(/failed:/);
      const s = await cli(['status', '--repo', repo]);
      expect(s.out).toMatch(/cli-maint@example\.test .* INACTIVE since \d{4}-\d\d-\d\dT/);
      const j = JSON.parse((await cli(['status', '--repo', repo, '--json'])).out) as {
        accounts: Array<{ name: string; items: number; inactive?: { sinceMs: number; error: string } }>;
      };
      const a = j.accounts.find((x) => x.name === u.name);
      expect(a?.items).toBeGreaterThan(1);
      expect(a?.inactive?.sinceMs).toBeGreaterThan(0);
      expect(a?.inactive?.error).toContain('account.ACCOUNT_INACTIVE');
    } finally {
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
