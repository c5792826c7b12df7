import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { saveDirectoryEntries, soapDirectoryEntries } from '../../src/directory/directory-snapshot.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import type { MailboxSnapshot } from '../../src/emulator/snapshot.js';
import { exportArchive } from '../../src/export/export-archive.js';
import { importArchive } from '../../src/import/import-archive.js';
import { importRepository } from '../../src/import/import-repository.js';
import { directoryDumpKey } from '../../src/repository/layout.js';
import { contactKey } from '../../src/restore/content-keys.js';
import { AddAccountAlias } from '../../src/soap/requests/add-account-alias.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { backupFixture, type BackupFixture } from './backup-helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A mailbox by content (ids differ between servers): folder paths, tags, one canonical line per item. */
function contentOf(snap: MailboxSnapshot): { folders: string[]; tags: string[]; items: string[] } {
  const pathOf = new Map(snap.folders.map((f) => [f.id, f.path]));
  const items = snap.items.map((i) => {
    const what =
      i.type === 'contact'
        ? contactKey(i.fields ?? {})
        : i.type === 'appointment' || i.type === 'task'
          ? `${i.uid}|${i.sha256}`
          : i.sha256;
    return [
      i.type,
      pathOf.get(i.folderId),
      what,
      [...i.flags].sort().join(''),
      [...i.tags].sort().join(','),
      i.type === 'message' ? i.dateMs : '',
      i.type === 'document' ? i.name : '',
    ].join('|');
  });
  return {
    folders: snap.folders
      .map((f) => f.path)
      .filter((p) => p !== '/' && p !== '')
      .sort(),
    tags: snap.tags.map((t) => t.name).sort(),
    items: items.sort(),
  };
}

async function target(): Promise<{ emu: Emulator; client: ZimbraClient }> {
  const emu = await startEmulator({ domain: 'target.test' });
  const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 2, retryBaseDelayMs: 10 });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  cleanups.push(async () => {
    client.close();
    await emu.close();
  });
  return { emu, client };
}

