// The first backup's bulk download (src/backup/bulk-fetch.ts): messages come in `fmt=tar&list=…`
// archives (ArchiveFormatter.java, UserServletContext.java `list`), each entry mapped to its item by
// the `.meta` ItemData JSON written before it (ItemData.java: id, type, size, blob_digest). The
// journal and the blobs must be those of the per-item path; whatever the archive lacks or gets
// wrong is fetched per item (a list cut at an id that vanished, a padded blob with `.err`, a
// truncated stream).
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { exportItemsTar } from '../../src/rest/export-items-tar.js';
import type { Emulator } from '../../src/emulator/index.js';
import { initRepository, type Repository } from '../../src/repository/repository.js';
import { MemoryBackend } from '../../src/store/backends/memory.js';
import type { ItemRecord } from '../../src/journal/types.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const msg = (i: number, subject: string, extra = ''): string =>
  `From: "Sender ${i}" <s${i}@example.test>\r\nTo: r@example.test, "Carla" <c@example.test>\r\n` +
  `Subject: ${subject}\r\nDate: Tue, 01 Dec 2026 10:00:${String(i % 60).padStart(2, '0')} +0100\r\n` +
  `Message-ID: <m${i}@example.test>\r\n\r\nbody ${i}\r\n${extra}`;

/** A mailbox with what the archive names and sizes differently: long, empty and odd subjects, a large message, a chat. */
function fill(emu: Emulator, account: string): number[] {
  const ids: number[] = [];
  for (let i = 0; i < 30; i++)
    ids.push(emu.deliver(account, msg(i, `Report ${i}: "q3"?`), { flags: i % 3 ? '' : 'u' }));
  ids.push(emu.deliver(account, msg(30, 'L'.repeat(200))));
  ids.push(emu.deliver(account, msg(31, '').replace('Subject: \r\n', '')));
  ids.push(
    emu.deliver(account, msg(32, 'big', 'x'.repeat(400 * 1024)), {
      folderPath: '/Inbox/a very long folder name indeed',
    }),
  );
  ids.push(emu.addChat(account, msg(33, 'chat')));
  return ids;
}

async function backup(f: BackupFixture, repo: Repository, bulkDownload: boolean) {
  f.emu.stats.reset();
  const r = await new BackupEngine({ client: f.client, repository: repo, bulkDownload }).run();
  return { r, tar: f.emu.stats.get('REST:tar'), rest: f.emu.stats.get('REST') };
}

async function digests(repo: Repository): Promise<string[]> {
  const out: string[] = [];
  for await (const d of repo.blobs.list()) out.push(d);
  return out.sort();
}

/** The records without their capture time (the two runs commit at different instants). */
function records(items: ReadonlyMap<string, ItemRecord>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, rec] of [...items].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const { captureMs: _captureMs, ...rest } = rec;
    out[id] = rest;
  }
  return out;
}

