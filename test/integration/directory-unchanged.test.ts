// Issue 12, a no-change run writes no directory object: a backup whose directory snapshot has the
// same content digest as the newest dump stores nothing (src/directory/dump-store.ts), and point-in-
// time reads still find the right dump, because the dump for an instant is the newest one taken at
// or before it (src/directory/directory-source.ts). Any change writes a new dump.
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { findDirectoryDump, dumpEntries, entryValue } from '../../src/directory/directory-source.js';
import { DumpDigest, dumpDigestOf } from '../../src/directory/dump-digest.js';
import type { DirectoryEntry } from '../../src/directory/directory-entry.js';
import { restoreDirectory } from '../../src/directory/restore-directory.js';
import { directoryDumpKey } from '../../src/repository/layout.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const T1 = Date.parse('2026-12-01T10:00:00Z');
const T2 = Date.parse('2026-12-01T11:00:00Z');
const T3 = Date.parse('2026-12-01T12:00:00Z');

async function engineAt(fx: BackupFixture, at: number): Promise<BackupEngine> {
  return new BackupEngine({ client: fx.client, repository: fx.repo, directory: { source: 'soap' }, now: () => at });
}

async function displayNameIn(fx: BackupFixture, key: string, address: string): Promise<string | undefined> {
  for await (const e of dumpEntries(fx.repo.backend, key))
    if (e.kind === 'account' && entryValue(e, 'zimbraMailDeliveryAddress') === address)
      return entryValue(e, 'displayName');
  return undefined;
}