async function collect(run: (out: Writable) => Promise<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await run(
    new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

async function members(archive: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const ex = tar.extract();
  Readable.from([gunzipSync(archive)]).pipe(ex as unknown as Writable);
  for await (const e of ex) {
    const parts: Buffer[] = [];
    for await (const c of e) parts.push(c as Buffer);
    out.set(e.header.name, Buffer.concat(parts));
  }
  return out;
}

interface Source {
  fx: BackupFixture;
  users: string[];
  at: number;
  snaps: Map<string, MailboxSnapshot>;
}

/** Seeds and backs up a source, remembers its state at `at`, then changes it and backs up again. */
async function source(): Promise<Source> {
  const fx = await backupFixture();
  await fx.emu.seed(
    buildCorpus({
      seed: 5,
      accounts: 2,
      messagesPerAccount: 10,
      listShare: 0.4,
      contactsPerAccount: 3,
      calendarPerAccount: 2,
      documentsPerAccount: 1,
      domain: 'example.test',
    }),
  );
  const users = fx.emu
    .accounts()
    .map((a) => a.name)
    .filter((n) => n.startsWith('user'))
    .sort();
  const u0 = users[0]!;
  const proj = fx.emu.createFolder(u0, '/Projects/Alpha');
  fx.emu.deliver(u0, 'From: a@b.test\r\nSubject: alpha\r\n\r\nplan\r\n', {
    folderId: proj,
    tags: ['work'],
    flags: 'f',
  });
  fx.emu.createCos('gold', { zimbraMailQuota: '1048576' });
  await saveDirectoryEntries(fx.repo.backend, directoryDumpKey(new Date()), soapDirectoryEntries(fx.client));
  const engine = new BackupEngine({ client: fx.client, repository: fx.repo });
  expect((await engine.run()).failures).toEqual([]);
  await sleep(5);
  const at = Date.now();
  const snaps = new Map(users.map((u) => [u, fx.emu.snapshot(u)]));
  await sleep(5);
  fx.emu.deliver(u0, 'From: late@b.test\r\nSubject: after the export instant\r\n\r\nlate\r\n');
  fx.emu.deleteItem(u0, snaps.get(u0)!.items.find((i) => i.type === 'message')!.id);
  expect((await engine.run()).failures).toEqual([]);
  return { fx, users, at, snaps };
}

let fixture: Source | undefined;
beforeAll(async () => {
  fixture = await source();
});
afterAll(async () => {
  await fixture?.fx.close();
});

describe('export -> import into a second server', () => {
  it('reproduces accounts, content and directory at `at`; archives are byte-identical; blobs stored once', async () => {
    const src = fixture!;
    const run = (out: Writable): Promise<unknown> => exportArchive({ repo: src.fx.repo, out, at: src.at });
    const a1 = await collect(run);
    const a2 = await collect(run);
    expect(a1.equals(a2)).toBe(true);

    const files = await members(a1);
    const names = [...files.keys()];
    expect(names[0]).toBe('manifest.json');
    expect(names[1]).toBe('directory.ldif');
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as {
      accounts: Array<{ id: string; name: string }>;
      blobs: { count: number };
      directory: { source: string };
    };
    expect(manifest.directory.source).toBe('dump');
    const blobNames = names.filter((n) => n.startsWith('blobs/'));
    // Blobs come in the repository's pack order (pack id, then offset): read sequentially.
    const place = (n: string): string => {
      const loc = src.fx.repo.blobs.packs!.locate(n.slice('blobs/'.length))!;
      return `${loc.pack}:${String(loc.offset).padStart(12, '0')}`;
    };
    expect(blobNames.map(place)).toEqual(blobNames.map(place).sort());
    expect(new Set(blobNames).size).toBe(blobNames.length);
    expect(blobNames.length).toBe(manifest.blobs.count);
    // A list post delivered to both users: referenced by both states, present once.
    const digestsOf = (id: string): Set<string> =>
      new Set(
        files
          .get(`accounts/${id}/state.jsonl`)!
          .toString()
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { digest?: string }).digest)
          .filter((d): d is string => !!d),
      );
    const [s0, s1] = src.users.map((u) => digestsOf(manifest.accounts.find((a) => a.name === u)!.id));
    const shared = [...s0!].filter((d) => s1!.has(d));
    expect(shared.length).toBeGreaterThan(0);
    for (const d of shared) expect(blobNames.filter((n) => n === `blobs/${d}`)).toHaveLength(1);

    const t = await target();
    const r = await importArchive({ archive: Readable.from([a1]), client: t.client, concurrency: 2 });
    expect(r.accounts.filter((a) => src.users.includes(a.name)).map((a) => [a.name, a.status, a.failures])).toEqual(
      src.users.map((u) => [u, 'done', []]),
    );
    expect(r.workDir).toBeUndefined();
    for (const u of src.users) {
      expect(contentOf(t.emu.snapshot(u))).toEqual(contentOf(src.snaps.get(u)!));
      expect(r.accounts.find((a) => a.name === u)!.idMap!.entries).toBeGreaterThan(0);
    }
    // Directory objects, compared by content.
    const srcDls = await src.fx.client.getAllDistributionLists();
    const tgtDls = await t.client.getAllDistributionLists();
    const dlView = (dls: typeof srcDls): string[] =>
      dls.map((d) => `${d.name}:${[...(d.members ?? [])].sort().join(',')}`).sort();
    expect(srcDls.length).toBeGreaterThan(0);
    expect(dlView(tgtDls)).toEqual(dlView(srcDls));
    expect((await t.client.getAllDomains()).map((d) => d.name)).toContain('example.test');
    const gold = (await t.client.getAllCos()).find((c) => c.name === 'gold');
    expect(gold?.attrs['zimbraMailQuota']).toBe('1048576');
    const srcAcct = await src.fx.client.getAccount(src.users[0]!);
    const tgtAcct = await t.client.getAccount(src.users[0]!);
    expect(tgtAcct.id).not.toBe(srcAcct.id);
    expect(tgtAcct.attrs['displayName']).toBe(srcAcct.attrs['displayName']);

    // A second run finds everything there: nothing is created twice.
    const again = await importArchive({ archive: Readable.from([a1]), client: t.client });
    expect(again.accounts.filter((a) => src.users.includes(a.name)).every((a) => a.status === 'skipped')).toBe(true);
    for (const u of src.users) expect(contentOf(t.emu.snapshot(u))).toEqual(contentOf(src.snaps.get(u)!));
  });

  it('an interrupted import resumes from its work directory without duplicates', async () => {
    const src = fixture!;
    const archive = await collect((out) =>
      exportArchive({ repo: src.fx.repo, out, at: src.at, accounts: src.users, compression: 'none' }),
    );
    const t = await target();
    const workDir = await mkdtemp(join(tmpdir(), 'zb-export-test-'));
    cleanups.push(() => rm(workDir, { recursive: true, force: true }));
    const ac = new AbortController();
    let items = 0;
    const first = importArchive({
      archive: Readable.from([archive]),
      client: t.client,
      workDir,
      concurrency: 1,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.restore?.phase === 'items' && ++items === 4) ac.abort();
      },
    });
    await expect(first).rejects.toMatchObject({
      code: 'ZB_ABORTED',
      data: { workDir, accounts: expect.arrayContaining([expect.objectContaining({ status: 'pending' })]) },
    });
    const partial = t.emu.snapshot(src.users[0]!).items.length;
    expect(partial).toBeLessThan(src.snaps.get(src.users[0]!)!.items.length);
    const r = await importArchive({ archive: Readable.from([archive]), client: t.client, workDir, resume: true });
    expect(r.complete).toBe(true);
    expect(r.accounts.map((a) => a.status)).toEqual(['done', 'done']);
    for (const u of src.users) expect(contentOf(t.emu.snapshot(u))).toEqual(contentOf(src.snaps.get(u)!));
    // Resuming against another archive in the same directory is refused.
    const other = await collect((out) => exportArchive({ repo: src.fx.repo, out, accounts: [src.users[0]!] }));
    await expect(
      importArchive({ archive: Readable.from([other]), client: t.client, workDir, resume: true }),
    ).rejects.toMatchObject({ code: 'ZB_CONFLICT' });
  });

  it('imports straight from a repository; onExisting fail refuses before writing', async () => {
    const src = fixture!;
    const t = await target();
    const stateDir = await mkdtemp(join(tmpdir(), 'zb-export-test-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    const { LocalBackend } = await import('../../src/store/backends/local.js');
    const stateBackend = new LocalBackend({ root: stateDir, fsync: false });
    const u0 = src.users[0]!;
    const r = await importRepository({ from: src.fx.repo, client: t.client, at: src.at, accounts: [u0], stateBackend });
    expect(r.accounts.map((a) => [a.name, a.status])).toEqual([[u0, 'done']]);
    expect(contentOf(t.emu.snapshot(u0))).toEqual(contentOf(src.snaps.get(u0)!));
    // Same import again: its own account is resumed (all skipped), not treated as a conflict.
    const again = await importRepository({
      from: src.fx.repo,
      client: t.client,
      at: src.at,
      accounts: [u0],
      stateBackend,
      onExisting: 'fail',
    });
    expect(again.accounts[0]!.counts!.message.restored).toBe(0);
    // Another instant is another import: the account now exists and is not its own.
    t.emu.createAccount(src.users[1]!, 'secret-pw');
    await expect(
      importRepository({ from: src.fx.repo, client: t.client, accounts: src.users, stateBackend, onExisting: 'fail' }),
    ).rejects.toMatchObject({ code: 'ZB_CONFLICT' });
    expect(t.emu.snapshot(src.users[1]!).items.filter((i) => i.type === 'message')).toHaveLength(0);
  });
});

