/**
 * Encryption at rest on object storage (issue 12): an encrypted repository on s3rver, a backup from
 * the emulator, a reopen with the password (a wrong one refused), a full check, a restore from S3,
 * and a tampered pack object named by check. No object in the bucket holds message bytes.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import { checkRepository } from '../../src/maintenance/check.js';
import { initRepository, openRepository } from '../../src/repository/repository.js';
import { restoreAccount } from '../../src/restore/index.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { S3Backend } from '../../src/store/backends/s3.js';

const s3 = inject('s3');
const live = s3.unavailable === undefined ? s3 : undefined;
if (live === undefined) console.warn(`\n*** LIVE S3 ENCRYPTION TESTS SKIPPED: ${s3.unavailable ?? ''}\n`);

async function bytesOf(store: S3Backend, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe.skipIf(live === undefined)('encrypted repository on S3 (s3rver)', () => {
  let emu: Emulator;
  let client: ZimbraClient;

  beforeAll(async () => {
    emu = await startEmulator({ domain: 'example.test' });
    await emu.seed(buildCorpus({ seed: 12, accounts: 2, messagesPerAccount: 15, domain: 'example.test' }));
    client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
    await client.authAdmin(emu.adminUser, emu.adminPassword);
  });
  afterAll(async () => {
    client.close();
    await emu.close();
  });

  it('backs up, reopens with the password, checks, restores, and names a tampered pack', async () => {
    const store = new S3Backend({
      bucket: live!.bucket,
      prefix: `zb-encrypted-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      endpoint: live!.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: live!.accessKeyId, secretAccessKey: live!.secretAccessKey },
    });
    const password = 'an S3 repository password';
    const repo = await initRepository({
      backend: store,
      compression: 'gzip',
      encryption: { password, kdf: { N: 1024, r: 8, p: 1 } },
    });
    expect((await new BackupEngine({ client, repository: repo }).run()).failures).toEqual([]);

    const user = emu.accounts().find((a) => a.name.startsWith('user'))!;
    const message = emu.snapshot(user.name).items.find((i) => i.type === 'message')!;
    const keys: string[] = [];
    for await (const { key } of store.list('')) keys.push(key);
    expect(keys.some((k) => k.startsWith('packs/'))).toBe(true);
    expect(keys.some((k) => k.startsWith('keys/'))).toBe(true);
    for (const k of keys) {
      const b = await bytesOf(store, k);
      expect(b.includes(Buffer.from(user.name)), k).toBe(false);
      expect(b.includes(Buffer.from(message.sha256 as string, 'hex')), k).toBe(false);
    }

    await expect(openRepository({ backend: store, password: 'wrong' })).rejects.toMatchObject({
      code: 'ZB_KEY_INVALID',
    });
    const reopened = await openRepository({ backend: store, password });
    const clean = await checkRepository({ repository: reopened, full: true });
    expect(clean.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(clean.blobsChecked).toBeGreaterThan(0);

    const r = await restoreAccount({
      repository: reopened,
      client,
      account: user.name,
      toAccount: 's3-encrypted-restored@example.test',
      at: Date.now(),
    });
    expect(r.failures).toEqual([]);
    const msgs = (name: string) =>
      emu
        .snapshot(name)
        .items.filter((i) => i.type === 'message')
        .map((i) => i.sha256)
        .sort();
    expect(msgs('s3-encrypted-restored@example.test')).toEqual(msgs(user.name));

    const pack = keys.find((k) => k.startsWith('packs/'))!;
    const bytes = await bytesOf(store, pack);
    bytes[8 + 30] = (bytes[8 + 30] as number) ^ 1;
    await store.put(pack, { size: bytes.length, open: () => Readable.from([bytes]) });
    const bad = await checkRepository({ repository: await openRepository({ backend: store, password }), full: true });
    const errors = bad.problems.filter((p) => p.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((p) => p.key === pack)).toBe(true);
    expect(errors[0]?.message).toContain('authentication');
  });
});