describe('directory dump of a backup', () => {
  it('writes nothing when the directory is unchanged, and every instant still finds its dump', async () => {
    fx = await backupFixture();
    await fx.emu.seed(buildCorpus({ seed: 41, accounts: 2, messagesPerAccount: 2, domain: 'example.test' }));
    const first = await (await engineAt(fx, T1)).run();
    const k1 = directoryDumpKey(new Date(T1));
    expect(first.directory).toMatchObject({ key: k1, unchanged: false });
    expect(first.directory!.digest).toMatch(/^[0-9a-f]{64}$/);
    // The digest is in the header, so the next run reads it back without reading the entries.
    expect(await dumpDigestOf(fx.repo.backend, k1)).toBe(first.directory!.digest);

    const second = await (await engineAt(fx, T2)).run();
    expect(second.directory).toMatchObject({ key: k1, unchanged: true, bytes: 0, digest: first.directory!.digest });
    expect((await fx.repo.directoryDumps()).map((d) => d.key)).toEqual([k1]);
    // Restores at any instant from the first dump on find it; before it, none.
    expect(await findDirectoryDump(fx.repo.backend, T1 - 1000)).toBeUndefined();
    for (const at of [T1, T2, T2 + 3600_000]) expect(await findDirectoryDump(fx.repo.backend, at)).toBe(k1);
    const dry = await restoreDirectory({ repository: fx.repo, client: fx.client, dryRun: true, at: T2 });
    expect(dry.dumpKey).toBe(k1);

    // A change writes a new dump; the instants before it keep the old one.
    const user = fx.emu.accounts().find((a) => a.name.startsWith('user'))!;
    await fx.client.modifyAccount(user.id, { displayName: 'Renamed Between Runs' });
    const third = await (await engineAt(fx, T3)).run();
    const k3 = directoryDumpKey(new Date(T3));
    expect(third.directory).toMatchObject({ key: k3, unchanged: false });
    expect(third.directory!.digest).not.toBe(first.directory!.digest);
    expect((await fx.repo.directoryDumps()).map((d) => d.key)).toEqual([k1, k3]);
    expect(await findDirectoryDump(fx.repo.backend, T2)).toBe(k1);
    expect(await findDirectoryDump(fx.repo.backend, T3)).toBe(k3);
    expect(await displayNameIn(fx, k3, user.name)).toBe('Renamed Between Runs');
    expect(await displayNameIn(fx, k1, user.name)).not.toBe('Renamed Between Runs');
  });

  it('in an encrypted repository too (the digest is read through the decrypting backend)', async () => {
    fx = await backupFixture({ encrypted: true });
    await fx.emu.seed(buildCorpus({ seed: 45, accounts: 1, messagesPerAccount: 1, domain: 'example.test' }));
    const first = await (await engineAt(fx, T1)).run();
    const second = await (await engineAt(fx, T2)).run();
    expect(second.directory).toMatchObject({ key: first.directory!.key, unchanged: true });
    expect((await fx.repo.directoryDumps()).length).toBe(1);
  });

  it('stores a dump that gunzip reads as one LDIF stream, the digest line in its header comment', async () => {
    fx = await backupFixture();
    await fx.emu.seed(buildCorpus({ seed: 42, accounts: 1, messagesPerAccount: 1, domain: 'example.test' }));
    const r = await (await engineAt(fx, T1)).run();
    const bytes = Buffer.from(await (await fx.repo.backend.get(r.directory!.key)).toArray().then(Buffer.concat));
    expect(bytes.length).toBe(r.directory!.bytes);
    // Two gzip members (header, body): zlib, gunzip and zcat read them as one stream.
    const ldif = gunzipSync(bytes).toString('utf8');
    const header = ldif.slice(0, ldif.indexOf('\ndn: ') + 1);
    expect(header).toMatch(/^# zimbra-backup directory snapshot \(admin SOAP\)\n/);
    expect(header).toContain(`# content-sha256: ${r.directory!.digest}\n`);
    // Re-digesting what is stored gives the recorded digest.
    const d = new DumpDigest();
    let n = 0;
    for await (const e of dumpEntries(fx.repo.backend, r.directory!.key)) {
      d.update(e);
      n++;
    }
    expect(n).toBe(r.directory!.summary.entries);
    expect(d.hex()).toBe(r.directory!.digest);
  });

  it('a newest dump without a digest line (older versions, imports) is never taken as unchanged', async () => {
    fx = await backupFixture();
    await fx.emu.seed(buildCorpus({ seed: 43, accounts: 1, messagesPerAccount: 1, domain: 'example.test' }));
    const r1 = await (await engineAt(fx, T1)).run();
    // The same content, its header without the digest line, as an older version wrote it.
    const plain = gunzipSync(Buffer.concat(await (await fx.repo.backend.get(r1.directory!.key)).toArray())).toString(
      'utf8',
    );
    const old = Buffer.from(plain.replace(/^# content-sha256: .*\n/m, ''));
    const oldKey = directoryDumpKey(new Date(T2), false);
    await fx.repo.backend.put(oldKey, { size: old.length, open: () => Readable.from([old]) });
    expect(await dumpDigestOf(fx.repo.backend, oldKey)).toBeUndefined();
    const r3 = await (await engineAt(fx, T3)).run();
    expect(r3.directory).toMatchObject({ key: directoryDumpKey(new Date(T3)), unchanged: false });
    expect(r3.directory!.digest).toBe(r1.directory!.digest);
    expect(await text(await fx.repo.backend.get(oldKey))).toBe(old.toString('utf8'));
  });
});

describe('DumpDigest', () => {
  const entry = (attributes: Record<string, Array<string | Buffer>>, dn = 'uid=a,ou=people,dc=x'): DirectoryEntry => ({
    dn,
    attributes,
    kind: 'account',
  });
  const hex = (...entries: DirectoryEntry[]): string => {
    const d = new DumpDigest();
    for (const e of entries) d.update(e);
    return d.hex();
  };

  it('ignores the order of attributes and of values, and sees any change of content or entry order', () => {
    const a = entry({ objectClass: ['zimbraAccount', 'inetOrgPerson'], cn: ['A'], jpegPhoto: [Buffer.from([1, 2])] });
    const b = entry({ jpegPhoto: [Buffer.from([1, 2])], cn: ['A'], objectClass: ['inetOrgPerson', 'zimbraAccount'] });
    const other = entry({ cn: ['B'] }, 'uid=b,ou=people,dc=x');
    expect(hex(a)).toBe(hex(b));
    expect(hex(a, other)).not.toBe(hex(other, a));
    expect(hex(a)).not.toBe(hex(entry({ ...a.attributes, cn: ['A '] })));
    expect(hex(a)).not.toBe(hex(entry({ ...a.attributes, jpegPhoto: [Buffer.from([1, 3])] })));
    expect(hex(a)).not.toBe(hex(entry(a.attributes, 'uid=a2,ou=people,dc=x')));
    // An attribute split differently between names is different content.
    expect(hex(entry({ cn: ['A', 'B'] }))).not.toBe(hex(entry({ cn: ['A'], sn: ['B'] })));
  });
});

describe('a directory snapshot taken beside the pass', () => {
  it('fails the run when it fails, and what the accounts committed stays committed', async () => {
    fx = await backupFixture();
    await fx.emu.seed(buildCorpus({ seed: 44, accounts: 2, messagesPerAccount: 3, domain: 'example.test' }));
    fx.emu.faults.inject({ match: { request: 'BatchRequest' }, fault: { code: 'service.FAILURE' }, times: Infinity });
    const engine = await engineAt(fx, T1);
    await expect(engine.run()).rejects.toMatchObject({ faultCode: 'service.FAILURE' });
    expect(await fx.repo.directoryDumps()).toEqual([]);
    for (const a of fx.emu.accounts().filter((x) => x.name.startsWith('user')))
      expect(diffMailbox(fx.emu, a.name, await journalState(fx.repo, a.id))).toEqual([]);
    fx.emu.faults.clear();
    const again = await (await engineAt(fx, T2)).run();
    expect(again.directory).toMatchObject({ key: directoryDumpKey(new Date(T2)), unchanged: false });
  });
});