describe('import provisions account aliases', () => {
  // AddAccountAlias.java (LdapProvisioning.addAliasInternal): aliases are added after the account
  // exists; a second add of the same alias answers account.ACCOUNT_EXISTS (reported as existing).
  it('adds the zimbraMailAlias values of the dump to the imported account; a rerun reports them existing', async () => {
    const fx = await backupFixture();
    cleanups.push(() => fx.close());
    fx.emu.createAccount('eve@example.test', 'pw-eve-123', { displayName: 'Eve' });
    const eve = await fx.client.getAccount('eve@example.test');
    for (const alias of ['e.v@example.test', 'evie@example.test'])
      await fx.client.send(AddAccountAlias, { id: eve.id, alias });
    fx.emu.deliver('eve@example.test', 'From: a@b.test\r\nSubject: hi\r\n\r\nbody\r\n');
    await saveDirectoryEntries(fx.repo.backend, directoryDumpKey(new Date()), soapDirectoryEntries(fx.client));
    expect((await new BackupEngine({ client: fx.client, repository: fx.repo }).run()).failures).toEqual([]);
    const t = await target();
    const stateDir = await mkdtemp(join(tmpdir(), 'zb-alias-import-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    const { LocalBackend } = await import('../../src/store/backends/local.js');
    const stateBackend = new LocalBackend({ root: stateDir, fsync: false });
    const r = await importRepository({ from: fx.repo, client: t.client, accounts: ['eve@example.test'], stateBackend });
    expect(r.complete).toBe(true);
    expect(r.directory.filter((o) => o.kind !== 'cos').map((o) => `${o.kind}:${o.name}:${o.status}`)).toEqual([
      'domain:example.test:created',
      'account:eve@example.test:created',
      'alias:e.v@example.test:created',
      'alias:evie@example.test:created',
    ]);
    const moved = await t.client.getAccount('eve@example.test');
    expect([moved.attrs['zimbraMailAlias']].flat().sort()).toEqual(['e.v@example.test', 'evie@example.test']);
    expect((await t.client.getAccount('evie@example.test')).id).toBe(moved.id);
    const again = await importRepository({
      from: fx.repo,
      client: t.client,
      accounts: ['eve@example.test'],
      stateBackend,
    });
    expect(again.directory.filter((o) => o.kind === 'alias').map((o) => o.status)).toEqual(['existing', 'existing']);
  });
});
