// ZimbraClient and REST I/O against the in-process emulator over real HTTP, with both
// transports: auth modes, directory, sync (initial/delta/paging/resync), faults, fault
// injection, WaitSets, batch, writers and blob I/O.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { downloadItem } from '../../src/rest/download-item.js';
import { exportTgz } from '../../src/rest/export-tgz.js';
import { uploadFile } from '../../src/rest/upload-file.js';
import { MustResyncError, NoSuchItemError, NoSuchWaitSetError, SoapFaultError } from '../../src/soap/faults.js';
import { GetFolder } from '../../src/soap/requests/get-folder.js';
import { GetMsgMetadata } from '../../src/soap/requests/get-msg-metadata.js';
import type { SyncResult } from '../../src/soap/requests/sync.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';

const RAW = (n: number): string =>
  `From: a@example.test\r\nTo: ann@example.test\r\nSubject: msg ${n}\r\nMessage-ID: <m${n}@example.test>\r\n\r\nbody ${n}\r\n`;
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Syncs with `token` until `more` is false, merging the pages. */
async function syncAll(
  c: ZimbraClient,
  account: string,
  token: string,
  changeLimit?: number,
): Promise<{ pages: SyncResult[]; token: string }> {
  const pages: SyncResult[] = [];
  let t = token;
  for (;;) {
    const r = await c.sync({ token: t, ...(changeLimit ? { changeLimit } : {}) }, { account });
    pages.push(r);
    t = r.token;
    if (!r.more) return { pages, token: t };
  }
}

