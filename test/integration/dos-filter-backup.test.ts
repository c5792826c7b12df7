// Zimbra's request-rate limit: store/conf/web.xml.production runs store/src/java/com/zimbra/cs/servlet/DoSFilter.java
// (Jetty DoSFilter) with maxRequestsPerSec = zimbraHttpDosFilterMaxRequestsPerSec (30, store/conf/attrs/zimbra-attrs.xml),
// delayMs = zimbraHttpDosFilterDelayMillis (-1: reject) and remotePort=true; over the rate: HTTP 429.
// The client retries 429 with bounded backoff (src/soap/retry.ts, the axios lane); here a whole backup runs
// under a 30 req/s limit and loses nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import { DosFilter } from '../../src/emulator/http/dos-filter.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('DoSFilter (web.xml, zimbraHttpDosFilter*)', () => {
  it('tracks the last N request times: the N+1-th within a second is over the rate', () => {
    const f = new DosFilter();
    f.configure({ maxRequestsPerSec: 3 });
    expect([0, 100, 200].map((t) => f.overRate('c1', 10_000 + t))).toEqual([false, false, false]);
    expect(f.overRate('c1', 10_300)).toBe(true); // 4th inside one second
    expect(f.overRate('c2', 10_300)).toBe(false); // another connection
    expect(f.overRate('c1', 11_500)).toBe(false); // the window moved on
    f.configure(undefined);
    expect(f.overRate('c1', 11_501)).toBe(false);
  });

  it('a backup under a 30 req/s limit finishes with nothing lost', async () => {
    fx = await backupFixture();
    const { emu, repo } = fx;
    await emu.seed(buildCorpus({ seed: 11, accounts: 2, messagesPerAccount: 30, domain: 'example.test' }));
    // the client's own retry policy (defaults), not the fixture's fast-failing one
    const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
    try {
      await client.authAdmin(emu.adminUser, emu.adminPassword);
      emu.setDosFilter({ maxRequestsPerSec: 30 });
      // one GET per message (no fmt=tar batches): enough requests for the limit to bite
      const r = await new BackupEngine({ client, repository: repo, bulkDownload: false }).run();
      expect(r.failures).toEqual([]);
      expect(emu.dos.rejected).toBeGreaterThan(0); // the limit did bite
      for (const a of emu.accounts().filter((x) => x.name.startsWith('user')))
        expect(diffMailbox(emu, a.name, await journalState(repo, a.id))).toEqual([]);
    } finally {
      emu.setDosFilter(undefined);
      client.close();
    }
  });
});
