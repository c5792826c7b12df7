import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { initRepository, type Repository } from '../../src/repository/repository.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { treeOf } from './support/fault-fixture.js';
import { startHostileProxy, walk, type HostileProxy } from './support/hostile-proxy.js';
import { checkReferencedBlobs, committedRecords, diffServer, lostRecords } from './support/verify-repository.js';

// Hostile server input through the whole backup engine (DESIGN.md invariant 5): ids and names with
// `../`, NUL, huge or negative numbers, non-UUID account ids. Expected: typed failures, nothing
// written outside the repository directory, nothing already stored lost, and a clean run after.
interface World {
  emu: Emulator;
  mailProxy: HostileProxy;
  adminProxy: HostileProxy;
  client: ZimbraClient;
  dir: string;
  repoDir: string;
  repo: Repository;
  user: string;
}
let world: World | undefined;
afterEach(async () => {
  if (!world) return;
  world.client.close();
  await world.mailProxy.close();
  await world.adminProxy.close();
  await world.emu.close();
  await rm(world.dir, { recursive: true, force: true });
  world = undefined;
});

async function setup(): Promise<World> {
  const emu = await startEmulator({ domain: 'hostile.test' });
  const user = emu.createAccount('victim@hostile.test', 'pw-victim').name;
  emu.deliver(user, 'From: a@hostile.test\r\nSubject: plain\r\n\r\nhello\r\n');
  // Names are data: folders called `..` and `..\\..\\etc` (Zimbra forbids '/' in names; the
  // proxy test below sends '../../etc' itself), unicode, and a very long subject.
  const evil = emu.createFolder(user, '/Inbox/evil');
  emu.renameFolder(user, evil, '..');
  emu.createFolder(user, '/..\\..\\etc');
  emu.deliver(user, `Subject: ${'é'.repeat(2)}\u202e\u0301 ${'x'.repeat(20_000)}\r\n\r\nbody\r\n`, { folderId: evil });
  emu.deliver(user, 'Subject: =?UTF-8?B?8J+SqQ==?= emoji\r\n\r\n\u{1F4A9}\r\n', {
    folderPath: '/Inbox/\u{1F4A9} dossier',
  });
  const mailProxy = await startHostileProxy(emu.url);
  const adminProxy = await startHostileProxy(emu.adminUrl);
  const client = new ZimbraClient({ url: mailProxy.url, adminUrl: adminProxy.url, retries: 0 });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const dir = await mkdtemp(join(tmpdir(), 'zb-hostile-'));
  const repoDir = join(dir, 'repo');
  const repo = await initRepository({ backend: new LocalBackend({ root: repoDir }) });
  world = { emu, mailProxy, adminProxy, client, dir, repoDir, repo, user };
  return world;
}

/** Files in the scratch dir that are not inside the repository (must be none). */
async function outside(w: World): Promise<string[]> {
  return (await treeOf(w.dir)).filter((f) => !f.startsWith('repo/'));
}

