import pLimit from 'p-limit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backupAccount, type AccountBackupOptions } from '../../../src/backup/account-backup.js';
import type { BackupProgress } from '../../../src/backup/progress.js';
import { startEmulator, type Emulator } from '../../../src/emulator/index.js';
import type { Journal } from '../../../src/journal/journal.js';
import type { CursorState } from '../../../src/repository/cursor-state.js';
import { initRepository, type Repository } from '../../../src/repository/repository.js';
import { ZimbraClient } from '../../../src/soap/zimbra-client.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';

// One account run (backupAccount) against the in-process emulator: its SyncRequest, tombstones and
// MUST_RESYNC behave as Sync.java does, so reconcile and delta logic meet the server's answers.

interface Fixture {
  emu: Emulator;
  client: ZimbraClient;
  repo: Repository;
  name: string;
  id: string;
  journal: Journal;
}

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.journal.close();
  fx?.client.close();
  await fx?.emu.close();
  fx = undefined;
});

async function fixture(messages: number): Promise<Fixture> {
  const emu = await startEmulator({ domain: 'example.test' });
  const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 1, retryBaseDelayMs: 5 });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const name = 'user1@example.test';
  const { id } = emu.createAccount(name, 'pw-1');
  for (let i = 0; i < messages; i++) emu.deliver(name, `Subject: m${i}\r\n\r\nbody ${i}\r\n`);
  const repo = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
  const journal = await repo.journal(id);
  fx = { emu, client, repo, name, id, journal };
  return fx;
}

function run(f: Fixture, extra: Partial<AccountBackupOptions> = {}): ReturnType<typeof backupAccount> {
  return backupAccount({
    journal: f.journal,
    accountId: f.id,
    fetch: { client: f.client, account: { by: 'id', value: f.id }, blobs: f.repo.blobs, limit: pLimit(4) },
    ...extra,
  });
}

const stateOf = (j: Journal): CursorState => (j.lastState() ?? {}) as CursorState;
const messageIds = (f: Fixture): string[] =>
  f.emu
    .snapshot(f.name)
    .items.filter((i) => i.type === 'message')
    .map((i) => String(i.id));

