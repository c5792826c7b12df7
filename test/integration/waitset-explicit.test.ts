/**
 * Real-time capture with WaitSets as the server runs them (the emulator over real HTTP):
 * - explicit-account sets kept in step with add/remove (store/src/java/com/zimbra/cs/session/
 *   SomeAccountsWaitSet.java, WaitSetAccount.java; service/mail/WaitSetRequest.java), which signal
 *   whether or not the redo log is on;
 * - an all-accounts set goes deaf with the redo log off (store/src/java/com/zimbra/cs/mailbox/Mailbox.java,
 *   session/AllAccountsWaitSet.java): SmartScan finds the changes, the engine warns, polls, shows it
 *   in status, and stops polling once signals come back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { RealTimeScanner } from '../../src/sync/real-time-scanner.js';
import { initRepository } from '../../src/repository/repository.js';
import { MemoryBackend } from '../../src/store/backends/memory.js';
import { repositoryStatus } from '../../src/catalog/repository-status.js';
import type { Logger } from '../../src/internal/logger.js';
import { journalState } from './backup-helpers.js';

let emu: Emulator | undefined;
let client: ZimbraClient | undefined;
const stops: AbortController[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s.abort();
  client?.close();
  await emu?.close();
  emu = undefined;
  client = undefined;
});

async function until(pred: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
const msg = (s: string): string => `From: a@example.test\r\nSubject: ${s}\r\nMessage-ID: <${s}@x>\r\n\r\n${s}\r\n`;

async function setup(opts: { redoLog?: boolean } = {}): Promise<Record<string, string>> {
  emu = await startEmulator({ ignoreNoQualify: true, waitSetTimeoutClamp: { maxSeconds: 1 }, ...opts });
  for (const n of ['ann', 'bob', 'cid']) emu.createAccount(`${n}@example.test`, 'pw');
  client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 1, retryBaseDelayMs: 10 });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  return Object.fromEntries(emu.accounts().map((a) => [a.name.split('@')[0]!, a.id]));
}

describe('explicit-account WaitSet (RealTimeScanner with accounts)', () => {
  it('signals the listed accounts only, follows add/remove, refuses what the server refuses, survives a restart', async () => {
    const ids = await setup({ redoLog: false }); // explicit sets do not need the redo log
    const signalled: string[] = [];
    const refused: Array<[string, string]> = [];
    const resets: string[] = [];
    const scanner = new RealTimeScanner({
      client: client!,
      accounts: [{ id: ids['ann']! }, { id: ids['bob']! }],
      onChange: (id) => signalled.push(id),
      onRefused: (id, type) => refused.push([id, type]),
      onReset: (why) => resets.push(why),
      timeoutSeconds: 1,
      retryDelayMs: 20,
    });
    const stop = new AbortController();
    stops.push(stop);
    const running = scanner.run(stop.signal);
    await until(() => resets.length === 1 && scanner.stats.polls >= 1);
    expect(scanner.kind).toBe('explicit');

    emu!.deliver('cid@example.test', msg('c1')); // not listed: never signalled
    emu!.deliver('ann@example.test', msg('a1'));
    await until(() => signalled.includes(ids['ann']!));
    expect(signalled).not.toContain(ids['cid']);

    // <remove> ann, <add> cid: cut a blocked poll short and go out at once
    scanner.setAccounts([{ id: ids['bob']! }, { id: ids['cid']! }]);
    await until(() => scanner.isWatching(ids['cid']!) && !scanner.isWatching(ids['ann']!));
    signalled.length = 0;
    emu!.deliver('ann@example.test', msg('a2'));
    emu!.deliver('cid@example.test', msg('c2'));
    await until(() => signalled.includes(ids['cid']!));
    expect(signalled).not.toContain(ids['ann']);

    // an account deleted while watched: MAILBOX_DELETED (SomeAccountsWaitSet.mailboxDeleted)
    emu!.deleteAccount('bob@example.test');
    await until(() => refused.some(([id]) => id === ids['bob']));
    expect(refused).toContainEqual([ids['bob'], 'MAILBOX_DELETED']);

    // an id the directory does not know fails the whole request with PERM_DENIED: the others still get in
    const ghost = '00000000-0000-4000-8000-00000000dead';
    // ann comes back with the token of her last backup: a change made before the add still signals
    // (WaitSetSession.update: the mailbox is past the token)
    const annToken = String(emu!.lastChangeId('ann@example.test'));
    signalled.length = 0;
    emu!.deliver('ann@example.test', msg('a3'));
    scanner.setAccounts([{ id: ids['cid']! }, { id: ghost }, { id: ids['ann']!, token: annToken }]);
    await until(() => refused.some(([id]) => id === ghost));
    expect(refused).toContainEqual([ghost, 'PERM_DENIED']);
    await until(() => signalled.includes(ids['ann']!));

    // a restart loses explicit sets (admin.NO_SUCH_WAITSET): recreated with every account again
    await emu!.restart();
    await until(() => resets.length >= 2);
    expect(resets[1]).toBe('recreated');
    signalled.length = 0;
    // added again without a token: changes count from the add (WaitSetSession), so wait for it
    await until(() => scanner.isWatching(ids['cid']!));
    emu!.deliver('cid@example.test', msg('c3'));
    await until(() => signalled.includes(ids['cid']!));
    stop.abort();
    await running;
  }, 60_000);

  it('falls back to an all-accounts set above maxExplicitAccounts', async () => {
    const ids = await setup();
    const resets: string[] = [];
    const warnings: string[] = [];
    const log: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (o: object | string, m?: string) => void warnings.push(typeof o === 'string' ? o : (m ?? '')),
      error: () => undefined,
    };
    const scanner = new RealTimeScanner({
      client: client!,
      accounts: Object.values(ids).map((id) => ({ id })),
      maxExplicitAccounts: 2,
      onChange: () => undefined,
      onReset: (why) => resets.push(why),
      timeoutSeconds: 1,
      logger: log,
    });
    const stop = new AbortController();
    stops.push(stop);
    const running = scanner.run(stop.signal);
    await until(() => resets.length === 1);
    expect(scanner.kind).toBe('all-accounts');
    expect(warnings.some((w) => w.includes('all-accounts'))).toBe(true);
    stop.abort();
    await running;
  });
});

describe('deaf WaitSet: all-accounts with the redo log off', () => {
  it('SmartScan finds unsignalled changes twice, the engine warns, polls, shows it in status; signals end it', async () => {
    const ids = await setup({ redoLog: false });
    const repo = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
    const warnings: string[] = [];
    const log: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (o: object | string, m?: string) => void warnings.push(typeof o === 'string' ? o : (m ?? '')),
      error: () => undefined,
    };
    const engine = new BackupEngine({
      client: client!,
      repository: repo,
      waitSetTimeoutSeconds: 1,
      statusIntervalMs: 100,
      waitSetKind: 'all-accounts',
      waitSetFallback: { pollIntervalMs: 150, deafThreshold: 2 },
      logger: log,
    });
    const stop = new AbortController();
    stops.push(stop);
    const watching = engine.watch({ signal: stop.signal });
    await until(() => engine.captureStatus().length === 1 && engine.status().accounts.every((a) => a.lagMs === 0));
    await until(async () => (await journalState(repo, ids['ann']!)).account !== undefined);

    // nothing is signalled: only SmartScan finds the changes
    const m1 = emu!.deliver('ann@example.test', msg('d1'));
    await new Promise((r) => setTimeout(r, 1200));
    expect((await journalState(repo, ids['ann']!)).items.has(String(m1))).toBe(false);
    await engine.smartScan();
    expect((await journalState(repo, ids['ann']!)).items.has(String(m1))).toBe(true);
    expect(engine.captureStatus()[0]!.deaf).toBeUndefined(); // once may be a signal still on its way
    emu!.deliver('ann@example.test', msg('d2'));
    await engine.smartScan();
    expect(warnings.some((w) => w.includes('missed changes'))).toBe(true);
    await until(() => engine.captureStatus()[0]!.deaf !== undefined);
    expect(engine.captureStatus()[0]).toMatchObject({ waitSet: 'all-accounts', deaf: { deafAccounts: 1 } });

    // polled now: a new change is captured without a SmartScan and without a signal
    const m3 = emu!.deliver('ann@example.test', msg('d3'));
    await until(async () => (await journalState(repo, ids['ann']!)).items.has(String(m3)));
    // status, a reader of the repository, shows the fallback
    await until(async () => (await repositoryStatus({ repository: repo })).servers[0]?.deaf !== undefined);
    expect((await repositoryStatus({ repository: repo })).servers[0]).toMatchObject({
      waitSet: 'all-accounts',
      deaf: { accounts: 1, polling: 1 },
    });

    // the redo log back on: the WaitSet signals again and polling stops
    emu!.setRedoLog(true);
    emu!.deliver('ann@example.test', msg('d4'));
    await until(() => engine.captureStatus()[0]!.deaf === undefined);
    stop.abort();
    const result = await watching;
    expect(result.failures).toEqual([]);
  }, 60_000);

  it('sample probes find a deaf WaitSet without a SmartScan', async () => {
    const ids = await setup({ redoLog: false });
    const repo = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
    const engine = new BackupEngine({
      client: client!,
      repository: repo,
      waitSetTimeoutSeconds: 1,
      waitSetKind: 'all-accounts',
      waitSetFallback: { pollIntervalMs: 150, deafThreshold: 2, probeIntervalMs: 200, probeSample: 10 },
    });
    const stop = new AbortController();
    stops.push(stop);
    const watching = engine.watch({ signal: stop.signal });
    await until(() => engine.captureStatus().length === 1 && engine.status().accounts.every((a) => a.lagMs === 0));
    // mail keeps arriving, nothing is signalled: the probes run the accounts and see it
    let i = 0;
    await until(async () => {
      emu!.deliver('cid@example.test', msg(`p${i++}`));
      await new Promise((r) => setTimeout(r, 150));
      return engine.captureStatus()[0]!.deaf !== undefined;
    });
    expect(engine.captureStatus()[0]!.deaf).toMatchObject({ deafAccounts: 1 });
    const last = emu!.deliver('cid@example.test', msg('last'));
    await until(async () => (await journalState(repo, ids['cid']!)).items.has(String(last)));
    stop.abort();
    await watching;
  }, 30_000);

  it('the default explicit sets keep signalling with the redo log off', async () => {
    const ids = await setup({ redoLog: false });
    const repo = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
    const engine = new BackupEngine({ client: client!, repository: repo, waitSetTimeoutSeconds: 1 });
    const stop = new AbortController();
    stops.push(stop);
    const watching = engine.watch({ signal: stop.signal });
    await until(() => engine.captureStatus().length === 1 && engine.status().accounts.every((a) => a.lagMs === 0));
    await until(() => emu!.stats.get('AdminWaitSetRequest') >= 2);
    expect(engine.captureStatus()[0]!.waitSet).toBe('explicit');
    const m = emu!.deliver('bob@example.test', msg('e1'));
    await until(async () => (await journalState(repo, ids['bob']!)).items.has(String(m)));
    expect(engine.captureStatus()[0]!.signals).toBeGreaterThan(0);
    stop.abort();
    await watching;
  }, 30_000);
});
