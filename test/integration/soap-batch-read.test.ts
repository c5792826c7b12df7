// Issue 12: the directory snapshot sends its reads in BatchRequests (src/directory/soap-batch-read.ts).
// zm-mailbox store/src/java/com/zimbra/soap/SoapEngine.java runs a batch's members in order and tags
// each answer (or Fault) with the member's requestId; a failed member is sent again alone, so the
// caller meets the typed error the request alone gives, and a batch of reads is retried like a read.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batchRead, BATCH_READ_SIZE, read } from '../../src/directory/soap-batch-read.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { GetAllCos } from '../../src/soap/requests/get-all-cos.js';
import { GetAllDomains } from '../../src/soap/requests/get-all-domains.js';
import { GetDistributionList } from '../../src/soap/requests/get-distribution-list.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';

let emu: Emulator;
let client: ZimbraClient;
beforeAll(async () => {
  emu = await startEmulator({ domain: 'example.test' });
  client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 2, retryBaseDelayMs: 5 });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
});
afterAll(async () => {
  client.close();
  await emu.close();
});
beforeEach(() => {
  emu.faults.clear();
  emu.stats.reset();
});

describe('batchRead', () => {
  it('answers every read in order, in one round trip per BATCH_READ_SIZE reads', async () => {
    const lists = [];
    for (let i = 0; i < BATCH_READ_SIZE + 2; i++) lists.push(emu.createDistributionList(`l${i}@example.test`, []));
    emu.stats.reset();
    const [coses, domains] = await batchRead(client, [read(GetAllCos, {}), read(GetAllDomains, {})]);
    expect(coses.coses.map((c) => c.name)).toEqual((await client.getAllCos()).map((c) => c.name));
    expect(domains.domains.map((d) => d.name)).toContain('example.test');
    emu.stats.reset();
    const got = await batchRead(
      client,
      lists.map((l) => read(GetDistributionList, { dl: { by: 'id', value: l.id } })),
    );
    expect(got.map((g) => g.list.name)).toEqual(lists.map((l) => l.name));
    // 52 reads: one batch of 50, one of 2 (each member is counted too).
    expect(emu.stats.get('BatchRequest')).toBe(2);
    expect(emu.stats.get('GetDistributionListRequest')).toBe(BATCH_READ_SIZE + 2);
  });

  it('sends a faulting member again alone and throws its typed error', async () => {
    const missing = '00000000-0000-4000-8000-00000000dead';
    const alone = await client.send(GetDistributionList, { dl: { by: 'id', value: missing } }).then(
      () => undefined,
      (e: unknown) => e as { code?: string; faultCode?: string },
    );
    expect(alone?.faultCode).toBe('account.NO_SUCH_DISTRIBUTION_LIST');
    emu.stats.reset();
    const err = await batchRead(client, [
      read(GetAllCos, {}),
      read(GetDistributionList, { dl: { by: 'id', value: missing } }),
    ]).then(
      () => undefined,
      (e: unknown) => e as { code?: string; faultCode?: string },
    );
    expect(err?.faultCode).toBe(alone?.faultCode);
    expect(err?.code).toBe(alone?.code);
    expect(emu.stats.get('BatchRequest')).toBe(1);
    expect(emu.stats.get('GetDistributionListRequest')).toBe(2);
  });

  it('gives the same answers over the XML transport', async () => {
    const xml = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, transport: 'xml', retries: 1 });
    try {
      await xml.authAdmin(emu.adminUser, emu.adminPassword);
      const viaXml = await batchRead(xml, [read(GetAllCos, {}), read(GetAllDomains, {})]);
      const viaJson = await batchRead(client, [read(GetAllCos, {}), read(GetAllDomains, {})]);
      expect(viaXml).toEqual(viaJson);
    } finally {
      xml.close();
    }
  });

  it('retries a batch of reads after a transient failure, as each read alone would be', async () => {
    emu.faults.inject({ match: { request: 'BatchRequest' }, status: 503 });
    const [coses] = await batchRead(client, [read(GetAllCos, {}), read(GetAllDomains, {})]);
    expect(coses.coses.length).toBeGreaterThan(0);
    expect(emu.faults.pending()).toBe(0);
    expect(emu.stats.get('BatchRequest')).toBe(2);
  });
});
