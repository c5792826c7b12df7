/**
 * Engines limited to a part of the accounts (`--shard i/n`, `--mail-servers`) on a 3-server
 * emulator: they back up their own accounts only and never mark another engine's accounts
 * deleted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { readAccountIndex } from '../../src/repository/account-index.js';
import { shardOf } from '../../src/backup/selection.js';
import { acquireLease } from '../../src/repository/lease.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { initRepository, type Repository } from '../../src/repository/repository.js';
import { MemoryBackend } from '../../src/store/backends/memory.js';

let emu: Emulator | undefined;
let client: ZimbraClient | undefined;
afterEach(async () => {
  client?.close();
  await emu?.close();
  emu = undefined;
  client = undefined;
});

const msg = (s: string): string => `From: a@example.test\r\nSubject: ${s}\r\nMessage-ID: <${s}@x>\r\n\r\n${s}\r\n`;

async function setup(): Promise<{ repo: Repository; ids: Record<string, string>; names: string[] }> {
  emu = await startEmulator({ servers: 3, ignoreNoQualify: true });
  const names = ['ann', 'bob', 'cid', 'dan', 'eve', 'fay', 'gus', 'hal'].map((n) => `${n}@example.test`);
  for (const n of names) {
    emu.createAccount(n, 'pw');
    emu.deliver(n, msg(`${n.slice(0, 3)}-0`));
  }
  client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 1, retryBaseDelayMs: 10 });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const repo = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
  return { repo, ids: Object.fromEntries(emu.accounts().map((a) => [a.name, a.id])), names };
}

/**
 * zimbraIds are random UUIDs, so 8 users leave a shard of 3 empty in about 8% of runs: add users
 * (to `ids` and `names`) until every shard of `count` holds one.
 */
function fillShards(ids: Record<string, string>, names: string[], count: number): void {
  const users = (): string[] => Object.keys(ids).filter((n) => !n.startsWith('admin'));
  for (let i = 0; new Set(users().map((n) => shardOf(ids[n]!, count))).size < count; i++) {
    const name = `extra${i}@example.test`;
    ids[name] = emu!.createAccount(name, 'pw').id;
    emu!.deliver(name, msg(`extra${i}-0`));
    names.push(name);
  }
}

async function backedUp(repo: Repository): Promise<Map<string, { deleted: boolean }>> {
  const out = new Map<string, { deleted: boolean }>();
  for (const e of await readAccountIndex(repo.backend)) out.set(e.name, { deleted: e.deletedMs !== undefined });
  return out;
}

