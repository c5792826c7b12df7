/**
 * check --repair + the next backup heal injected damage; purge and a running backup exclude
 * each other through the writer lock and nothing live is lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import { checkRepository } from '../../src/maintenance/check.js';
import { purgeRepository } from '../../src/maintenance/purge.js';
import { blobLayout } from '../../src/repository/layout.js';
import { openRepository } from '../../src/repository/repository.js';
import { parseDigest } from '../../src/store/digest.js';
import { FaultyBackend } from '../../src/testing/faulty-backend.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';
import { Readable } from 'node:stream';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** The object holding a blob (format v2: its pack) and the blob's offset in it. */
function placeOf(fx: BackupFixture, digest: string): { key: string; offset: number } {
  const packs = fx.repo.blobs.packs;
  if (!packs) return { key: blobLayout.key(parseDigest(digest)), offset: 0 };
  const loc = packs.locate(digest)!;
  return { key: packs.packKey(loc.pack), offset: loc.offset };
}

async function flipByte(fx: BackupFixture, digest: string, at: number): Promise<void> {
  const { key, offset } = placeOf(fx, digest);
  const chunks: Buffer[] = [];
  for await (const c of await fx.repo.backend.get(key)) chunks.push(c as Buffer);
  const b = Buffer.concat(chunks);
  b[offset + at] = (b[offset + at] ?? 0) ^ 0xff;
  await fx.repo.backend.put(key, { size: b.length, open: () => Readable.from([b]) });
}

describe('maintenance against a backed-up emulator', () => {
  it('check --repair quarantines damage and the next backup heals it', async () => {
    // Packs of about one message each, so one blob's pack can go missing alone.
    fx = await backupFixture({ packSize: 1024 });
    const { emu, client, repo } = fx;
    await emu.seed(buildCorpus({ seed: 11, accounts: 2, messagesPerAccount: 12, domain: 'example.test' }));
    const engine = new BackupEngine({ client, repository: repo });
    expect((await engine.run()).failures).toEqual([]);
    expect(await checkRepository({ repository: repo, full: true })).toMatchObject({ ok: true, unreferencedBlobs: 0 });

    const acct = emu.accounts().find((a) => a.name.startsWith('user'))!;
    const before = await journalState(repo, acct.id);
    const messages = [...before.items.values()].filter((r) => r.kind === 'message' && r.digest !== undefined);
    // Format v2: the missing one must be alone in its pack (deleting the pack removes it alone).
    const alone = (d: string): boolean => {
      const packs = repo.blobs.packs;
      if (!packs) return true;
      const pack = packs.locate(d)?.pack;
      return [...packs.table.entries()].filter(([, l]) => l.pack === pack).length === 1;
    };
    const missing = messages.find((m) => alone(m.digest!))!;
    const flipped = messages.find(
      (m) => m !== missing && placeOf(fx!, m.digest!).key !== placeOf(fx!, missing.digest!).key,
    )!;
    await flipByte(fx, flipped.digest!, 40);
    await repo.backend.delete(placeOf(fx, missing.digest!).key);

    const quick = await checkRepository({ repository: repo });
    expect(quick.problems.filter((p) => p.kind === 'missing-blob').map((p) => p.accounts)).toEqual([
      [{ id: acct.id, items: [missing.id] }],
    ]);
    const repaired = await checkRepository({ repository: repo, full: true, repair: true });
    expect(repaired.ok).toBe(false);
    expect(repaired.remaining).toBe(0);
    const corrupt = repaired.problems.find((p) => p.kind === 'corrupt-blob')!;
    expect(corrupt).toMatchObject({ digest: flipped.digest, accounts: [{ id: acct.id, items: [flipped.id] }] });
    expect(corrupt.repair).toMatchObject({ healable: true, refetch: [{ id: acct.id, items: [flipped.id] }] });
    expect(corrupt.repair?.quarantineKey).toMatch(/^quarantine\//);

    const heal = await engine.run();
    expect(heal.failures).toEqual([]);
    expect(heal.bytesDownloaded).toBeGreaterThan(0);
    expect(await checkRepository({ repository: repo, full: true })).toMatchObject({
      ok: true,
      errors: 0,
      unreferencedBlobs: 0,
    });
    const after = await journalState(repo, acct.id);
    expect(after.items.get(flipped.id)?.digest).toBe(flipped.digest);
    expect((after.cursor as { retry?: unknown[] }).retry ?? []).toEqual([]);
    expect(diffMailbox(emu, acct.name, after)).toEqual([]);
    // Healed items cost nothing on the run after.
    expect((await engine.run()).bytesDownloaded).toBe(0);
  });

  it('a purge while a backup runs gets ZB_LOCK_HELD; a backup while a purge runs too; nothing live is lost', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    await emu.seed(buildCorpus({ seed: 5, accounts: 2, messagesPerAccount: 10, domain: 'example.test' }));
    const engine = new BackupEngine({ client, repository: repo });
    await engine.run();
    const acct = emu.accounts().find((a) => a.name.startsWith('user'))!;
    const victim = emu.snapshot(acct.name).items.find((i) => i.type === 'message')!;
    emu.deleteItem(acct.name, victim.id);
    for (let i = 0; i < 5; i++) emu.deliver(acct.name, `Subject: during ${i}\r\n\r\n${'body '.repeat(200)}${i}\r\n`);

    // Purge during a backup: the backup holds the lock.
    const backup = engine.run({});
    await new Promise((r) => setTimeout(r, 5));
    const purgeDuring: unknown = await purgeRepository({ repository: repo, retentionMs: 1 }).catch((e: unknown) => e);
    expect((await backup).failures).toEqual([]);
    expect(purgeDuring).toMatchObject({ code: 'ZB_LOCK_HELD' });

    // A backup during a purge: the purge holds the lock (its blob listing is slowed down).
    const slow = await openRepository({
      backend: new FaultyBackend(repo.backend, { list: { key: 'packs/', delayMs: 150 } }),
    });
    const purge = purgeRepository({ repository: slow, retentionMs: 1, now: Date.now() + 10_000 });
    await new Promise((r) => setTimeout(r, 50));
    await expect(engine.run()).rejects.toMatchObject({ code: 'ZB_LOCK_HELD' });
    const r = await purge;
    expect(r.versionsRemoved + r.deletesRemoved).toBeGreaterThan(0);
    expect(r.blobsRemoved).toBeGreaterThan(0); // the deleted message's content

    // Everything live is still there and verifies; a later backup has nothing to fetch again.
    for (const a of emu.accounts().filter((x) => x.name.startsWith('user'))) {
      expect(diffMailbox(emu, a.name, await journalState(repo, a.id))).toEqual([]);
    }
    expect(await checkRepository({ repository: repo, full: true })).toMatchObject({ ok: true, unreferencedBlobs: 0 });
    expect((await engine.run()).bytesDownloaded).toBe(0);
  });
});