describe('backupAccount', () => {
  it('commits a full listing in slices and saves the token only with the last commit', async () => {
    const f = await fixture(7);
    const commit = vi.spyOn(f.journal, 'commit');
    const r = await run(f, { sliceRecords: 3 });
    expect(r.fullListing).toBe(true);
    expect(r.failures).toEqual([]);
    const states = commit.mock.calls.map((c) => (c[1]?.state ?? {}) as CursorState);
    // 7 messages in slices of 3: three item commits (folders ride with the first), then the final one.
    expect(states.length).toBeGreaterThanOrEqual(3);
    expect(states.slice(0, -1).every((s) => s.token === undefined)).toBe(true);
    const last = states.at(-1)!;
    expect(last.token).toBeDefined();
    expect(last.scannedToken).toBe(last.token);
    const ids = new Set(messageIds(f));
    const perCommit = commit.mock.calls.map((c) => c[0].filter((rec) => 'id' in rec && ids.has(rec.id)).length);
    expect(perCommit.filter((n) => n > 0)).toEqual([3, 3, 1]);
    const current = f.journal.current();
    for (const m of messageIds(f)) expect(current.items.get(m)?.digest).toBeDefined();
  });

  it('a delta with nothing new commits nothing; one delivery is one new item under the new token', async () => {
    const f = await fixture(2);
    await run(f);
    const before = stateOf(f.journal).token;
    const commit = vi.spyOn(f.journal, 'commit');
    const idle = await run(f);
    expect(idle.fullListing).toBe(false);
    expect(idle.itemsNew + idle.itemsChanged + idle.itemsDeleted).toBe(0);
    expect(commit).not.toHaveBeenCalled();
    const newId = String(f.emu.deliver(f.name, 'Subject: later\r\n\r\nlater\r\n'));
    const r = await run(f);
    expect(r.itemsNew).toBe(1);
    expect(r.bytesDownloaded).toBeGreaterThan(0);
    expect(f.journal.current().items.get(newId)).toBeDefined();
    expect(stateOf(f.journal).token).not.toBe(before);
  });

  it('on mail.MUST_RESYNC commits a resync marker and reconciles: a vanished item becomes a deletion', async () => {
    const f = await fixture(3);
    await run(f);
    const [victim, kept] = messageIds(f);
    f.emu.deleteItem(f.name, Number(victim));
    f.emu.expireTombstones(f.name); // the delete is no longer in any delta: Sync.java answers MUST_RESYNC
    const commit = vi.spyOn(f.journal, 'commit');
    const r = await run(f);
    expect(r.fullListing).toBe(true);
    expect(r.itemsDeleted).toBe(1);
    expect(r.itemsNew).toBe(0); // the listing matches the kept items by id and sequence: nothing refetched
    expect(r.bytesDownloaded).toBe(0);
    const records = commit.mock.calls.flatMap((c) => c[0]);
    expect(records).toContainEqual({ type: 'resync', reason: 'mail.MUST_RESYNC' });
    expect(records).toContainEqual(expect.objectContaining({ type: 'delete', id: victim }));
    expect(f.journal.current().items.has(victim!)).toBe(false);
    expect(f.journal.current().items.has(kept!)).toBe(true);
  });

  it('keeps an item that fails in the retry list, retries it on the next runs, and drops it after maxItemAttempts', async () => {
    const f = await fixture(2);
    const [bad] = messageIds(f);
    // UserServlet answers a server error for this one item's content, every time.
    f.emu.faults.inject({ match: { path: new RegExp(`[?&]id=${bad}(&|$)`) }, status: 500, times: Infinity });
    const first = await run(f, { maxItemAttempts: 2 });
    expect(first.failures.map((x) => x.id)).toEqual([bad]);
    expect(stateOf(f.journal).retry).toEqual([expect.objectContaining({ id: bad, type: 'message', attempts: 1 })]);
    expect(f.journal.current().items.has(bad!)).toBe(false);

    // A delta with no change still retries it (the retry list rides in the cursor state).
    const second = await run(f, { maxItemAttempts: 2 });
    expect(second.failures.map((x) => x.id)).toEqual([bad]);
    expect(stateOf(f.journal).retry).toEqual([expect.objectContaining({ id: bad, attempts: 2 })]);
    const third = await run(f, { maxItemAttempts: 2 });
    expect(third.failures.map((x) => x.id)).toEqual([bad]);
    expect(stateOf(f.journal).retry ?? []).toEqual([]); // given up (still reported in failures)
  });

  it('a retried item that succeeds leaves the retry list and is recorded', async () => {
    const f = await fixture(2);
    const [bad] = messageIds(f);
    f.emu.faults.inject({ match: { path: new RegExp(`[?&]id=${bad}(&|$)`) }, status: 500, times: Infinity });
    await run(f);
    expect(stateOf(f.journal).retry).toHaveLength(1);
    f.emu.faults.clear();
    const r = await run(f);
    expect(r.failures).toEqual([]);
    expect(r.itemsNew).toBe(1);
    expect(stateOf(f.journal).retry ?? []).toEqual([]);
    expect(f.journal.current().items.get(bad!)?.digest).toBeDefined();
  });

  it('reports progress per account: sync with the listing size, then commits', async () => {
    const f = await fixture(3);
    const events: BackupProgress[] = [];
    await run(f, { onProgress: (p) => events.push(p) });
    const sync = events.find((e) => e.phase === 'sync');
    expect(sync).toMatchObject({ accountId: f.id, total: 3 });
    expect(events.some((e) => e.phase === 'commit' && (e.records ?? 0) > 0)).toBe(true);
  });
});
