// Issue 12: a backup pass takes each account's attributes from its SearchDirectory listing instead
// of one GetAccount per account (src/backup/account-roster.ts, quick-check.ts). That is sound
// because zm-mailbox encodes both through ToXML.encodeAccount with Account.getUnicodeAttrs(applyCos):
// service/admin/SearchDirectory.java (no `attrs`: every attribute, read from LDAP, applyCos as
// sent) and service/admin/GetAccount.java (no `attrs`: every attribute); both sanitize secrets
// (Provisioning.sanitizedAttrValue -> VALUE-BLOCKED). The client sends applyCos=0 to both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import type { DirectoryObject } from '../../src/soap/requests/directory.js';

let emu: Emulator;
let client: ZimbraClient;
beforeAll(async () => {
  emu = await startEmulator({ domain: 'example.test' });
  await emu.seed(buildCorpus({ seed: 24, accounts: 2, messagesPerAccount: 1, domain: 'example.test' }));
  client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 1, retryBaseDelayMs: 5 });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
});
afterAll(async () => {
  client.close();
  await emu.close();
});

async function list(opts: Parameters<ZimbraClient['accounts']>[0] = {}): Promise<DirectoryObject[]> {
  const out: DirectoryObject[] = [];
  for await (const a of client.accounts(opts)) out.push(a);
  return out;
}

describe('an account listing with every attribute', () => {
  it('answers each account with exactly the attributes GetAccount answers', async () => {
    const user = emu.accounts().find((a) => a.name.startsWith('user'))!;
    await client.modifyAccount(user.id, { displayName: 'Listed Like GetAccount', zimbraPrefFromDisplay: ['a', 'b'] });
    const all = await list({ attrs: 'all' });
    expect(all.length).toBe(emu.accounts().length);
    for (const a of all) {
      const one = await client.getAccount({ by: 'id', value: a.id });
      expect(a.attrs).toEqual(one.attrs);
      expect(a.name).toBe(one.name);
    }
    // The secret is blocked in both (never a hash).
    const listed = all.find((a) => a.id === user.id)!;
    expect(listed.attrs['displayName']).toBe('Listed Like GetAccount');
    expect(String(listed.attrs['userPassword'] ?? 'VALUE-BLOCKED')).toBe('VALUE-BLOCKED');
  });

  it('by default fetches only the listing attributes', async () => {
    for (const a of await list()) {
      expect(Object.keys(a.attrs).sort()).toEqual(
        ['zimbraAccountStatus', 'zimbraId', 'zimbraMailHost'].filter((k) => a.attrs[k] !== undefined),
      );
    }
  });
});
