// Issue 12, "a no-change incremental run": an account whose attributes and sync token show no
// change since the last commit is done without opening its journal (src/backup/quick-check.ts),
// and writes nothing; any change (mail, attributes, a deleted account coming back) still takes
// the full run. The emulator's SyncRequest answers an unchanged token with an empty delta and
// the same token, as zm-mailbox service/mail/Sync.java does (no change since `token`: no items).
import { type Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import { peekLastState } from '../../src/journal/peek.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { initRepository, openRepository, type Repository } from '../../src/repository/repository.js';
import { MemoryBackend } from '../../src/store/backends/memory.js';
import type {
  BackendPutOptions,
  IoOptions,
  ObjectInfo,
  ReplayableBody,
  StorageBackend,
} from '../../src/store/backends/backend.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';

/** Delegates to `inner` and counts reads and writes by key. */
class CountingBackend implements StorageBackend {
  gets: string[] = [];
  puts: string[] = [];
  constructor(readonly inner: StorageBackend) {}
  get properties(): StorageBackend['properties'] {
    return this.inner.properties;
  }
  /** Each put's key and whether it was asked to be durable (fsynced). */
  durable: Array<[string, boolean]> = [];
  put(key: string, body: ReplayableBody, opts?: BackendPutOptions): Promise<void> {
    this.puts.push(key);
    this.durable.push([key, opts?.durable !== false]);
    return this.inner.put(key, body, opts);
  }
  get(key: string, opts?: IoOptions & { offset?: number; length?: number }): Promise<Readable> {
    this.gets.push(key);
    return this.inner.get(key, opts);
  }
  stat(key: string, opts?: IoOptions): Promise<{ size: number } | undefined> {
    return this.inner.stat(key, opts);
  }
  list(prefix: string, opts?: IoOptions): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, opts);
  }
  delete(key: string, opts?: IoOptions): Promise<void> {
    return this.inner.delete(key, opts);
  }
  reset(): void {
    this.gets = [];
    this.puts = [];
    this.durable = [];
  }
}

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function setup(): Promise<{ fx: BackupFixture; counting: CountingBackend; repo: Repository }> {
  fx = await backupFixture();
  await fx.emu.seed(buildCorpus({ seed: 21, accounts: 2, messagesPerAccount: 30, domain: 'example.test' }));
  const counting = new CountingBackend(fx.repo.backend);
  const repo = await openRepository({ backend: counting });
  return { fx, counting, repo };
}

const journalWrites = (keys: string[]): string[] => keys.filter((k) => k.startsWith('accounts/'));

