import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import type { Emulator } from '../../src/emulator/index.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import type { MailboxSnapshot } from '../../src/emulator/snapshot.js';
import { restoreAccount } from '../../src/restore/restore-account.js';
import { restoreItems } from '../../src/restore/restore-items.js';
import { undelete } from '../../src/restore/undelete.js';
import { contactKey } from '../../src/restore/content-keys.js';
import { backupFixture, type BackupFixture } from './backup-helpers.js';
import type { ZimbraBackupError } from '../../src/errors.js';
import type { Secret } from '../../src/internal/secret.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const ICS = (uid: string, summary: string): string =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTART:20261201T100000Z\r\nDTEND:20261201T110000Z\r\nSUMMARY:${summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

/** A mailbox by content, since ids change: folder paths, tag names, and each item as a canonical line. */
function contentOf(snap: MailboxSnapshot): { folders: string[]; tags: string[]; items: string[] } {
  const pathOf = new Map(snap.folders.map((f) => [f.id, f.path]));
  const items = snap.items.map((i) => {
    const what =
      i.type === 'contact'
        ? contactKey(i.fields ?? {})
        : i.type === 'appointment' || i.type === 'task'
          ? `${i.uid}|${i.sha256}`
          : i.sha256;
    const date = i.type === 'message' ? i.dateMs : '';
    return [
      i.type,
      pathOf.get(i.folderId),
      what,
      [...i.flags].sort().join(''),
      [...i.tags].sort().join(','),
      date,
      i.type === 'document' ? i.name : '',
    ].join('|');
  });
  return {
    folders: snap.folders
      .map((f) => f.path)
      .filter((p) => p !== '/' && p !== '')
      .sort(),
    tags: snap.tags.map((t) => t.name).sort(),
    items: items.sort(),
  };
}

async function history(fx: BackupFixture, user: string): Promise<Array<{ t: number; snap: MailboxSnapshot }>> {
  const { emu, client, repo } = fx;
  const engine = new BackupEngine({ client, repository: repo });
  const points: Array<{ t: number; snap: MailboxSnapshot }> = [];
  const checkpoint = async (): Promise<void> => {
    const r = await engine.run();
    expect(r.failures).toEqual([]);
    await sleep(3);
    points.push({ t: Date.now(), snap: emu.snapshot(user) });
    await sleep(3);
  };
  await checkpoint();
  const msgs = emu.snapshot(user).items.filter((i) => i.type === 'message');
  const contact = emu.snapshot(user).items.find((i) => i.type === 'contact')!;
  const proj = emu.createFolder(user, '/Projects/Alpha');
  emu.deliver(user, 'From: a@b.test\r\nSubject: alpha plan\r\n\r\nplan\r\n', { folderId: proj, tags: ['work'] });
  emu.move(user, msgs[0]!.id, emu.folderId(user, '/Projects/Alpha'));
  emu.setFlags(user, msgs[1]!.id, 'fu');
  emu.setTags(user, msgs[2]!.id, ['urgent']);
  emu.deleteItem(user, msgs[3]!.id);
  emu.modifyContact(user, contact.id, { jobTitle: 'Chief Restorer' });
  emu.addCalendarItem(user, ICS('uid-restore-1', 'kickoff'));
  emu.addDocument(user, 'notes.txt', Buffer.from('first notes\n'), 'text/plain');
  await checkpoint();
  emu.renameFolder(user, proj, 'Beta');
  emu.addCalendarItem(user, ICS('uid-restore-1', 'kickoff moved'));
  emu.deleteFolder(user, emu.folderId(user, '/Projects'));
  emu.deleteItem(user, msgs[4]!.id);
  emu.deliver(user, 'From: c@d.test\r\nSubject: late\r\n\r\nlate\r\n', { flags: 'u' });
  await checkpoint();
  return points;
}

async function setup(): Promise<{ fx: BackupFixture; user: string; emu: Emulator }> {
  fx = await backupFixture();
  await fx.emu.seed(
    buildCorpus({
      seed: 11,
      accounts: 1,
      messagesPerAccount: 12,
      contactsPerAccount: 4,
      calendarPerAccount: 3,
      documentsPerAccount: 2,
      domain: 'example.test',
    }),
  );
  const user = fx.emu.accounts().find((a) => a.name.startsWith('user'))!.name;
  return { fx, user, emu: fx.emu };
}

