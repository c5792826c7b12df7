import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { initRepository, openRepository } from '../../../src/repository/repository.js';
import { openOrInitRepository } from '../../../src/repository/open-or-init.js';
import { migrateRepository } from '../../../src/maintenance/migrate.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import type { StorageBackend } from '../../../src/store/backends/backend.js';
import { Secret } from '../../../src/internal/secret.js';
import { readPackEntries } from '../../../src/store/pack/pack-reader.js';
import { folder } from '../journal/helpers.js';

const ID = '6b0b2c8e-3f1a-4c2d-9e8f-0123456789ab';
const FAST = { N: 1024, r: 8, p: 1 };
const body = (b: Buffer) => ({ size: b.length, open: () => Readable.from([b]) });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function objects(backend: StorageBackend, prefix = ''): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const { key } of backend.list(prefix)) out.set(key, await readAll(await backend.get(key)));
  return out;
}

async function flipByte(backend: StorageBackend, key: string, at: (size: number) => number): Promise<void> {
  const bytes = await readAll(await backend.get(key));
  bytes[at(bytes.length)] = (bytes[at(bytes.length)] as number) ^ 0x01;
  await backend.put(key, body(bytes));
}

async function encryptedRepo(password = 'correct horse', packSize = 4096) {
  const backend = new MemoryBackend();
  const repo = await initRepository({ backend, packSize, encryption: { password, kdf: FAST, label: 'first' } });
  return { backend, repo };
}

