// More than 5,000 accounts: store/src/java/com/zimbra/cs/service/admin/SearchDirectory.java defaults
// maxResults to LC zimbra_directory_max_search_result (5000, common/src/java/com/zimbra/common/localconfig/LC.java)
// and passes it to LDAP as a size limit over the whole result (LdapProvisioning.searchDirectory), paging or
// not: without maxResults=0 a site above 5,000 accounts gets account.TOO_MANY_SEARCH_RESULTS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { SearchDirectory } from '../../src/soap/requests/index.js';

let emu: Emulator;
let client: ZimbraClient;
const N = 6000;

beforeAll(async () => {
  emu = await startEmulator();
  for (let i = 0; i < N; i++) emu.createAccount(`u${String(i).padStart(5, '0')}@example.test`, 'pw-bulk-secret');
  client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
}, 60_000);
afterAll(async () => {
  client.close();
  await emu.close();
});

describe('SearchDirectory above 5,000 accounts (SearchDirectory.java, LC.java)', () => {
  it('the emulator refuses a paged search without maxResults, as the real server does', async () => {
    const def = {
      ...SearchDirectory,
      build: (p: Parameters<typeof SearchDirectory.build>[0]) => {
        const el = SearchDirectory.build(p);
        delete el['maxResults'];
        return el;
      },
    };
    await expect(client.send(def, { types: 'accounts', limit: 100, offset: 0 })).rejects.toMatchObject({
      faultCode: 'account.TOO_MANY_SEARCH_RESULTS',
    });
  });

  it('the client sends maxResults=0 and lists every account page by page', async () => {
    expect(SearchDirectory.build({ types: 'accounts', limit: 500 })['maxResults']).toBe(0);
    let n = 0;
    for await (const a of client.accounts({ pageSize: 1000, attrs: ['zimbraId'] })) {
      expect(a.name).toContain('@');
      n++;
    }
    expect(n).toBe(N + 1); // and the admin
  });
});