describe('a run that finds nothing changed', () => {
  it('also in an encrypted repository (the commit marker is read through the decrypting backend)', async () => {
    fx = await backupFixture();
    await fx.emu.seed(buildCorpus({ seed: 22, accounts: 1, messagesPerAccount: 10, domain: 'example.test' }));
    const inner = new CountingBackend(new MemoryBackend());
    const repo = await initRepository({
      backend: inner,
      encryption: { password: 'no change here', kdf: { N: 1024, r: 8, p: 1 }, label: 'test' },
    });
    const engine = new BackupEngine({ client: fx.client, repository: repo });
    await engine.run();
    await engine.run();
    inner.reset();
    const quiet = await engine.run();
    expect(quiet.failures).toEqual([]);
    expect(quiet.itemsNew + quiet.itemsChanged + quiet.itemsDeleted).toBe(0);
    expect(journalWrites(inner.puts)).toEqual([]);
    // The quick path, not a replay that happened to find nothing: one segment read per account.
    for (const a of fx.emu.accounts())
      expect(inner.gets.filter((k) => k.startsWith(accountPrefix(a.id))).length).toBe(1);
  });

  it('reads one segment per account, writes no journal or index, and still sees later changes', async () => {
    const { fx, counting, repo } = await setup();
    const engine = new BackupEngine({ client: fx.client, repository: repo });
    expect((await engine.run()).failures).toEqual([]);
    // The run after the first records the attribute digest in the state (once per account).
    await engine.run();
    const users = fx.emu.accounts();
    for (const a of users) {
      const peeked = await peekLastState(repo.backend, accountPrefix(a.id));
      expect((peeked?.state as { attrsDigest?: string } | undefined)?.attrsDigest).toMatch(/^[0-9a-f]{64}$/);
    }

    counting.reset();
    const quiet = await engine.run();
    expect(quiet.failures).toEqual([]);
    expect(quiet.accounts).toBe(users.length);
    expect(quiet.itemsNew + quiet.itemsChanged + quiet.itemsDeleted).toBe(0);
    expect(journalWrites(counting.puts)).toEqual([]);
    expect(counting.puts.filter((k) => k.startsWith('index/'))).toEqual([]);
    // One read per account (the newest segment's commit marker), not a replay of the journal.
    for (const a of users) {
      const reads = counting.gets.filter((k) => k.startsWith(accountPrefix(a.id)));
      expect(reads.length).toBe(1);
    }

    // A change after a quiet run is captured by the next one.
    const user = users.find((a) => a.name.startsWith('user'))!;
    fx.emu.deliver(user.name, 'From: x@y.test\r\nSubject: after quiet\r\n\r\nhello\r\n', { folderPath: '/Inbox' });
    const next = await engine.run();
    expect(next.itemsNew).toBe(1);
    expect(diffMailbox(fx.emu, user.name, await journalState(repo, user.id))).toEqual([]);
  });

  it('an attribute change takes the full run and is recorded', async () => {
    const { fx, repo } = await setup();
    const engine = new BackupEngine({ client: fx.client, repository: repo });
    await engine.run();
    await engine.run();
    const user = fx.emu.accounts().find((a) => a.name.startsWith('user'))!;
    await fx.client.modifyAccount(user.id, { displayName: 'Changed After Quiet' });
    expect((await engine.run()).failures).toEqual([]);
    const state = await journalState(repo, user.id);
    expect(state.account?.attrs['displayName']).toBe('Changed After Quiet');
    // And the state's digest follows the new attributes: the next run is quiet again.
    const before = await peekLastState(repo.backend, accountPrefix(user.id));
    await engine.run();
    expect((await peekLastState(repo.backend, accountPrefix(user.id)))?.seq).toBe(before?.seq);
  });

  it('an account marked deleted loses its digest, so its return is recorded by a full run', async () => {
    const { fx, repo } = await setup();
    const engine = new BackupEngine({ client: fx.client, repository: repo });
    await engine.run();
    await engine.run();
    const user = fx.emu.accounts().find((a) => a.name.startsWith('user'))!;
    fx.emu.deleteAccount(user.name);
    const r = await engine.run();
    expect(r.accountsDeleted).toBe(1);
    expect((await journalState(repo, user.id)).accountDeleted).toBe(true);
    const peeked = await peekLastState(repo.backend, accountPrefix(user.id));
    expect(peeked?.state).not.toHaveProperty('attrsDigest');
  });
});

let cleanup: BackupFixture | undefined;
afterEach(async () => {
  await cleanup?.close();
  cleanup = undefined;
});