describe('encrypted repositories', () => {
  it('stores blobs sealed under keyed-MAC ids, and reads them back (small, large, deduplicated) after a reopen', async () => {
    const { backend, repo } = await encryptedRepo();
    expect(repo.encrypted).toBe(true);
    expect(repo.config.encryption).toEqual({
      version: 1,
      cipher: 'aes-256-gcm',
      kdf: 'scrypt',
      blobIds: 'hmac-sha256',
    });
    const marker = Buffer.from('A-KNOWN-MESSAGE-BODY '.repeat(20));
    const small = Array.from({ length: 12 }, (_, i) => Buffer.concat([marker, Buffer.from(` ${i}`)]));
    const large = Buffer.concat([marker, randomBytes(5000)]); // over half the pack size: a pack of its own
    for (const b of [...small, large]) expect((await repo.blobs.put(body(b))).digest).toBe(sha(b));
    expect((await repo.blobs.put(body(small[0] as Buffer))).stored).toBe(false);
    await repo.blobs.flush();

    const all = await objects(backend);
    // Nothing stored holds the plaintext or a content digest (hex or raw), except by chance.
    for (const [key, bytes] of all) {
      expect(bytes.includes(Buffer.from('A-KNOWN-MESSAGE'))).toBe(false);
      for (const b of [...small, large]) {
        expect(bytes.includes(Buffer.from(sha(b), 'hex')), key).toBe(false);
        expect(key.includes(sha(b))).toBe(false);
      }
    }
    const indexKeys = [...all.keys()].filter((k) => k.startsWith('packindex/'));
    expect(indexKeys.length).toBe(1);
    expect(
      all
        .get(indexKeys[0] as string)
        ?.subarray(0, 4)
        .toString(),
    ).toBe('ZBEO');

    const again = await openRepository({ backend, password: new Secret('correct horse') });
    for (const b of [...small, large]) {
      expect((await readAll(await again.blobs.get(sha(b) as never))).equals(b)).toBe(true);
      expect(await again.blobs.stat(sha(b) as never)).toMatchObject({ size: b.length });
    }
    // The pack trailers name blobs by HMAC ids, which only the key can compute.
    const pack = [...all.keys()].find((k) => k.startsWith('packs/')) as string;
    await expect(readPackEntries(backend, pack)).rejects.toMatchObject({ code: 'ZB_REPOSITORY_CORRUPT' });
    const ids = new Set([...small, large].map((b) => again.blobs.packs?.idOf(sha(b))));
    const entries = await readPackEntries(backend, pack, {}, again.blobs.packs?.cipher);
    for (const e of entries) expect(ids.has(e.digest)).toBe(true);
  });

  it('a missing or wrong password is a typed error and changes nothing', async () => {
    const { backend, repo } = await encryptedRepo();
    await repo.blobs.put(body(Buffer.from('hello')));
    await repo.blobs.flush();
    const before = await objects(backend);
    await expect(openRepository({ backend })).rejects.toMatchObject({ code: 'ZB_KEY_REQUIRED' });
    await expect(openRepository({ backend, password: 'wrong' })).rejects.toMatchObject({ code: 'ZB_KEY_INVALID' });
    await expect(openOrInitRepository({ backend, password: 'wrong' })).rejects.toMatchObject({
      code: 'ZB_KEY_INVALID',
    });
    expect(await objects(backend)).toEqual(before);
    // The error never carries the password.
    const err = await openRepository({ backend, password: 'wrong-secret-xyz' }).catch((e: unknown) => e);
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain('wrong-secret-xyz');
  });

  it('journals, the account index and other objects are sealed; a flipped byte fails authentication naming the object', async () => {
    const { backend, repo } = await encryptedRepo();
    const j = await repo.journal(ID);
    await j.commit([folder('2', '1', 'Inbox-Secret-Name', 1)], { state: { token: '7' } });
    await j.close();
    await repo.writeAccounts([{ id: ID, name: 'amy@example.com', firstSeenMs: 1, lastSeenMs: 2 }]);
    const all = await objects(backend);
    const sealed = [...all.keys()].filter((k) => k.startsWith('accounts/') || k.startsWith('index/'));
    expect(sealed.length).toBeGreaterThanOrEqual(2);
    for (const k of sealed) {
      expect(all.get(k)?.subarray(0, 4).toString(), k).toBe('ZBEO');
      expect(all.get(k)?.includes(Buffer.from('Inbox-Secret-Name'))).toBe(false);
      expect(all.get(k)?.includes(Buffer.from('amy@example.com'))).toBe(false);
    }
    const reopened = await openRepository({ backend, password: 'correct horse' });
    expect((await reopened.accounts()).map((a) => a.name)).toEqual(['amy@example.com']);
    const r = await reopened.journal(ID, { readOnly: true });
    expect([...r.current().folders.values()].map((f) => f.record.name)).toEqual(['Inbox-Secret-Name']);
    await r.close();

    await flipByte(backend, 'index/accounts.json', (n) => n - 20);
    await expect(reopened.accounts()).rejects.toMatchObject({
      data: expect.objectContaining({ key: 'index/accounts.json' }),
    });
    const segment = [...all.keys()].find((k) => k.startsWith(`accounts/${ID}/journal/`)) as string;
    await flipByte(backend, segment, (n) => Math.floor(n / 2));
    const failed = await reopened.journal(ID, { readOnly: true }).then(
      async (jj) => {
        await jj.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(failed).toMatchObject({ code: expect.stringMatching(/CORRUPT/) });
    expect(JSON.stringify(failed)).toContain(segment);
  });

  it('a flipped byte in a pack or an index file fails authentication; an object moved to another name too', async () => {
    const { backend, repo } = await encryptedRepo();
    const b = Buffer.from('a message worth keeping '.repeat(10));
    await repo.blobs.put(body(b));
    await repo.blobs.flush();
    const pack = (await objects(backend, 'packs/')).keys().next().value as string;
    const index = (await objects(backend, 'packindex/')).keys().next().value as string;

    // A second index file holding the first one's bytes: sealed under another name, so it fails.
    const copy = `packindex/${'0'.repeat(32)}`;
    await backend.put(copy, body(await readAll(await backend.get(index))));
    const moved = await openRepository({ backend, password: 'correct horse' });
    await expect(moved.blobs.has(sha(b) as never)).rejects.toMatchObject({
      code: 'ZB_REPOSITORY_CORRUPT',
      data: { key: copy, reason: 'authentication-failed' },
    });
    await backend.delete(copy);

    await flipByte(backend, pack, () => 8 + 20); // inside the first blob's ciphertext
    const r1 = await openRepository({ backend, password: 'correct horse' });
    // Small objects fail as get() reads their header; large ones at the end of the stream.
    await expect((async () => readAll(await r1.blobs.get(sha(b) as never)))()).rejects.toMatchObject({
      code: 'ZB_REPOSITORY_CORRUPT',
      data: expect.objectContaining({ key: pack }),
    });

    await flipByte(backend, index, (n) => n - 5);
    const r2 = await openRepository({ backend, password: 'correct horse' });
    await expect(r2.blobs.has(sha(b) as never)).rejects.toMatchObject({
      code: 'ZB_REPOSITORY_CORRUPT',
      data: { key: index, reason: 'authentication-failed' },
    });
  });

  it('key add, list and remove: any slot opens; the last slot and the current slot are never removed', async () => {
    const { backend, repo } = await encryptedRepo('first password');
    const first = repo.keySlotId as string;
    const second = await repo.addKey({ password: 'second password', label: 'ops team', kdf: FAST });
    expect((await repo.keySlots()).map((s) => [s.id, s.label])).toEqual([
      [first, 'first'],
      [second.id, 'ops team'],
    ]);
    expect((await repo.keySlots())[1]?.kdf).toEqual(FAST);
    const viaSecond = await openRepository({ backend, password: 'second password' });
    expect(viaSecond.keySlotId).toBe(second.id);
    await expect(viaSecond.removeKey(second.id)).rejects.toMatchObject({
      code: 'ZB_CONFLICT',
      data: { reason: 'current-slot' },
    });
    await viaSecond.removeKey(first);
    await expect(openRepository({ backend, password: 'first password' })).rejects.toMatchObject({
      code: 'ZB_KEY_INVALID',
    });
    await expect(viaSecond.removeKey(second.id)).rejects.toMatchObject({
      code: 'ZB_CONFLICT',
      data: { reason: 'last-slot' },
    });
    await expect(viaSecond.removeKey('0123456789abcdef')).rejects.toMatchObject({ code: 'ZB_NOT_FOUND' });
    // The slot object records its KDF parameters and holds no plaintext key.
    const slots = await objects(backend, 'keys/');
    const slot = JSON.parse((slots.values().next().value as Buffer).toString()) as Record<string, unknown>;
    expect(slot).toMatchObject({ version: 1, cipher: 'aes-256-gcm', kdf: { name: 'scrypt', N: 1024, r: 8, p: 1 } });
  });

  it('migrate leaves an encrypted repository (always version 2) and its FORMAT alone', async () => {
    const { backend, repo } = await encryptedRepo();
    await repo.blobs.put(body(Buffer.from('kept')));
    await repo.blobs.flush();
    const before = await objects(backend);
    const r = await migrateRepository({ repository: repo });
    expect(r).toMatchObject({ complete: true, blobObjects: 0, packsWritten: 0 });
    expect(await objects(backend)).toEqual(before);
    await backend.put('blobs/ab/ab/' + 'ab'.repeat(2) + '0'.repeat(60), body(Buffer.from('stray')));
    await expect(migrateRepository({ repository: repo })).rejects.toMatchObject({ code: 'ZB_UNSUPPORTED' });
  });

  it('an unencrypted repository has no keys, and init refuses encryption for format 1', async () => {
    const plain = await initRepository({ backend: new MemoryBackend() });
    expect(plain.encrypted).toBe(false);
    expect(await plain.keySlots()).toEqual([]);
    await expect(plain.addKey({ password: 'x' })).rejects.toMatchObject({ code: 'ZB_UNSUPPORTED' });
    await expect(
      initRepository({ backend: new MemoryBackend(), formatVersion: 1, encryption: { password: 'x', kdf: FAST } }),
    ).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
  });
});