describe('hostile server input through the backup engine', () => {
  it('hostile names are stored as data and restored to the exact server state', async () => {
    const w = await setup();
    const r = await new BackupEngine({ client: w.client, repository: w.repo }).run();
    expect(r.failures).toEqual([]);
    expect(await diffServer(w.emu, w.repo)).toEqual([]);
    expect(await outside(w)).toEqual([]);
    expect((await treeOf(w.repoDir)).filter((f) => f.includes('etc') || f.includes('..'))).toEqual([]);
  });

  it('non-UUID and traversal account ids are refused (typed), other accounts are backed up, and later runs still work', async () => {
    const w = await setup();
    const ids = w.emu.accounts().map((a) => a.id);
    await new BackupEngine({ client: w.client, repository: w.repo }).run();
    const before = await committedRecords(w.repo, ids);
    w.emu.deliver(w.user, 'Subject: second\r\n\r\nnew\r\n');
    const hostile = [
      { name: 'dots@hostile.test', id: '../../../etc' },
      { name: 'nul@hostile.test', id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeee\u0000' },
      { name: 'plain@hostile.test', id: 'not-a-uuid' },
      { name: `${'L'.repeat(100_000)}@hostile.test`, id: 'a'.repeat(100_000) },
    ];
    w.adminProxy.rewrites.set('SearchDirectoryRequest', (body) => {
      walk(body, (o) => {
        if (Array.isArray(o['account'])) (o['account'] as unknown[]).push(...hostile.map((h) => ({ ...h, a: [] })));
      });
      return body;
    });
    const r = await new BackupEngine({ client: w.client, repository: w.repo }).run().catch((e: unknown) => e);
    expect(w.adminProxy.rewritten).toBeGreaterThan(0);
    if (r instanceof Error) {
      // Refusing the whole listing is acceptable if it is typed.
      expect((r as { code?: string }).code).toMatch(/^ZB_(UNSAFE_PATH|PROTOCOL)$/);
    } else {
      const failures = (r as { failures: Array<{ accountId: string; error: string }> }).failures;
      expect(
        failures
          .map((f) => f.error.split(':')[0])
          .every((c) => /^(ZB_UNSAFE_PATH|account\.NO_SUCH_ACCOUNT|ZB_PROTOCOL)$/.test(c!)),
      ).toBe(true);
      for (const f of failures) expect(f.error.length).toBeLessThan(2_000);
    }
    expect(await outside(w)).toEqual([]);
    expect(lostRecords(before, await committedRecords(w.repo, ids))).toEqual([]);
    // The hostile accounts vanish from the server: the next clean run must not be poisoned by them.
    w.adminProxy.rewrites.clear();
    const clean = await new BackupEngine({ client: w.client, repository: w.repo }).run();
    expect(clean.failures).toEqual([]);
    expect(await diffServer(w.emu, w.repo)).toEqual([]);
    expect(await outside(w)).toEqual([]);
  });

  it('traversal, NUL, negative and huge item ids in SyncResponse: typed failures, nothing outside, nothing lost', async () => {
    const w = await setup();
    const ids = w.emu.accounts().map((a) => a.id);
    await new BackupEngine({ client: w.client, repository: w.repo }).run();
    const before = await committedRecords(w.repo, ids);
    for (let i = 0; i < 4; i++) w.emu.deliver(w.user, `Subject: n${i}\r\n\r\nbody ${i}\r\n`);
    const evilIds = ['../../../../tmp/zb-pwned', '7\u0000', '-5', '99999999999999999999', `${'9'.repeat(5000)}`];
    w.adminProxy.rewrites.set('SyncRequest', (body) => {
      let k = 0;
      walk(body, (o) => {
        if (Array.isArray(o['m']))
          for (const m of o['m'] as Array<Record<string, unknown>>)
            if (typeof m['id'] === 'string' && k < evilIds.length) m['id'] = evilIds[k++];
        if (typeof o['ms'] === 'number' && k % 2 === 0) o['ms'] = -1;
        if (typeof o['s'] === 'number') o['s'] = 1e308;
        if (o['name'] === 'Inbox') o['name'] = '../../etc';
      });
      return body;
    });
    const r = await new BackupEngine({ client: w.client, repository: w.repo }).run().catch((e: unknown) => e);
    expect(w.adminProxy.rewritten).toBeGreaterThan(0);
    if (r instanceof Error) expect((r as { code?: string }).code).toMatch(/^ZB_/);
    expect(await outside(w)).toEqual([]);
    expect(lostRecords(before, await committedRecords(w.repo, ids))).toEqual([]);
    expect((await checkReferencedBlobs(w.repo, ids)).problems).toEqual([]);
    // The hostile ids never reached a record.
    for (const [, list] of await committedRecords(w.repo, ids)) {
      for (const line of list) expect((JSON.parse(line) as { id?: string }).id ?? '1').toMatch(/^[0-9a-f-]{1,36}$/);
    }
    w.adminProxy.rewrites.clear();
    const clean = await new BackupEngine({ client: w.client, repository: w.repo }).run();
    expect(clean.failures).toEqual([]);
    expect(await diffServer(w.emu, w.repo)).toEqual([]);
  });
});
