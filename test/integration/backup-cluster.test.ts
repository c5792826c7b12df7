/**
 * Real-time capture on a multi-server Zimbra (the emulator as a 3-server cluster): one WaitSet
 * per mailbox server (WaitSets are local: WaitSetAccount.java, WRONG_HOST_FOR_ACCOUNT), a server
 * that goes down while the others go on, and an account that moves to another server
 * (zimbraMailHost changes; its new mailbox counts changes anew).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import type { AccountRunResult } from '../../src/backup/account-backup.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { initRepository } from '../../src/repository/repository.js';
import { MemoryBackend } from '../../src/store/backends/memory.js';
import { Journal } from '../../src/journal/journal.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { diffMailbox, journalState } from './backup-helpers.js';
import { repositoryStatus } from '../../src/catalog/repository-status.js';

let emu: Emulator | undefined;
let client: ZimbraClient | undefined;
afterEach(async () => {
  client?.close();
  await emu?.close();
  emu = undefined;
  client = undefined;
});

async function until(pred: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const msg = (s: string): string => `From: a@example.test\r\nSubject: ${s}\r\nMessage-ID: <${s}@x>\r\n\r\n${s}\r\n`;

describe('BackupEngine on a cluster', () => {
  it('watches every mailbox server, goes on while one is down, and follows an account that moves', async () => {
    emu = await startEmulator({ servers: 3, ignoreNoQualify: true, waitSetTimeoutClamp: { maxSeconds: 2 } });
    const names = ['ann', 'bob', 'cid', 'dan', 'eve', 'fay'].map((n) => `${n}@example.test`);
    for (const n of names) {
      emu.createAccount(n, 'pw');
      emu.deliver(n, msg(`${n.slice(0, 3)}-0`));
    }
    const servers = emu.servers();
    client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 1, retryBaseDelayMs: 10 });
    await client.authAdmin(emu.adminUser, emu.adminPassword);
    const repo = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
    const runs: AccountRunResult[] = [];
    const engine = new BackupEngine({
      client,
      repository: repo,
      waitSetTimeoutSeconds: 2,
      statusIntervalMs: 100,
      // explicit WaitSets follow a moved account from the next directory refresh
      refreshMs: 300,
      serverUrls: Object.fromEntries(servers.map((s) => [s.name, s.adminUrl])),
      onAccountRun: (r) => runs.push(r),
    });
    const ids = Object.fromEntries(emu.accounts().map((a) => [a.name, a.id]));
    const stop = new AbortController();
    const watching = engine.watch({ signal: stop.signal });
    await until(() => names.every((n) => runs.some((r) => r.accountId === ids[n])));
    await until(() => engine.captureStatus().length === 3);
    expect(engine.captureStatus().map((s) => s.name)).toEqual(servers.map((s) => s.name).sort());

    // A change on each server is captured through that server's own WaitSet (one per server).
    await until(() => emu!.stats.get('AdminCreateWaitSetRequest') >= 3);
    expect(emu.stats.get('AdminCreateWaitSetRequest')).toBe(3);
    // each an explicit list of the accounts that server holds (SomeAccountsWaitSet.java)
    expect(engine.captureStatus().map((s) => s.waitSet)).toEqual(['explicit', 'explicit', 'explicit']);
    for (const n of names) emu.deliver(n, msg(`${n.slice(0, 3)}-1`));
    await until(async () => {
      for (const n of names)
        if ((await journalState(repo, ids[n]!)).items.size < emu!.snapshot(n).items.length) return false;
      return true;
    });
    await until(() => engine.captureStatus().every((s) => s.signals > 0));

    // One server goes down: it is reported failing, the others go on; mail that reached it while
    // the backup could not see it is caught up when it returns.
    const down = emu.homeServer('cid@example.test');
    const stillUp = names.find((n) => emu!.homeServer(n) !== down)!;
    const downAccounts = new Set(names.filter((n) => emu!.homeServer(n) === down).map((n) => ids[n]!));
    await emu.stopServer(down);
    const missed = emu.deliver('cid@example.test', msg('cid-while-down'));
    await until(() => engine.captureStatus().find((s) => s.name === down)?.state === 'failing');
    // status (a reader of the repository) shows the server failing and the lag of its accounts
    await until(async () => {
      const st = await repositoryStatus({ repository: repo });
      return st.servers.find((x) => x.name === down)?.state === 'failing';
    });
    const st = await repositoryStatus({ repository: repo });
    expect(st.servers.map((x) => x.name)).toEqual(servers.map((x) => x.name).sort());
    const cid = st.accounts.find((a) => a.name === 'cid@example.test')!;
    expect(cid.server).toBe(down);
    // the earliest cause wins: the server's WaitSet, or the account's own run refused by the proxy
    expect(cid.lagReason).toMatch(new RegExp(`server ${down.replace(/\./g, '\\.')} failing|PROXY_ERROR`));
    expect(cid.lagMs).toBeGreaterThanOrEqual(0);
    expect(st.accounts.find((a) => a.name === stillUp)!.lagReason).toBeUndefined();
    const upId = emu.deliver(stillUp, msg('still-up'));
    await until(async () => (await journalState(repo, ids[stillUp]!)).items.has(String(upId)));
    await emu.startServer(down);
    await until(async () => (await journalState(repo, ids['cid@example.test']!)).items.has(String(missed)));
    await until(() => engine.captureStatus().find((s) => s.name === down)?.state === 'watching');

    // An account moves: same items (same ids) in a new mailbox on another server.
    const mover = 'ann@example.test';
    const from = emu.homeServer(mover);
    const to = servers.find((s) => s.name !== from)!.name;
    const beforeMove = Date.now();
    const digestsBefore = new Set([...(await journalState(repo, ids[mover]!)).items.values()].map((r) => r.digest));
    emu.moveAccount(mover, to);
    const after = emu.deliver(mover, msg('ann-after-move'));
    await until(async () => (await journalState(repo, ids[mover]!)).items.has(String(after)));
    stop.abort();
    const result = await watching;
    // Only the accounts of the server that was down may have failed runs (while it was down).
    expect(result.failures.filter((f) => !downAccounts.has(f.accountId))).toEqual([]);

    // One continuous history: the move is a resync, not a mass deletion, and the state equals the mailbox.
    const j = await Journal.open({ backend: repo.backend, prefix: accountPrefix(ids[mover]!), readOnly: true });
    const kinds: string[] = [];
    for await (const r of j.records()) kinds.push(r.type === 'resync' ? `resync:${r.reason}` : r.type);
    await j.close();
    expect(kinds).toContain('resync:account-moved');
    expect(kinds).not.toContain('delete');
    const state = await journalState(repo, ids[mover]!);
    expect(diffMailbox(emu, mover, state)).toEqual([]);
    const beforeState = await journalState(repo, ids[mover]!, beforeMove);
    expect([beforeState.account?.attrs['zimbraMailHost']].flat()).toEqual([from]);
    expect([state.account?.attrs['zimbraMailHost']].flat()).toEqual([to]);
    // No blob stored twice: the moved items' digests were already there; only the new message adds one.
    const newDigests = [...state.items.values()].map((r) => r.digest).filter((d) => d && !digestsBefore.has(d));
    expect(newDigests.length).toBe(1);
    for (const n of names) expect(diffMailbox(emu, n, await journalState(repo, ids[n]!))).toEqual([]);
  }, 120_000);
});