describe('BackupEngine selection', () => {
  it('--mail-servers: backs up the accounts homed there and marks only those deleted', async () => {
    const { repo, ids } = await setup();
    const names = Object.keys(ids); // the emulator's admin account included
    const s1 = emu!.servers()[0]!.name;
    const mine = names.filter((n) => emu!.homeServer(n) === s1);
    const others = names.filter((n) => emu!.homeServer(n) !== s1 && !n.startsWith('admin'));
    expect(mine.filter((n) => !n.startsWith('admin')).length).toBeGreaterThan(0);
    expect(others.length).toBeGreaterThan(1);
    const engine = new BackupEngine({ client: client!, repository: repo, selection: { mailServers: [s1] } });
    const r1 = await engine.run();
    expect(r1.failures).toEqual([]);
    expect(r1.accounts).toBe(mine.length);
    // a full engine backs up the rest, so the index knows every account
    await new BackupEngine({ client: client!, repository: repo }).run();
    expect((await backedUp(repo)).size).toBe(names.length);

    // an account of another server vanishes: not ours, not marked deleted by this engine
    emu!.deleteAccount(others[0]!);
    const gone = mine.find((n) => !n.startsWith('admin'))!;
    emu!.deleteAccount(gone);
    const r2 = await engine.run();
    expect(r2.accountsDeleted).toBe(1);
    const idx = await backedUp(repo);
    expect(idx.get(gone)?.deleted).toBe(true);
    expect(idx.get(others[0]!)?.deleted).toBe(false);
  });

  it('--shard i/n: the shards partition the accounts; a shard never marks another shard deleted', async () => {
    const { repo, ids, names } = await setup();
    fillShards(ids, names, 2);
    const seen: string[] = [];
    for (const index of [1, 2]) {
      const e = new BackupEngine({
        client: client!,
        repository: repo,
        selection: { shard: { index, count: 2 } },
        onAccountRun: (r) => seen.push(r.accountId),
      });
      const r = await e.run();
      expect(r.accounts).toBe(Object.keys(ids).filter((n) => shardOf(ids[n]!, 2) === index).length);
    }
    expect(seen.sort()).toEqual(Object.values(ids).sort());
    const inOne = names.find((n) => shardOf(ids[n]!, 2) === 1)!;
    const inTwo = names.find((n) => shardOf(ids[n]!, 2) === 2)!;
    emu!.deleteAccount(inOne);
    emu!.deleteAccount(inTwo);
    const r = await new BackupEngine({
      client: client!,
      repository: repo,
      selection: { shard: { index: 2, count: 2 } },
    }).run();
    expect(r.accountsDeleted).toBe(1);
    const idx = await backedUp(repo);
    expect(idx.get(inTwo)?.deleted).toBe(true);
    expect(idx.get(inOne)?.deleted).toBe(false);
  });

  it('shared engines: an account another live engine holds is skipped, and taken over once that engine stops', async () => {
    const { repo, ids } = await setup();
    const other = await repo.lock({ owner: 'watch', mode: 'shared', selection: 'shard-1of1' });
    const taken = ids['bob@example.test']!;
    expect(await acquireLease(repo.backend, taken, other.id)).toBe(true);
    const seen: string[] = [];
    const engine = new BackupEngine({
      client: client!,
      repository: repo,
      selection: { shard: { index: 1, count: 1 } },
      onAccountRun: (r) => seen.push(r.accountId),
    });
    const r = await engine.run();
    expect(r.failures).toEqual([]);
    expect(seen).not.toContain(taken);
    expect(seen.sort()).toEqual(
      Object.values(ids)
        .filter((id) => id !== taken)
        .sort(),
    );
    // the other engine stops: its account is taken over on the next run
    await other.release();
    const again: string[] = [];
    await new BackupEngine({
      client: client!,
      repository: repo,
      selection: { shard: { index: 1, count: 1 } },
      onAccountRun: (x) => again.push(x.accountId),
    }).run();
    expect(again).toContain(taken);
    // leases are released with the lock
    const left: string[] = [];
    for await (const o of repo.backend.list('leases/')) left.push(o.key);
    expect(left).toEqual([]);
  });

  it('shard engines running at once: no lost index update; an exclusive writer folds the engine indexes', async () => {
    const { repo, ids } = await setup();
    // an engine with no accounts writes no index file
    fillShards(ids, [], 3);
    const engines = [1, 2, 3].map(
      (index) => new BackupEngine({ client: client!, repository: repo, selection: { shard: { index, count: 3 } } }),
    );
    const results = await Promise.all(engines.map((e) => e.run()));
    expect(results.flatMap((r) => r.failures)).toEqual([]);
    expect(results.reduce((n, r) => n + r.accounts, 0)).toBe(Object.keys(ids).length);
    const engineFiles: string[] = [];
    for await (const o of repo.backend.list('index/accounts.d/')) engineFiles.push(o.key);
    expect(engineFiles.length).toBe(3);
    // every reader goes through readAccountIndex and sees all shards
    expect((await readAccountIndex(repo.backend)).map((e) => e.id).sort()).toEqual(Object.values(ids).sort());
    // an exclusive run writes the merged view and removes the engine files
    await new BackupEngine({ client: client!, repository: repo }).run();
    const left: string[] = [];
    for await (const o of repo.backend.list('index/accounts.d/')) left.push(o.key);
    expect(left).toEqual([]);
    expect((await readAccountIndex(repo.backend)).length).toBe(Object.keys(ids).length);
  });
});
