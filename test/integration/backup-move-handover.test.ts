/**
 * Accounts that move between mailbox servers while one engine per server (`--mail-servers`)
 * writes one repository (issue 11, docs/FORMAT.md "Several engines"): the engine of the old
 * server gives the account's lease up, the engine of the new server takes it over, and the first
 * listing of the new mailbox records its versions although its change counter started anew.
 *
 * The move is the emulator's zmmboxmove (src/emulator/model/mailbox-move.ts): same item ids, a
 * new mailbox whose modified/saved sequences restart (Mailbox.java keeps one change counter per
 * mailbox: `mailbox.change_checkpoint`), `zimbraMailHost` names the new server. WaitSets are
 * local to a server (WaitSetAccount.java: WRONG_HOST_FOR_ACCOUNT elsewhere), so only the new
 * server's WaitSet hears the moved account's new mail.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { accountLag, readCaptureStatuses } from '../../src/backup/capture-status.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { LEASES_PREFIX } from '../../src/repository/lease.js';
import { readLocks } from '../../src/repository/lock.js';
import { initRepository, type Repository } from '../../src/repository/repository.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { MemoryBackend } from '../../src/store/backends/memory.js';
import { diffMailbox, journalState } from './backup-helpers.js';

let emu: Emulator | undefined;
const clients: ZimbraClient[] = [];
const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const c of clients.splice(0)) c.close();
  await emu?.close();
  emu = undefined;
});

async function until(what: string, pred: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let n = 0;
const msg = (s: string): string =>
  `From: a@example.test\r\nSubject: ${s}\r\nMessage-ID: <${s}-${++n}@handover>\r\n\r\n${s}\r\n`;

async function client(e: Emulator): Promise<ZimbraClient> {
  const c = new ZimbraClient({ url: e.url, adminUrl: e.adminUrl, retries: 1, retryBaseDelayMs: 10 });
  await c.authAdmin(e.adminUser, e.adminPassword);
  clients.push(c);
  return c;
}

/** Starts `watch` on an engine limited to one server; returns the engine. */
async function watchServer(
  e: Emulator,
  repo: Repository,
  server: string,
  refreshMs: number,
  waitSetKind: 'explicit' | 'all-accounts' = 'explicit',
): Promise<BackupEngine> {
  const engine = new BackupEngine({
    client: await client(e),
    repository: repo,
    selection: { mailServers: [server] },
    serverUrls: Object.fromEntries(e.servers().map((s) => [s.name, s.adminUrl])),
    waitSetTimeoutSeconds: 1,
    waitSetKind,
    refreshMs,
    statusIntervalMs: 100,
  });
  const stop = new AbortController();
  const done = engine.watch({ signal: stop.signal });
  stops.push(async () => {
    stop.abort();
    return done;
  });
  return engine;
}

/** Lock ids holding the account's lease. */
async function leaseHolders(repo: Repository, id: string): Promise<string[]> {
  const out: string[] = [];
  for await (const { key } of repo.backend.list(`${LEASES_PREFIX}${id}/`)) out.push(/([^/]+)\.json$/.exec(key)![1]!);
  return out;
}