for (const transport of ['json', 'xml'] as const) {
  describe(`ZimbraClient against the emulator (${transport})`, () => {
    let emu: Emulator;
    let admin: ZimbraClient;
    let ann: { id: string; name: string };

    beforeAll(async () => {
      emu = await startEmulator();
      ann = emu.createAccount('ann@example.test', 'ann-secret');
      emu.createAccount('bob@example.test', 'bob-secret');
      admin = new ZimbraClient({
        url: emu.url,
        adminUrl: emu.adminUrl,
        transport,
        retries: 2,
        retryBaseDelayMs: 1,
        timeoutMs: 5000,
      });
      await admin.authAdmin(emu.adminUser, emu.adminPassword);
    });
    afterAll(async () => {
      admin.close();
      await emu.close();
    });

    it('directory: servers, domains, cos, accounts (paged), account lookups', async () => {
      const servers = await admin.getAllServers();
      expect(servers.length).toBeGreaterThanOrEqual(1);
      expect(servers[0]!.attrs['zimbraServiceHostname']).toBeDefined();
      expect((await admin.getAllDomains()).map((d) => d.name)).toContain('example.test');
      expect((await admin.getAllCos()).length).toBeGreaterThanOrEqual(1);
      const names: string[] = [];
      for await (const a of admin.accounts({ pageSize: 1 })) names.push(a.name);
      expect(names).toEqual(expect.arrayContaining(['ann@example.test', 'bob@example.test', emu.adminUser]));
      expect(new Set(names).size).toBe(names.length);
      const byName = await admin.getAccount('ann@example.test');
      const byId = await admin.getAccount({ by: 'id', value: ann.id });
      expect(byName.id).toBe(ann.id);
      expect(byId.name).toBe(ann.name);
      expect(byName.attrs['zimbraId']).toBe(ann.id);
      const info = await admin.getAccountInfo(ann.name);
      expect(info.name).toBe(ann.name);
      expect(info.attrs['zimbraId']).toBe(ann.id);
      const mbox = await admin.getMailbox(ann.id);
      expect(mbox.mailboxId).toMatch(/^\d+$/);
    });

    it('provisioning: domain, cos, account, distribution list with members, modify', async () => {
      const d = await admin.send((await import('../../src/soap/requests/create-domain.js')).CreateDomain, {
        name: `d-${transport}.test`,
        attrs: { description: 'x' },
      });
      expect(d.name).toBe(`d-${transport}.test`);
      const cos = await admin.send((await import('../../src/soap/requests/create-cos.js')).CreateCos, {
        name: `cos-${transport}`,
      });
      expect(cos.id).toMatch(/[0-9a-f-]{36}/);
      const acct = await admin.createAccount(`carl@d-${transport}.test`, 'pw', {
        displayName: 'Carl',
        zimbraCOSId: cos.id,
      });
      expect(acct.attrs['displayName']).toBe('Carl');
      const modified = await admin.modifyAccount(acct.id, { displayName: 'Carl II' });
      expect(modified.attrs['displayName']).toBe('Carl II');
      const { CreateDistributionList } = await import('../../src/soap/requests/create-distribution-list.js');
      const { AddDistributionListMember } = await import('../../src/soap/requests/add-distribution-list-member.js');
      const dl = await admin.send(CreateDistributionList, { name: `list@d-${transport}.test` });
      await admin.send(AddDistributionListMember, { id: dl.id, members: ['ann@example.test', 'bob@example.test'] });
      const lists = await admin.getAllDistributionLists();
      const mine = lists.find((l) => l.id === dl.id)!;
      expect(mine.members.sort()).toEqual(['ann@example.test', 'bob@example.test']);
      await expect(admin.getAccount('nobody@example.test')).rejects.toMatchObject({
        faultCode: 'account.NO_SUCH_ACCOUNT',
      });
    });

    it('sync as admin-on-behalf: initial tree (token string), delta created/modified/deleted, paging, resync', async () => {
      const first = emu.deliver(ann.name, RAW(1), { flags: 'u', tags: ['work'] });
      const second = emu.deliver(ann.name, RAW(2));
      const initial = await admin.sync({}, { account: ann.name });
      expect(initial.initial).toBe(true);
      expect(typeof initial.token).toBe('string');
      expect(initial.token).toBe(String(emu.lastChangeId(ann.name)));
      expect(initial.root?.id).toBe('11');
      const inbox = initial.folders.find((f) => f.id === '2')!;
      expect(inbox.itemIds.message).toEqual(expect.arrayContaining([String(first), String(second)]));
      expect(initial.tags.map((t) => t.name)).toContain('work');
      expect(initial.folders.find((f) => f.id === '7')?.view).toBe('contact');

      const noop = await admin.sync({ token: initial.token }, { account: { by: 'id', value: ann.id } });
      expect(noop).toMatchObject({
        initial: false,
        token: initial.token,
        more: false,
        items: [],
        folders: [],
        deleted: { ids: [] },
      });

      emu.setFlags(ann.name, first, 'f');
      emu.deleteItem(ann.name, second);
      const third = emu.deliver(ann.name, RAW(3));
      const delta = await admin.sync({ token: initial.token }, { account: ann.name });
      expect(typeof delta.token).toBe('string');
      expect(delta.deleted.ids).toContain(String(second));
      expect(delta.deleted.byType.message).toContain(String(second));
      const mod = delta.items.find((i) => i.id === String(first))!;
      expect(mod).toMatchObject({ type: 'message', flags: 'f', folderId: '2', tagNames: ['work'] });
      expect(mod.savedSequence!).toBeLessThanOrEqual(Number(initial.token));
      const created = delta.items.find((i) => i.id === String(third))!;
      expect(created.savedSequence!).toBeGreaterThan(Number(initial.token));
      expect(created.flags).toBeUndefined();

      const ids: number[] = [];
      for (let n = 10; n < 17; n++) ids.push(emu.deliver(ann.name, RAW(n)));
      const paged = await syncAll(admin, ann.name, delta.token, 3);
      expect(paged.pages.length).toBeGreaterThanOrEqual(3);
      expect(paged.pages.slice(0, -1).every((p) => p.more)).toBe(true);
      const seen = paged.pages.flatMap((p) => p.items.map((i) => i.id));
      expect(new Set(seen)).toEqual(new Set(ids.map(String)));

      emu.deleteItem(ann.name, ids[0]!);
      emu.expireTombstones(ann.name);
      await expect(admin.sync({ token: delta.token }, { account: ann.name })).rejects.toBeInstanceOf(MustResyncError);
      await expect(admin.sync({ token: 'not-a-token' }, { account: ann.name })).rejects.toMatchObject({
        faultCode: 'service.INVALID_REQUEST',
      });
    });

    it('faults: typed errors for missing items and folders', async () => {
      await expect(admin.getFolder({ folderId: '99999' }, { account: ann.name })).rejects.toBeInstanceOf(
        NoSuchItemError,
      );
      await expect(admin.getItem('99999', { account: ann.name })).rejects.toBeInstanceOf(NoSuchItemError);
      const mid = String(emu.deliver(ann.name, RAW(600)));
      expect(await admin.getItem(mid, { account: ann.name })).toMatchObject({
        type: 'message',
        id: mid,
        folderId: '2',
      });
      const err = await admin
        .itemAction({ ids: ['99998'], op: 'flag' }, { account: ann.name })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SoapFaultError);
      expect((err as SoapFaultError).faultCode).toMatch(/^mail\.NO_SUCH_/);
      await expect(admin.getAppointment({ id: '99997' }, { account: ann.name })).rejects.toBeInstanceOf(SoapFaultError);
    });

    it('fault injection: 503, reset and truncated bodies are retried; expired auth re-authenticates once', async () => {
      emu.faults.inject({ match: { request: 'GetFolderRequest' }, status: 503 });
      emu.faults.inject({ match: { request: 'GetTagRequest' }, reset: true });
      emu.faults.inject({ match: { request: 'GetFolderRequest' }, truncate: true });
      expect((await admin.getFolder({}, { account: ann.name })).id).toBe('1');
      expect((await admin.getFolder({}, { account: ann.name })).id).toBe('1');
      expect(Array.isArray(await admin.getTags({ account: ann.name }))).toBe(true);
      emu.faults.inject({ match: { request: 'SyncRequest' }, expireAuth: true });
      const authsBefore = emu.stats.get('AuthRequest');
      const syncsBefore = emu.stats.get('SyncRequest');
      const r = await admin.sync({}, { account: ann.name });
      expect(r.initial).toBe(true);
      expect(emu.stats.get('AuthRequest')).toBe(authsBefore + 1);
      expect(emu.stats.get('SyncRequest')).toBe(syncsBefore + 2);
      emu.faults.inject({ match: { request: 'GetTagRequest' }, fault: { code: 'service.TEMPORARILY_UNAVAILABLE' } });
      await admin.getTags({ account: ann.name });
      expect(emu.faults.pending()).toBe(0);
    });

    it('user auth and delegated auth work on /service/soap', async () => {
      const user = new ZimbraClient({ url: emu.url, transport, retries: 0 });
      await user.authUser(ann.name, 'ann-secret');
      expect((await user.getFolder()).name).toBe('USER_ROOT');
      const bad = new ZimbraClient({ url: emu.url, transport, retries: 0 });
      await expect(bad.authUser(ann.name, 'wrong')).rejects.toMatchObject({ faultCode: 'account.AUTH_FAILED' });
      const delegated = await admin.delegateAuth({ by: 'id', value: ann.id }, { durationSeconds: 600 });
      const a = await delegated.getFolder();
      expect(a).toEqual(await user.getFolder());
      user.close();
      bad.close();
      delegated.close();
    });

    it('JSON and XML parse the same typed results from the same server state', async () => {
      const other = new ZimbraClient({
        url: emu.url,
        adminUrl: emu.adminUrl,
        transport: transport === 'json' ? 'xml' : 'json',
        retries: 0,
      });
      await other.authAdmin(emu.adminUser, emu.adminPassword);
      const o = { account: ann.name };
      const token = String(emu.lastChangeId(ann.name));
      const drop = (r: SyncResult) => ({ ...r, changeDateSeconds: 0 });
      expect(await other.getFolder({}, o)).toEqual(await admin.getFolder({}, o));
      expect(await other.getTags(o)).toEqual(await admin.getTags(o));
      expect(drop(await other.sync({ token }, o))).toEqual(drop(await admin.sync({ token }, o)));
      expect(await other.getAccount(ann.name)).toEqual(await admin.getAccount(ann.name));
      expect(await other.searchDirectory({ types: 'accounts' })).toEqual(
        await admin.searchDirectory({ types: 'accounts' }),
      );
      const ids = (await admin.search({ query: 'in:inbox', limit: 50 }, o)).hits.map((h) => h.id);
      expect(await other.getMsgMetadata(ids, o)).toEqual(await admin.getMsgMetadata(ids, o));
      other.close();
    });

    it('REST: download raw bytes (name or id) with fmt=sync headers matching sync metadata; 404; maxBytes', async () => {
      const raw = RAW(100);
      const id = String(emu.deliver(ann.name, raw, { flags: 'uf', tags: ['rest'] }));
      const [meta] = await admin.getMsgMetadata([id], { account: ann.name });
      const r = await downloadItem(admin, { account: ann.name, id, fmt: 'sync', expectedSize: meta!.size! });
      expect(sha(await readAll(r.stream))).toBe(sha(raw));
      expect(r.headers).toMatchObject({
        itemId: id,
        folderId: '2',
        flags: meta!.flags,
        change: meta!.modifiedSequence,
        revision: meta!.savedSequence,
        tagNames: ['rest'],
      });
      const byId = await downloadItem(admin, { account: { by: 'id', value: ann.id }, id });
      expect((await readAll(byId.stream)).toString()).toBe(raw);
      await expect(downloadItem(admin, { account: ann.name, id: '99996' })).rejects.toBeInstanceOf(NoSuchItemError);
      const small = await downloadItem(admin, { account: ann.name, id, maxBytes: 10 })
        .then((d) => readAll(d.stream))
        .catch((e: unknown) => e);
      expect(small).toMatchObject({ code: 'ZB_TOO_LARGE' });
      const user = new ZimbraClient({ url: emu.url, transport });
      await user.authUser(ann.name, 'ann-secret');
      expect((await readAll((await downloadItem(user, { id })).stream)).toString()).toBe(raw);
      user.close();
    });

    it('REST: upload then AddMsg (delegated), and the stored bytes round-trip', async () => {
      const delegated = await admin.delegateAuth(ann.name);
      const raw = Buffer.from(RAW(200));
      const aid = await uploadFile(delegated, {
        body: Readable.from([raw]),
        contentType: 'message/rfc822',
        filename: 'restore.eml',
        size: raw.length,
      });
      expect(aid).toMatch(/^[0-9a-f-]+:[0-9a-f-]+$/);
      const m = await delegated.addMsg({
        folderId: '2',
        uploadId: aid,
        flags: 's',
        tagNames: ['restored'],
        dateMs: 1_700_000_000_000,
      });
      expect(m).toMatchObject({ folderId: '2', dateMs: 1_700_000_000_000, tagNames: ['restored'] });
      expect(sha(await readAll((await downloadItem(delegated, { id: m.id })).stream))).toBe(sha(raw));
      await expect(delegated.addMsg({ folderId: '2', uploadId: aid })).rejects.toMatchObject({
        faultCode: 'mail.NO_SUCH_UPLOAD',
      });
      delegated.close();
    });

    // Real Zimbra fetches an upload by the auth token's account (AddMsg -> FileUploadServlet.fetchUpload(
    // zsc.getAuthtokenAccountId(), ...)), so an admin acting on a mailbox uploads with its own token.
    it('REST: upload as admin (admin=1) then AddMsg with the <account> header', async () => {
      const raw = Buffer.from(RAW(300));
      const aid = await uploadFile(admin, {
        account: ann.name,
        body: Readable.from([raw]),
        contentType: 'message/rfc822',
        filename: 'admin.eml',
        size: raw.length,
      });
      const m = await admin.addMsg({ folderId: '2', uploadId: aid, dateMs: 1_700_000_000_000 }, { account: ann.name });
      expect(sha(await readAll((await downloadItem(admin, { account: ann.name, id: m.id })).stream))).toBe(sha(raw));
    });

    it('REST: fmt=tgz export holds the items with .meta entries', async () => {
      const s = await exportTgz(admin, { account: ann.name });
      const names: string[] = [];
      const extract = tar.extract();
      extract.on('entry', (h, stream, next) => {
        names.push(h.name);
        stream.resume();
        stream.on('end', next);
      });
      await new Promise<void>((resolve, reject) => {
        s.on('error', reject);
        extract.on('finish', resolve).on('error', reject);
        s.pipe(createGunzip()).pipe(extract);
      });
      expect(names.some((n) => n.endsWith('.eml'))).toBe(true);
      expect(names.some((n) => n.endsWith('.eml.meta'))).toBe(true);
    });

    it('writers: folder (fetch-if-exists), tag, contact (a[] in, _attrs out), item action', async () => {
      const o = { account: ann.name };
      const f1 = await admin.createFolder({ name: `Restored-${transport}`, parentId: '1', view: 'message' }, o);
      const f2 = await admin.createFolder({ name: `Restored-${transport}`, parentId: '1', view: 'message' }, o);
      expect(f2.id).toBe(f1.id);
      const tag = await admin.createTag({ name: `t-${transport}`, color: 3 }, o);
      expect(tag).toMatchObject({ name: `t-${transport}`, color: 3 });
      const cn = await admin.createContact(
        { attrs: { firstName: 'Ann', lastName: 'Doe', email: 'ann@x.test' }, folderId: '7' },
        o,
      );
      expect(cn.attrs).toMatchObject({ firstName: 'Ann', lastName: 'Doe', email: 'ann@x.test' });
      const [back] = await admin.getContacts({ ids: [cn.id] }, o);
      expect(back!.attrs).toEqual(cn.attrs);
      const id = String(emu.deliver(ann.name, RAW(300)));
      await admin.itemAction({ ids: [id], op: 'move', folderId: f1.id }, o);
      await admin.itemAction({ ids: [id], op: 'update', flags: 'f', tagNames: [tag.name] }, o);
      const [m] = await admin.getMsgMetadata([id], o);
      expect(m).toMatchObject({ folderId: f1.id, flags: 'f', tagNames: [tag.name] });
    });

    it('appointments: SetAppointment then GetAppointment', async () => {
      const uid = `uid-${transport}-1@example.test`;
      const ics = [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//zb//test//EN',
        'BEGIN:VEVENT',
        `UID:${uid}`,
        'DTSTAMP:20240101T000000Z',
        'DTSTART:20240102T100000Z',
        'DTEND:20240102T110000Z',
        'SUMMARY:Standup',
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n');
      const mime = `Content-Type: text/calendar; charset=utf-8; method=PUBLISH\r\n\r\n${ics}`;
      const r = await admin.setAppointment(
        { folderId: '10', default: { partStat: 'AC', mimeContent: mime } },
        { account: ann.name },
      );
      expect(r.calItemId).toMatch(/^\d+$/);
      const appt = await admin.getAppointment({ id: r.calItemId }, { account: ann.name });
      expect(appt).toMatchObject({ id: r.calItemId, uid, folderId: '10' });
    });

    it('batch: members answered in order, a failing member as a typed fault', async () => {
      const id = String(emu.deliver(ann.name, RAW(400)));
      const res = await admin.batch(
        [
          { def: GetFolder, params: {} },
          { def: GetMsgMetadata, params: { ids: [id] } },
          { def: GetFolder, params: { folderId: '99995' } },
        ],
        { account: ann.name },
      );
      expect(res.results[0]).toMatchObject({ ok: true, value: { root: { id: '1' } } });
      expect(res.results[1]).toMatchObject({ ok: true, value: { messages: [{ id }] } });
      expect(res.results[2]!.ok).toBe(false);
      expect((res.results[2] as { error: unknown }).error).toBeInstanceOf(NoSuchItemError);
    });

    it('WaitSets: explicit set signals on delivery, timeout echoes seq, destroyed set faults', async () => {
      const bob = emu.accounts().find((a) => a.name === 'bob@example.test')!;
      const ws = await admin.createWaitSet({ defaultTypes: 'all', add: [{ id: bob.id }] });
      const idle = await admin.waitSet({ waitSetId: ws.waitSetId, sequence: ws.sequence, timeoutSeconds: 0 });
      expect(idle.signals).toEqual([]);
      const pending = admin.waitSet({ waitSetId: ws.waitSetId, sequence: idle.sequence, timeoutSeconds: 5 });
      setTimeout(() => emu.deliver('bob@example.test', RAW(500)), 50);
      const hit = await pending;
      expect(hit.signals.map((s) => s.id)).toContain(bob.id);
      expect(typeof hit.sequence).toBe('string');
      await admin.destroyWaitSet(ws.waitSetId);
      await expect(
        admin.waitSet({ waitSetId: ws.waitSetId, sequence: hit.sequence, block: false }),
      ).rejects.toBeInstanceOf(NoSuchWaitSetError);
    });
  });
}
