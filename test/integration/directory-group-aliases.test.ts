/**
 * Aliases of distribution lists and dynamic groups through a backup: the SOAP directory snapshot
 * records them, restoreDirectory and import recreate them on another server.
 *
 * Zimbra: AddDistributionListAlias.java -> LdapProvisioning.addGroupAlias -> addAliasInternal (the
 * alias joins the group's zimbraMailAlias and mail; a taken address is account.ACCOUNT_EXISTS);
 * LdapProvisioning.createDistributionList / createDynamicGroup put the list's own address in
 * zimbraMailAlias too, so it is no alias to recreate; GetDistributionList.java returns every
 * attribute, which is what the SOAP snapshot stores.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { captureDirectory } from '../../src/directory/capture-directory.js';
import { dumpEntries, findDirectoryDump } from '../../src/directory/directory-source.js';
import { restoreDirectory } from '../../src/directory/restore-directory.js';
import { startEmulator } from '../../src/emulator/index.js';
import { importRepository } from '../../src/import/import-repository.js';
import { AddDistributionListAlias } from '../../src/soap/requests/add-distribution-list-alias.js';
import { CreateDistributionList } from '../../src/soap/requests/create-distribution-list.js';
import { GetDistributionList } from '../../src/soap/requests/get-distribution-list.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { backupFixture, type BackupFixture } from './backup-helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function source(): Promise<BackupFixture> {
  const fx = await backupFixture();
  cleanups.push(() => fx.close());
  fx.emu.createAccount('ann@example.test', 'pw-ann-123');
  fx.emu.deliver('ann@example.test', 'From: a@b.test\r\nSubject: hi\r\n\r\nbody\r\n');
  const team = await fx.client.send(CreateDistributionList, { name: 'team@example.test' });
  await fx.client.send(AddDistributionListAlias, { id: team.id, alias: 'crew@example.test' });
  await fx.client.send(AddDistributionListAlias, { id: team.id, alias: 'squad@example.test' });
  const dyn = await fx.client.send(CreateDistributionList, { name: 'dyn@example.test', dynamic: true });
  await fx.client.send(AddDistributionListAlias, { id: dyn.id, alias: 'everyone@example.test' });
  await captureDirectory({ capture: { source: 'soap' }, client: fx.client, backend: fx.repo.backend });
  return fx;
}

async function target(domain = 'target.test'): Promise<ZimbraClient> {
  const emu = await startEmulator({ domain });
  const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 2, retryBaseDelayMs: 10 });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  cleanups.push(async () => {
    client.close();
    await emu.close();
  });
  return client;
}

const listByName = async (client: ZimbraClient, name: string): Promise<{ id: string; aliases: string[] }> => {
  const { list } = await client.send(GetDistributionList, { dl: { by: 'name', value: name } });
  return { id: list.id, aliases: [list.attrs['zimbraMailAlias'] ?? []].flat().sort() };
};

describe('distribution-list aliases in a directory backup', () => {
  it('the SOAP snapshot records a list alias in zimbraMailAlias beside the list own address', async () => {
    const fx = await source();
    const lists: Record<string, unknown> = {};
    for await (const e of dumpEntries(fx.repo.backend, (await findDirectoryDump(fx.repo.backend))!))
      if (e.kind === 'distributionList' || e.kind === 'dynamicGroup')
        lists[String(e.attributes['mail']?.[0])] = [e.kind, [...(e.attributes['zimbraMailAlias'] ?? [])].sort()];
    expect(lists).toEqual({
      'team@example.test': ['distributionList', ['crew@example.test', 'squad@example.test', 'team@example.test']],
      'dyn@example.test': ['dynamicGroup', ['dyn@example.test', 'everyone@example.test']],
    });
  });

  it('restoreDirectory recreates the aliases of a list and a dynamic group; taken addresses are reported', async () => {
    const fx = await source();
    const client = await target('example.test');
    // someone already owns one of the aliases on the target
    const other = await client.send(CreateDistributionList, { name: 'other@example.test' });
    await client.send(AddDistributionListAlias, { id: other.id, alias: 'squad@example.test' });
    const dry = await restoreDirectory({ repository: fx.repo, client, dryRun: true });
    const aliases = (xs: typeof dry.created): string[] =>
      xs
        .filter((o) => o.kind === 'alias')
        .map((o) => `${o.name}->${o.target}`)
        .sort();
    expect(aliases(dry.created)).toEqual([
      'crew@example.test->team@example.test',
      'everyone@example.test->dyn@example.test',
      'squad@example.test->team@example.test',
    ]);
    const r = await restoreDirectory({
      repository: fx.repo,
      client,
      objects: ['account', 'alias', 'distributionList'],
    });
    expect(r.failures).toEqual([]);
    expect(aliases(r.created)).toEqual([
      'crew@example.test->team@example.test',
      'everyone@example.test->dyn@example.test',
    ]);
    expect(r.skipped.filter((o) => o.kind !== 'account')).toEqual([
      { kind: 'alias', name: 'squad@example.test', target: 'team@example.test', reason: 'address exists' },
    ]);
    const team = await listByName(client, 'team@example.test');
    expect(team.aliases).toEqual(['crew@example.test', 'team@example.test']);
    expect((await listByName(client, 'crew@example.test')).id).toBe(team.id);
    const dyn = await listByName(client, 'dyn@example.test');
    expect((await listByName(client, 'everyone@example.test')).id).toBe(dyn.id);
    expect((await listByName(client, 'squad@example.test')).id).toBe(other.id);
  });

  it('without the alias kind, lists come back without their aliases', async () => {
    const fx = await source();
    const client = await target('example.test');
    const r = await restoreDirectory({ repository: fx.repo, client, objects: ['distributionList'] });
    expect(r.created.map((o) => o.kind)).toEqual(['distributionList', 'distributionList']);
    expect((await listByName(client, 'team@example.test')).aliases).toEqual(['team@example.test']);
  });

  it('import provisions the list with its aliases; a rerun reports them existing', async () => {
    const fx = await source();
    expect((await new BackupEngine({ client: fx.client, repository: fx.repo }).run()).failures).toEqual([]);
    const client = await target();
    const stateDir = await mkdtemp(join(tmpdir(), 'zb-dl-alias-import-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    const stateBackend = new LocalBackend({ root: stateDir, fsync: false });
    const run = () => importRepository({ from: fx.repo, client, accounts: ['ann@example.test'], stateBackend });
    const r = await run();
    expect(r.complete).toBe(true);
    const aliasRows = (x: typeof r) =>
      x.directory.filter((o) => o.kind === 'alias').map((o) => `${o.name}->${o.target}:${o.status}`);
    expect(aliasRows(r)).toEqual([
      'everyone@example.test->dyn@example.test:created',
      'crew@example.test->team@example.test:created',
      'squad@example.test->team@example.test:created',
    ]);
    const team = await listByName(client, 'team@example.test');
    expect(team.aliases).toEqual(['crew@example.test', 'squad@example.test', 'team@example.test']);
    expect((await listByName(client, 'squad@example.test')).id).toBe(team.id);
    // the rerun finds its own lists ('ours') and their aliases already there
    expect(aliasRows(await run())).toEqual([
      'everyone@example.test->dyn@example.test:existing',
      'crew@example.test->team@example.test:existing',
      'squad@example.test->team@example.test:existing',
    ]);
  });
});