describe('bulk download of the first backup', () => {
  it('stores the same journal records and blobs as one GET per message, in a few tar requests', async () => {
    fx = await backupFixture();
    const acct = fx.emu.createAccount('bulk@example.test', 'pw');
    const ids = fill(fx.emu, acct.name);
    const perItemRepo = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
    const perItem = await backup(fx, perItemRepo, false);
    const bulk = await backup(fx, fx.repo, true);
    expect(perItem.r.failures).toEqual([]);
    expect(bulk.r.failures).toEqual([]);
    expect(perItem.tar).toBe(0);
    expect(bulk.tar).toBeGreaterThan(0);
    // every message of the account came from an archive: no per-item GET is left for them
    expect(perItem.rest - bulk.rest).toBe(ids.length);
    const a = await journalState(perItemRepo, acct.id);
    const b = await journalState(fx.repo, acct.id);
    expect(records(b.items)).toEqual(records(a.items));
    expect((b.items.get(String(ids[0])) as ItemRecord).meta?.['envelope']).toMatchObject({
      from: 'Sender 0 <s0@example.test>',
    });
    expect(await digests(fx.repo)).toEqual(await digests(perItemRepo));
    expect(diffMailbox(fx.emu, acct.name, b)).toEqual([]);
  });

  it('fetches per item what a list cut short leaves out (an item deleted between listing and download)', async () => {
    fx = await backupFixture();
    const acct = fx.emu.createAccount('cut@example.test', 'pw');
    const ids = fill(fx.emu, acct.name);
    const victim = ids[10]!;
    const emu = fx.emu;
    // ArchiveFormatter stops at the first list id that does not resolve (UserServletUtil.resolveItems)
    // (only this account's archive request: another mailbox's must not delete it before its listing)
    emu.faults.inject({
      match: { path: /\/home\/cut%40example\.test\/\?fmt=tar/ },
      before: () => emu.deleteItem(acct.name, victim),
    });
    const run = await backup(fx, fx.repo, true);
    expect(run.r.failures).toEqual([]);
    expect(run.tar).toBeGreaterThan(0);
    // the victim's per-item GET answers 404 (vanished); the items after it came one by one
    expect(run.rest).toBeGreaterThan(0);
    expect(emu.faults.pending()).toBe(0);
    const state = await journalState(fx.repo, acct.id);
    expect(state.items.has(String(victim))).toBe(false);
    expect(diffMailbox(emu, acct.name, state)).toEqual([]);
  });

  it('never takes a truncated archive for a whole one: the cut items come one by one', async () => {
    fx = await backupFixture();
    const acct = fx.emu.createAccount('trunc@example.test', 'pw');
    fill(fx.emu, acct.name);
    fx.emu.faults.inject({ match: { path: /fmt=tar/ }, truncate: true, times: Infinity });
    const run = await backup(fx, fx.repo, true);
    expect(run.r.failures).toEqual([]);
    expect(run.tar).toBeGreaterThan(0);
    const state = await journalState(fx.repo, acct.id);
    expect(diffMailbox(fx.emu, acct.name, state)).toEqual([]);
    // nothing stored beyond what the journal references (no short blob from the cut entry)
    const referenced = new Set([...state.items.values()].map((r) => r.digest).filter((d) => d !== undefined));
    for (const d of await digests(fx.repo)) expect(referenced.has(d)).toBe(true);
  });

  it('does not take a padded blob (<name>.err) from the archive: the per-item path decides, as without bulk', async () => {
    fx = await backupFixture();
    const acct = fx.emu.createAccount('pad@example.test', 'pw');
    const ids = fill(fx.emu, acct.name);
    const damaged = ids[5]!;
    const size = fx.emu.snapshot(acct.name).items.find((i) => i.id === damaged)!.size;
    const short = Buffer.from('From: x@example.test\r\nSubject: cut\r\n\r\n');
    fx.emu.damageBlob(acct.name, damaged, short);
    const perItemRepo = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
    const perItem = await backup(fx, perItemRepo, false);
    const bulk = await backup(fx, fx.repo, true);
    // NativeFormatter sends the short blob: a size mismatch, reported and retried next run
    expect(perItem.r.failures.map((f) => f.itemId)).toEqual([String(damaged)]);
    expect(bulk.r.failures.map((f) => f.itemId)).toEqual([String(damaged)]);
    const padded = Buffer.concat([short, Buffer.alloc(size - short.length, 0x20)]);
    const paddedDigest = createHash('sha256').update(padded).digest('hex');
    expect(await digests(fx.repo)).not.toContain(paddedDigest);
    expect(await digests(fx.repo)).toEqual(await digests(perItemRepo));
  });
});

describe('exportItemsTar (fmt=tar&list=…)', () => {
  it('sends the ids as `list`, reads 204 No Content as an empty archive, refuses ids that are not plain numbers', async () => {
    fx = await backupFixture();
    const acct = fx.emu.createAccount('list@example.test', 'pw');
    const id = fx.emu.deliver(acct.name, msg(1, 'one'));
    const account = { by: 'id' as const, value: acct.id };
    const chunks: Buffer[] = [];
    for await (const c of await exportItemsTar(fx.client, { account, ids: [String(id)] })) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).length % 10240).toBe(0);
    expect(Buffer.concat(chunks).toString('latin1')).toContain(`${String(id).padStart(10, '0')}-one.eml.meta`);
    // ArchiveFormatter.formatCallback: nothing written -> UserServletException(SC_NO_CONTENT)
    const empty: Buffer[] = [];
    for await (const c of await exportItemsTar(fx.client, { account, ids: ['999999'] })) empty.push(c as Buffer);
    expect(empty).toEqual([]);
    await expect(exportItemsTar(fx.client, { account, ids: ['1,2'] })).rejects.toMatchObject({
      code: 'ZB_INVALID_ARGUMENT',
    });
    await expect(exportItemsTar(fx.client, { account, ids: [] })).rejects.toMatchObject({
      code: 'ZB_INVALID_ARGUMENT',
    });
  });
});
