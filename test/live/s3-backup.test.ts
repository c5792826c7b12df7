/**
 * The whole product on object storage: a backup from the emulator into a repository on s3rver
 * (FORMAT, lock, blobs, sealed journal segments, account index), an incremental pass, point-in-time
 * reads from the journals after reopening, compaction, and a restore back from S3.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import { Journal } from '../../src/journal/journal.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { initRepository, openRepository } from '../../src/repository/repository.js';
import { restoreAccount } from '../../src/restore/index.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { S3Backend } from '../../src/store/backends/s3.js';
import { diffMailbox } from '../integration/backup-helpers.js';

const s3 = inject('s3');
const live = s3.unavailable === undefined ? s3 : undefined;
if (live === undefined) console.warn(`\n*** LIVE S3 BACKUP TESTS SKIPPED: ${s3.unavailable ?? ''}\n`);

describe.skipIf(live === undefined)('backup and restore with the repository on S3 (s3rver)', () => {
  let emu: Emulator;
  let client: ZimbraClient;
  const backend = (): S3Backend =>
    new S3Backend({
      bucket: live!.bucket,
      prefix: `zb-backup-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      endpoint: live!.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: live!.accessKeyId, secretAccessKey: live!.secretAccessKey },
    });

  beforeAll(async () => {
    emu = await startEmulator({ domain: 'example.test' });
    await emu.seed(buildCorpus({ seed: 11, accounts: 2, messagesPerAccount: 15, domain: 'example.test' }));
    client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
    await client.authAdmin(emu.adminUser, emu.adminPassword);
  });
  afterAll(async () => {
    client.close();
    await emu.close();
  });

  it('backs up, reads history back after reopening, compacts, and restores from S3', async () => {
    const store = backend();
    const repo = await initRepository({ backend: store, compression: 'gzip' });
    const user = emu.accounts().find((a) => a.name.startsWith('user'))!;
    const engine = new BackupEngine({ client, repository: repo });
    expect((await engine.run()).failures).toEqual([]);
    const t1 = Date.now();
    const victim = emu.snapshot(user.name).items.find((i) => i.type === 'message')!;
    emu.deleteItem(user.name, victim.id);
    await new Promise((r) => setTimeout(r, 5));
    expect((await engine.run()).itemsDeleted).toBe(1);

    // A second process's view: reopen everything from the bucket.
    const reopened = await openRepository({ backend: store });
    const journal = await Journal.open({ backend: reopened.backend, prefix: accountPrefix(user.id) });
    expect(diffMailbox(emu, user.name, journal.current())).toEqual([]);
    expect((await journal.stateAt(t1)).items.has(String(victim.id))).toBe(true);
    await journal.compact();
    expect((await journal.stateAt(t1)).items.has(String(victim.id))).toBe(true);
    await journal.close();

    const r = await restoreAccount({
      repository: reopened,
      client,
      account: user.name,
      at: t1,
      toAccount: 's3-restored@example.test',
    });
    expect(r.failures).toEqual([]);
    const restored = emu
      .snapshot('s3-restored@example.test')
      .items.filter((i) => i.type === 'message')
      .map((i) => i.sha256)
      .sort();
    const original = emu
      .snapshot(user.name)
      .items.filter((i) => i.type === 'message')
      .map((i) => i.sha256);
    expect(restored).toEqual([...original, victim.sha256].sort());
  });
});