describe('the requests of a no-change pass', () => {
  it('are one listing, one SyncRequest per account and two directory batches', async () => {
    const fx = await backupFixture();
    cleanup = fx;
    await fx.emu.seed(buildCorpus({ seed: 23, accounts: 2, messagesPerAccount: 5, domain: 'example.test' }));
    fx.emu.createDistributionList('team@example.test', [fx.emu.accounts()[0]!.name]);
    const counting = new CountingBackend(fx.repo.backend);
    const repo = await openRepository({ backend: counting });
    const engine = new BackupEngine({ client: fx.client, repository: repo, directory: { source: 'soap' } });
    await engine.run();
    await engine.run(); // records the attribute digests
    const accounts = fx.emu.accounts().length;
    fx.emu.stats.reset();
    counting.reset();
    const quiet = await engine.run();
    expect(quiet.failures).toEqual([]);
    expect(quiet.accounts).toBe(accounts);
    expect(quiet.directory?.unchanged).toBe(true);
    // Two writes: the lock (durable: a torn lock would block backups after a power loss) and the
    // advisory capture status (not fsynced, capture-status.ts). No journal, index or directory object.
    expect(counting.durable.map(([k, d]) => [k.replace(/^locks\/.*\.json$/, 'locks/<id>.json'), d])).toEqual([
      ['locks/<id>.json', true],
      [expect.stringMatching(/^status\/capture-.*\.json$/), false],
    ]);
    expect(accounts).toBe(3); // the corpus's two users and its admin
    // Pinned (the CLI adds one AuthRequest); BatchRequest members are counted under their own names too.
    expect(fx.emu.stats.counts).toEqual({
      // 1 the pass's listing (every attribute: no GetAccount per account), 1 the directory's accounts
      // page, sent inside the first BatchRequest
      SearchDirectoryRequest: 2,
      // one per account: the token check of quick-check.ts
      SyncRequest: 3,
      // the directory snapshot (soap-batch-read.ts): servers, COS, domains, accounts, lists; then members
      BatchRequest: 2,
      GetAllServersRequest: 1,
      GetAllCosRequest: 1,
      GetAllDomainsRequest: 1,
      GetAllDistributionListsRequest: 1,
      // the corpus's two lists and team@: inside the second BatchRequest
      GetDistributionListRequest: 3,
    });
    // HTTP round trips: the listing, three SyncRequests, two batches.
    const members = [
      'GetAllServersRequest',
      'GetAllCosRequest',
      'GetAllDomainsRequest',
      'GetAllDistributionListsRequest',
    ];
    const trips =
      Object.values(fx.emu.stats.counts).reduce((a, b) => a + b, 0) -
      members.reduce((a, m) => a + fx.emu.stats.get(m), 0) -
      fx.emu.stats.get('GetDistributionListRequest') -
      1; // the SearchDirectory inside the first batch
    expect(trips).toBe(6);

    // An account whose attributes changed is read with GetAccount (its full run records them); the others are not.
    const user = fx.emu.accounts().find((a) => a.name.startsWith('user'))!;
    await fx.client.modifyAccount(user.id, { displayName: 'Changed Since The Listing Before' });
    fx.emu.stats.reset();
    expect((await engine.run()).failures).toEqual([]);
    expect(fx.emu.stats.get('GetAccountRequest')).toBe(1);
    expect((await journalState(fx.repo, user.id)).account?.attrs['displayName']).toBe(
      'Changed Since The Listing Before',
    );
  });

  it('a changed account costs one SyncRequest: its run starts from the quick check answer', async () => {
    // The quick check's delta (token, typed, changeLimit and deleteLimit 1000) is exactly the first
    // request of the run's delta; zm-mailbox service/mail/Sync.java computes it from the mailbox
    // and changes nothing (beyond idempotent tombstone tracking), so the run reuses it
    // (SyncCursor `received`) instead of asking again.
    const fx = await backupFixture();
    cleanup = fx;
    await fx.emu.seed(buildCorpus({ seed: 24, accounts: 2, messagesPerAccount: 5, domain: 'example.test' }));
    const user = fx.emu.accounts().find((a) => a.name.startsWith('user'))!;
    const kept = fx.emu.deliver(user.name, 'From: a@y.test\r\nSubject: kept\r\n\r\nkept\r\n', { folderPath: '/Inbox' });
    const gone = fx.emu.deliver(user.name, 'From: a@y.test\r\nSubject: gone\r\n\r\ngone\r\n', { folderPath: '/Inbox' });
    const engine = new BackupEngine({ client: fx.client, repository: fx.repo });
    await engine.run();
    await engine.run(); // records the attribute digests
    const accounts = fx.emu.accounts().length;

    // A new message, a flag change and a delete: all three kinds a delta page carries.
    fx.emu.deliver(user.name, 'From: a@y.test\r\nSubject: new\r\n\r\nnew\r\n', { folderPath: '/Inbox' });
    fx.emu.setFlags(user.name, kept, 'f');
    fx.emu.deleteItem(user.name, gone);
    fx.emu.stats.reset();
    const changed = await engine.run();
    expect(changed.failures).toEqual([]);
    expect([changed.itemsNew, changed.itemsChanged, changed.itemsDeleted]).toEqual([1, 1, 1]);
    // Pinned: one per account, the changed one included (it was 4 when its run asked again).
    expect(accounts).toBe(3);
    expect(fx.emu.stats.get('SyncRequest')).toBe(3);
    // The content is what a run that asked itself records.
    expect(diffMailbox(fx.emu, user.name, await journalState(fx.repo, user.id))).toEqual([]);

    // The token committed is the reused page's: the next run finds nothing and writes nothing.
    const before = await peekLastState(fx.repo.backend, accountPrefix(user.id));
    fx.emu.stats.reset();
    const quiet = await engine.run();
    expect(quiet.itemsNew + quiet.itemsChanged + quiet.itemsDeleted).toBe(0);
    expect(fx.emu.stats.get('SyncRequest')).toBe(3);
    expect((await peekLastState(fx.repo.backend, accountPrefix(user.id)))?.seq).toBe(before?.seq);
  });
});