describe('accounts moving between the engines of their servers', () => {
  // Explicit WaitSets (the default) list the accounts an engine knows: the new engine learns of
  // the account at its directory refresh. An all-accounts WaitSet (servers over
  // maxExplicitAccounts) hears every mailbox of its server: the new engine adopts the account on
  // its first signal, long before its next refresh.
  it.each([
    { kind: 'explicit' as const, newRefreshMs: 300 },
    { kind: 'all-accounts' as const, newRefreshMs: 600_000 },
  ])(
    'the old engine gives the lease up at its refresh; the new one takes it ($kind WaitSets)',
    async ({ kind, newRefreshMs }) => {
      emu = await startEmulator({ servers: 2, domain: 'example.test', waitSetTimeoutClamp: { maxSeconds: 1 } });
      const [s1, s2] = emu.servers();
      const ann = emu.createAccount('ann@example.test', 'pw', { zimbraMailHost: s1!.name });
      const bob = emu.createAccount('bob@example.test', 'pw', { zimbraMailHost: s2!.name });
      emu.deliver(ann.name, msg('ann-0'));
      emu.deliver(bob.name, msg('bob-0'));
      const repo = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
      const e1 = await watchServer(emu, repo, s1!.name, 200, kind);
      const e2 = await watchServer(emu, repo, s2!.name, newRefreshMs, kind);
      await until('both first passes', async () => {
        for (const a of [ann, bob])
          if (diffMailbox(emu!, a.name, await journalState(repo, a.id)).length > 0) return false;
        return true;
      });
      await until('both WaitSets', () => emu!.stats.get('AdminCreateWaitSetRequest') >= 2);
      const locks = new Map((await readLocks(repo.backend)).map((l) => [l.selection, l.id]));
      expect(await leaseHolders(repo, ann.id)).toEqual([locks.get(s1!.name)]);

      emu.moveAccount(ann.name, s2!.name);
      await until('the old engine giving the lease up', async () => (await leaseHolders(repo, ann.id)).length === 0);
      expect(e1.status().accounts.map((a) => a.name)).not.toContain(ann.name);

      // Mail on the new server (an all-accounts WaitSet signals an account engine 2 never listed).
      const id = emu.deliver(ann.name, msg('ann-after-move'));
      emu.setFlags(ann.name, id, 'f');
      await until('the moved account captured by the new engine', async () => {
        return diffMailbox(emu!, ann.name, await journalState(repo, ann.id)).length === 0;
      });
      expect(await leaseHolders(repo, ann.id)).toEqual([locks.get(s2!.name)]);
      expect(
        e2
          .status()
          .accounts.map((a) => a.name)
          .sort(),
      ).toEqual([ann.name, bob.name]);
      // The account index names the account (engine 2 wrote it before its first commit).
      expect((await repo.accounts()).some((a) => a.id === ann.id && a.deletedMs === undefined)).toBe(true);
    },
  );

  it('an account whose lease the old engine still holds lags in status until the hand-over', async () => {
    emu = await startEmulator({ servers: 2, domain: 'example.test', waitSetTimeoutClamp: { maxSeconds: 1 } });
    const [s1, s2] = emu.servers();
    const ann = emu.createAccount('ann@example.test', 'pw', { zimbraMailHost: s1!.name });
    emu.deliver(ann.name, msg('ann-0'));
    const repo = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
    // The old engine does not refresh during the test: it keeps the lease.
    const e1Stop = new AbortController();
    const e1 = new BackupEngine({
      client: await client(emu),
      repository: repo,
      selection: { mailServers: [s1!.name] },
      serverUrls: Object.fromEntries(emu.servers().map((s) => [s.name, s.adminUrl])),
      waitSetTimeoutSeconds: 1,
      refreshMs: 600_000,
    });
    const e1Done = e1.watch({ signal: e1Stop.signal });
    const e2 = await watchServer(emu, repo, s2!.name, 300);
    await until('the first pass', async () => e1.status().accounts.some((a) => a.lastCaptureMs !== undefined));
    await until('both WaitSets', () => emu!.stats.get('AdminCreateWaitSetRequest') >= 2);

    emu.moveAccount(ann.name, s2!.name);
    emu.deliver(ann.name, msg('ann-after-move'));
    await until('the new engine refused', () => e2.status().accounts.some((a) => a.id === ann.id));
    const lagging = async (): Promise<number> => e2.status().accounts.find((a) => a.id === ann.id)?.lagMs ?? 0;
    await until('a growing lag', async () => (await lagging()) >= 200);
    // `status` (from the capture status files) says so too, and why.
    await until('the capture status naming the wait', async () => {
      const lag = accountLag(await readCaptureStatuses(repo.backend), ann.id, s2!.name, Date.now());
      return lag?.reason?.includes('another engine still holds this account') === true;
    });

    // The old engine stops (its leases go with it); the next refresh hands the account over.
    e1Stop.abort();
    await e1Done;
    emu.deliver(ann.name, msg('ann-after-stop'));
    await until(
      'the hand-over',
      async () => diffMailbox(emu!, ann.name, await journalState(repo, ann.id)).length === 0,
    );
    expect(await lagging()).toBe(0);
  });

  it("a move's first listing records the new mailbox's versions, also where its sequences are not higher", async () => {
    emu = await startEmulator({ servers: 3, domain: 'example.test' });
    const s = emu.servers();
    const ann = emu.createAccount('ann@example.test', 'pw', { zimbraMailHost: s[0]!.name });
    const first = emu.deliver(ann.name, msg('one'));
    emu.deliver(ann.name, msg('two'));
    const repo = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
    const engine = new BackupEngine({ client: await client(emu), repository: repo });
    await engine.run();
    emu.setFlags(ann.name, first, 'u');
    await engine.run();
    const before = (await journalState(repo, ann.id)).items.get(String(first))!.modifiedSequence!;
    // In the new mailbox the flag change gets a sequence at or below the recorded one.
    emu.moveAccount(ann.name, s[2]!.name);
    emu.setFlags(ann.name, first, 'f');
    expect(emu.snapshot(ann.name).items.find((i) => i.id === first)!.flags).toBe('f');
    const r = await engine.run();
    expect(r.failures).toEqual([]);
    const state = await journalState(repo, ann.id);
    expect(diffMailbox(emu, ann.name, state)).toEqual([]);
    expect(state.items.get(String(first))!.modifiedSequence!).toBeLessThanOrEqual(before);
    // Nothing was stored again: the content is downloaded once more and deduplicated.
    expect(r.bytesStored).toBe(0);
    expect(r.itemsDeleted).toBe(0);
    // The next change on the new server is compared against the new mailbox's sequences.
    emu.setFlags(ann.name, first, '');
    await engine.run();
    expect(diffMailbox(emu, ann.name, await journalState(repo, ann.id))).toEqual([]);
  });
});