describe('restore against the emulator', () => {
  it('restoreAccount into a new account reproduces the mailbox at several instants', async () => {
    const { fx, user, emu } = await setup();
    const points = await history(fx, user);
    for (const [i, p] of points.entries()) {
      const to = `restored${i}@example.test`;
      const r = await restoreAccount({ repository: fx.repo, client: fx.client, account: user, at: p.t, toAccount: to });
      expect(r.failures).toEqual([]);
      expect(r.createdAccount?.name).toBe(to);
      expect(r.generatedPassword?.reveal().length).toBeGreaterThan(10);
      expect(contentOf(emu.snapshot(to))).toEqual(contentOf(p.snap));
      // A second run of the same restore writes nothing.
      const again = await restoreAccount({
        repository: fx.repo,
        client: fx.client,
        account: user,
        at: p.t,
        toAccount: to,
      });
      expect(again.restoreId).toBe(r.restoreId);
      expect(Object.values(again.counts).reduce((n, c) => n + c.restored, 0)).toBe(0);
      expect(contentOf(emu.snapshot(to))).toEqual(contentOf(p.snap));
    }
  });

  it('restoreAccount into the original account writes only what is missing there', async () => {
    const { fx, user, emu } = await setup();
    const points = await history(fx, user);
    const [, p1, p2] = points;
    const missing = p1!.snap.items.filter((i) => !p2!.snap.items.some((a) => a.id === i.id));
    expect(missing.length).toBeGreaterThanOrEqual(3);
    const r = await restoreAccount({ repository: fx.repo, client: fx.client, account: user, at: p1!.t });
    expect(r.failures).toEqual([]);
    expect(
      Object.values(r.counts).reduce((n, c) => n + (c === r.counts.folder || c === r.counts.tag ? 0 : c.restored), 0),
    ).toBe(missing.length);
    const now = emu.snapshot(user);
    expect(now.items.length).toBe(p2!.snap.items.length + missing.length);
    const p1Paths = new Map(p1!.snap.folders.map((f) => [f.id, f.path]));
    const nowPaths = new Map(now.folders.map((f) => [f.id, f.path]));
    for (const m of missing) {
      const back = now.items.find(
        (i) =>
          i.type === m.type &&
          i.sha256 === m.sha256 &&
          i.id !== m.id &&
          nowPaths.get(i.folderId) === p1Paths.get(m.folderId),
      );
      expect(back, `${m.type} ${m.id} back in ${p1Paths.get(m.folderId)}`).toBeDefined();
    }
  });

  it('an interrupted restore resumes without duplicates', async () => {
    const { fx, user, emu } = await setup();
    await new BackupEngine({ client: fx.client, repository: fx.repo }).run();
    const at = Date.now();
    const want = contentOf(emu.snapshot(user));
    const ac = new AbortController();
    let seen = 0;
    const first = restoreAccount({
      repository: fx.repo,
      client: fx.client,
      account: user,
      at,
      toAccount: 'half@example.test',
      concurrency: 2,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.phase === 'items' && ++seen === 6) ac.abort();
      },
    });
    const aborted = await first.then(
      () => undefined,
      (e: unknown) => e as ZimbraBackupError,
    );
    expect(aborted).toMatchObject({ code: 'ZB_ABORTED', data: { createdAccount: { name: 'half@example.test' } } });
    // The generated password travels with the error (the resumed run cannot report it), never printed by JSON.
    expect((aborted!.data['generatedPassword'] as Secret).reveal().length).toBeGreaterThan(10);
    expect(JSON.stringify(aborted!.toJSON())).not.toContain((aborted!.data['generatedPassword'] as Secret).reveal());
    const partial = emu.snapshot('half@example.test').items.length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(want.items.length);
    const resumed = await restoreAccount({
      repository: fx.repo,
      client: fx.client,
      account: user,
      at,
      toAccount: 'half@example.test',
    });
    expect(resumed.failures).toEqual([]);
    expect(Object.values(resumed.counts).reduce((n, c) => n + c.skipped, 0)).toBeGreaterThan(0);
    expect(contentOf(emu.snapshot('half@example.test'))).toEqual(want);
  });

  it('a rerun that lost its id map (crash before a flush) finds everything in place and writes nothing', async () => {
    const { fx, user, emu } = await setup();
    await new BackupEngine({ client: fx.client, repository: fx.repo }).run();
    const at = Date.now();
    const first = await restoreAccount({
      repository: fx.repo,
      client: fx.client,
      account: user,
      at,
      toAccount: 'crash@example.test',
    });
    expect(first.failures).toEqual([]);
    const after = contentOf(emu.snapshot('crash@example.test'));
    for await (const o of fx.repo.backend.list(`restores/${first.restoreId}/map/`)) await fx.repo.backend.delete(o.key);
    const again = await restoreAccount({
      repository: fx.repo,
      client: fx.client,
      account: user,
      at,
      toAccount: 'crash@example.test',
    });
    expect(again.failures).toEqual([]);
    for (const kind of ['message', 'contact', 'appointment', 'task', 'document'] as const) {
      expect(again.counts[kind].restored, kind).toBe(0);
      expect(again.counts[kind].skipped, kind).toBe(first.counts[kind].restored);
    }
    expect(contentOf(emu.snapshot('crash@example.test'))).toEqual(after);
  });

  it('undelete brings back exactly the items deleted in the window, under a Restored folder', async () => {
    const { fx, user, emu } = await setup();
    const points = await history(fx, user);
    const before = points[1]!.snap;
    const after = points[2]!.snap;
    const gone = before.items.filter((i) => !after.items.some((a) => a.id === i.id));
    expect(gone.length).toBeGreaterThanOrEqual(3);
    const r = await undelete({
      repository: fx.repo,
      client: fx.client,
      account: user,
      from: points[1]!.t,
      to: points[2]!.t,
      now: () => Date.UTC(2026, 10, 26, 14, 3),
    });
    expect(r.failures).toEqual([]);
    expect(r.folder).toBe('/Restored 2026-11-26 14.03');
    const now = emu.snapshot(user);
    const pathOf = new Map(now.folders.map((f) => [f.id, f.path]));
    const restored = now.items.filter((i) => pathOf.get(i.folderId)?.startsWith(r.folder));
    expect(restored.map((i) => i.sha256 ?? contactKey(i.fields ?? {})).sort()).toEqual(
      gone.map((i) => i.sha256 ?? contactKey(i.fields ?? {})).sort(),
    );
    const beforePath = new Map(before.folders.map((f) => [f.id, f.path]));
    for (const g of gone) {
      const copy = restored.find((i) => i.sha256 === g.sha256)!;
      expect(pathOf.get(copy.folderId)).toBe(`${r.folder}${beforePath.get(g.folderId)}`);
    }
    // Rerun (with another clock): same folder, nothing new.
    const again = await undelete({
      repository: fx.repo,
      client: fx.client,
      account: user,
      from: points[1]!.t,
      to: points[2]!.t,
    });
    expect(again.folder).toBe(r.folder);
    expect(again.counts.message.restored).toBe(0);
    expect(emu.snapshot(user).items.length).toBe(now.items.length);

    // A window that starts before the first backup still mirrors the original folder paths.
    const all = await undelete({
      repository: fx.repo,
      client: fx.client,
      account: user,
      from: 0,
      to: points[2]!.t,
      folderName: 'All',
    });
    expect(all.failures).toEqual([]);
    const snap = emu.snapshot(user);
    const paths = new Map(snap.folders.map((f) => [f.id, f.path]));
    const p1Paths = new Map(points[1]!.snap.folders.map((f) => [f.id, f.path]));
    for (const g of gone) {
      const copy = snap.items.find((i) => i.sha256 === g.sha256 && paths.get(i.folderId)?.startsWith('/All/'));
      expect(paths.get(copy!.folderId)).toBe(`/All${p1Paths.get(g.folderId)}`);
    }
  });

  it('restores single items, skips content already there, and dry-runs without writing', async () => {
    const { fx, user, emu } = await setup();
    const points = await history(fx, user);
    const liveFolders = new Set(points[2]!.snap.folders.map((f) => f.id));
    const deletedMsg = points[1]!.snap.items.find(
      (i) => i.type === 'message' && !points[2]!.snap.items.some((a) => a.id === i.id) && liveFolders.has(i.folderId),
    )!;
    const live = points[2]!.snap.items.find((i) => i.type === 'message')!;
    const dry = await restoreItems({
      repository: fx.repo,
      client: fx.client,
      account: user,
      ids: [String(deletedMsg.id)],
      dryRun: true,
    });
    expect(dry.planned.filter((p) => p.kind !== 'folder').map((p) => p.id)).toEqual([String(deletedMsg.id)]);
    expect(emu.snapshot(user).items.length).toBe(points[2]!.snap.items.length);
    const t0 = performance.now();
    const r = await restoreItems({
      repository: fx.repo,
      client: fx.client,
      account: user,
      ids: [String(deletedMsg.id), String(live.id), '99999'],
    });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.counts.message.restored).toBe(1);
    expect(r.counts.message.skipped).toBe(1); // the live one is already there with the same content
    expect(r.failures.map((f) => f.code)).toEqual(['ZB_NOT_FOUND']);
    const back = emu.snapshot(user).items.filter((i) => i.sha256 === deletedMsg.sha256);
    expect(back.length).toBe(1);
    expect(back[0]!.folderId).toBe(deletedMsg.folderId);
    expect(back[0]!.dateMs).toBe(deletedMsg.dateMs);
  });

  it('skips contacts and calendar items already present; never overwrites a document of the same name', async () => {
    const { fx, user, emu } = await setup();
    const docId = emu.addDocument(user, 'plan.txt', Buffer.from('version one\n'), 'text/plain');
    const engine = new BackupEngine({ client: fx.client, repository: fx.repo });
    await engine.run();
    await sleep(3);
    const at = Date.now();
    const v1 = emu.snapshot(user).items.find((i) => i.id === docId)!.sha256;
    emu.addDocument(user, 'plan.txt', Buffer.from('version two, edited\n'), 'text/plain');
    const v2 = emu.snapshot(user).items.find((i) => i.id === docId)!.sha256;
    const snap = emu.snapshot(user);
    const contact = snap.items.find((i) => i.type === 'contact')!;
    const appt = snap.items.find((i) => i.type === 'appointment')!;
    const r = await restoreItems({
      repository: fx.repo,
      client: fx.client,
      account: user,
      ids: [String(contact.id), String(appt.id), String(docId)],
      at,
    });
    expect(r.failures).toEqual([]);
    expect(r.counts.contact).toMatchObject({ restored: 0, skipped: 1 });
    expect(r.counts.appointment).toMatchObject({ restored: 0, skipped: 1 });
    expect(r.counts.document.restored).toBe(1);
    const docs = emu.snapshot(user).items.filter((i) => i.type === 'document' && i.name?.startsWith('plan'));
    expect(docs.map((d) => [d.name, d.sha256]).sort()).toEqual([
      ['plan (restored).txt', v1],
      ['plan.txt', v2],
    ]);
  });

  it('sends overridden instances of a recurring appointment as except components, keeping the stored calendar', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    emu.createAccount('cal@example.test', 'pw-cal');
    const series = ICS('uid-series', 'standup').replace('END:VEVENT', 'RRULE:FREQ=DAILY;COUNT=5\r\nEND:VEVENT');
    const withOverride = series.replace(
      'END:VCALENDAR',
      'BEGIN:VEVENT\r\nUID:uid-series\r\nRECURRENCE-ID:20261203T100000Z\r\nDTSTART:20261203T113000Z\r\nDTEND:20261203T120000Z\r\nSUMMARY:standup (late)\r\nEND:VEVENT\r\nEND:VCALENDAR',
    );
    emu.addCalendarItem('cal@example.test', withOverride);
    await new BackupEngine({ client, repository: repo }).run();
    const sent: Array<{ name: string; params: unknown }> = [];
    const send = client.send.bind(client);
    client.send = (async (def: { name: string }, params: unknown, o: unknown) => {
      sent.push({ name: def.name, params });
      return send(def as never, params as never, o as never);
    }) as typeof client.send;
    const r = await restoreAccount({
      repository: repo,
      client,
      account: 'cal@example.test',
      at: Date.now(),
      toAccount: 'cal2@example.test',
    });
    expect(r.failures).toEqual([]);
    const set = sent.find((x) => x.name === 'SetAppointmentRequest')!.params as { exceptions?: unknown[] };
    expect(set.exceptions).toHaveLength(1);
    const orig = emu.snapshot('cal@example.test').items.find((i) => i.type === 'appointment')!;
    const copy = emu.snapshot('cal2@example.test').items.find((i) => i.type === 'appointment')!;
    expect([copy.uid, copy.sha256]).toEqual([orig.uid, orig.sha256]);
  });

  it('reports a corrupt blob per item and never writes it', async () => {
    const { fx, user, emu } = await setup();
    await new BackupEngine({ client: fx.client, repository: fx.repo }).run();
    const victim = emu.snapshot(user).items.find((i) => i.type === 'message')!;
    // Corrupt the stored blob: same object key, different bytes (same length, uncompressed).
    await corrupt(fx, victim.sha256!);
    const r = await restoreAccount({
      repository: fx.repo,
      client: fx.client,
      account: user,
      at: Date.now(),
      toAccount: 'corrupt@example.test',
    });
    expect(r.failures.map((f) => [f.id, f.code])).toEqual([
      [String(victim.id), expect.stringMatching(/ZB_DIGEST_MISMATCH|ZB_REPOSITORY_CORRUPT|ZB_SIZE_MISMATCH/)],
    ]);
    expect(emu.snapshot('corrupt@example.test').items.some((i) => i.sha256 === victim.sha256)).toBe(false);
    expect(r.counts.message.restored).toBe(emu.snapshot(user).items.filter((i) => i.type === 'message').length - 1);
  });
});

async function corrupt(fx: BackupFixture, digest: string): Promise<void> {
  const { Readable } = await import('node:stream');
  const { buffer } = await import('node:stream/consumers');
  // Format v2: the blob object lives in a pack; flip a byte near the end of its range.
  const loc = fx.repo.blobs.packs!.locate(digest)!;
  const key = fx.repo.blobs.packs!.packKey(loc.pack);
  const bytes = await buffer(await fx.repo.backend.get(key));
  // Flip one byte near the end: the gzip/identity decoder or the digest check must refuse it.
  const i = loc.offset + loc.length - 12;
  bytes[i] = bytes[i]! ^ 0xff;
  await fx.repo.backend.put(key, { size: bytes.length, open: () => Readable.from([bytes]) });
}
