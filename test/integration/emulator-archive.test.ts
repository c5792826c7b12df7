// The emulator's fmt=tar / fmt=tgz against Zimbra's source: ArchiveFormatter.java (formatCallback,
// saveItem, getEntryName), TarArchiveOutputStream.java (entry header fields), ItemData.java (.meta
// JSON), UserServletContext.java (`list`), UserServletUtil.resolveItems (ids that do not resolve).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

type Json = Record<string, any>;
let emu: Emulator;
let token: string;
const USER = 'tar@example.test';
const raw = (subject: string, body = 'hello'): string =>
  `From: a@x.test\r\nTo: b@x.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.length}-${body}@x>\r\n\r\n${body}\r\n`;
let read: number;
let unread: number;
let noSubject: number;
let longSubject: number;

const get = (path: string): Promise<Response> =>
  fetch(`${emu.url}${path}`, { headers: { Cookie: `ZM_AUTH_TOKEN=${token}` } });

async function entries(res: Response): Promise<Array<{ h: Header; data: Buffer }>> {
  const out: Array<{ h: Header; data: Buffer }> = [];
  const ex = extract();
  Readable.from([Buffer.from(await res.arrayBuffer())]).pipe(ex);
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push({ h: entry.header, data: Buffer.concat(chunks) });
  }
  return out;
}

beforeAll(async () => {
  emu = await startEmulator();
  emu.createAccount(USER, 'pw');
  const r = await fetch(`${emu.url}/service/soap`, {
    method: 'POST',
    body: JSON.stringify({
      Body: {
        AuthRequest: {
          _jsns: 'urn:zimbraAccount',
          account: { by: 'name', _content: USER },
          password: { _content: 'pw' },
        },
      },
    }),
  });
  token = ((await r.json()) as Json)['Body']['AuthResponse']['authToken'][0]['_content'];
  read = emu.deliver(USER, raw('Read one'), { flags: '', receivedMs: 1_700_000_000_000 });
  unread = emu.deliver(USER, raw('Unread: one?'), { flags: 'u', receivedMs: 1_700_000_100_000 });
  noSubject = emu.deliver(USER, raw('').replace('Subject: \r\n', ''), { receivedMs: 1_700_000_200_000 });
  longSubject = emu.deliver(USER, raw('L'.repeat(150)), { receivedMs: 1_700_000_300_000 });
});
afterAll(async () => emu.close());

describe('fmt=tar (ArchiveFormatter.java)', () => {
  it('writes each .meta entry before its content entry, as saveItem does', async () => {
    const res = await get(`/service/home/~/?fmt=tar&types=message`);
    expect(res.status).toBe(200);
    // ArchiveFormatter.formatCallback: application/x-tar for .tar
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    const list = await entries(res);
    const names = list.map((e) => e.h.name);
    const eml = `Inbox/${String(read).padStart(10, '0')}-Read one.eml`;
    expect(names.indexOf(`${eml}.meta`)).toBeGreaterThanOrEqual(0);
    expect(names.indexOf(eml)).toBe(names.indexOf(`${eml}.meta`) + 1);
    const meta = JSON.parse(list[names.indexOf(`${eml}.meta`)]!.data.toString()) as Json;
    const bytes = list[names.indexOf(eml)]!.data;
    // ItemData.toJSON: index_id and volume_id are written as 0; Path is MailItem.getPath() (folder + '/' + name)
    expect(meta).toMatchObject({ id: read, type: 5, size: bytes.length, index_id: 0, volume_id: 0, Path: '/Inbox/' });
    expect(meta['blob_digest']).toBe(createHash('sha256').update(bytes).digest('base64').replace(/\//g, ','));
  });

  it('names entries by getEntryName: <id>-<subject>, illegal chars, <type>-<id>, 120 chars, GNU long names', async () => {
    const names = (await entries(await get(`/service/home/~/?fmt=tar&types=message`))).map((e) => e.h.name);
    // ILLEGAL_FILE_CHARS [/:*?"<>|\0] become '_'
    expect(names).toContain(`Inbox/${String(unread).padStart(10, '0')}-Unread_ one_.eml`);
    // no name and no subject: MailItem.Type name + '-' + id
    expect(names).toContain(`Inbox/message-${noSubject}.eml`);
    // the prefixed name is cut to 120 chars; the full path is over 100 bytes (a GNU ././@LongLink entry)
    const long = `Inbox/${`${String(longSubject).padStart(10, '0')}-${'L'.repeat(150)}`.slice(0, 120)}.eml`;
    expect(long.length).toBeGreaterThan(100);
    expect(names).toContain(long);
  });

  it('sets TarArchiveOutputEntry fields: gname = type name, devmajor = type byte, unread clears 0200', async () => {
    const list = await entries(await get(`/service/home/~/?fmt=tar&types=message`));
    const of = (id: number): Header[] =>
      list.filter((e) => e.h.name.includes(`${String(id).padStart(10, '0')}-`)).map((e) => e.h);
    for (const h of of(read)) expect([h.gname, h.devmajor, h.mode! & 0o777]).toEqual(['message', 5, 0o644]);
    for (const h of of(unread)) expect([h.gname, h.devmajor, h.mode! & 0o777]).toEqual(['message', 5, 0o444]);
    expect(of(read)[0]!.mtime!.getTime()).toBe(1_700_000_000_000);
  });

  it('list=<ids> exports those items in order; the first id that does not resolve ends the archive', async () => {
    const ok = await entries(await get(`/service/home/~/?fmt=tar&list=${unread},${read}`));
    expect(ok.map((e) => (JSON.parse(e.h.name.endsWith('.meta') ? e.data.toString() : '{}') as Json)['id'])).toEqual([
      unread,
      undefined,
      read,
      undefined,
    ]);
    // UserServletUtil.resolveItems leaves a missing id's item null; saveItem(null) throws inside the
    // loop's try, so ArchiveFormatter logs it and writes nothing after it
    const cut = await entries(await get(`/service/home/~/?fmt=tar&list=${read},999999,${unread}`));
    expect(cut.map((e) => e.h.name.endsWith('.meta'))).toEqual([true, false]);
    // nothing written at all: 204 No Content ("No data found") unless emptyname is given
    expect((await get(`/service/home/~/?fmt=tar&list=999999,${read}`)).status).toBe(204);
    const empty = await get(`/service/home/~/?fmt=tar&list=999999&emptyname=none`);
    expect(empty.status).toBe(200);
    expect(await entries(empty)).toEqual([]);
  });

  it('meta=0 leaves out the .meta entries; an unknown type is mail.INVALID_TYPE (HTTP 500)', async () => {
    const names = (await entries(await get(`/service/home/~/?fmt=tar&types=message&meta=0`))).map((e) => e.h.name);
    expect(names.length).toBe(4);
    expect(names.some((n) => n.endsWith('.meta'))).toBe(false);
    expect((await get(`/service/home/~/?fmt=tar&types=messages`)).status).toBe(500);
  });

  it('without types, folders come first (.meta only, sorted by path)', async () => {
    const list = await entries(await get(`/service/home/~/?fmt=tar`));
    const firstItem = list.findIndex((e) => e.h.gname !== 'folder');
    expect(firstItem).toBeGreaterThan(0);
    expect(list.slice(0, firstItem).every((e) => e.h.name.endsWith('.meta'))).toBe(true);
    expect(list.slice(firstItem).some((e) => e.h.gname === 'folder')).toBe(false);
  });

  it('pads a blob shorter than its size with spaces and adds <name>.err; skips an item whose blob is missing', async () => {
    const a = emu.deliver(USER, raw('Short blob'), { receivedMs: 1_700_000_400_000 });
    const b = emu.deliver(USER, raw('Lost blob'), { receivedMs: 1_700_000_500_000 });
    const size = emu.snapshot(USER).items.find((i) => i.id === a)!.size;
    emu.damageBlob(USER, a, Buffer.from('From: short\r\n'));
    emu.damageBlob(USER, b, undefined);
    try {
      const list = await entries(await get(`/service/home/~/?fmt=tar&list=${a},${b},${read}`));
      const eml = `Inbox/${String(a).padStart(10, '0')}-Short blob.eml`;
      expect(list.map((e) => e.h.name)).toEqual([
        `${eml}.meta`,
        eml,
        `${eml}.err`,
        `Inbox/${String(read).padStart(10, '0')}-Read one.eml.meta`,
        `Inbox/${String(read).padStart(10, '0')}-Read one.eml`,
      ]);
      expect(list[1]!.data.length).toBe(size);
      expect(list[1]!.data.toString()).toBe('From: short\r\n'.padEnd(size, ' '));
    } finally {
      emu.deleteItem(USER, a);
      emu.deleteItem(USER, b);
    }
  });

  it("appends '!<n>' to the folder part from a folder's 500th item on (BATCH)", async () => {
    const fid = emu.createFolder(USER, '/Bulk');
    const ids: number[] = [];
    for (let i = 0; i < 501; i++) ids.push(emu.deliver(USER, raw(`b${i}`), { folderId: fid }));
    const names = (await entries(await get(`/service/home/~/Bulk/?fmt=tar&meta=0`))).map((e) => e.h.name);
    // items 1..499 of the folder keep its name, the 500th and 501st are in 'Bulk!1' (count / 500);
    // the target folder itself is counted under its parent and, with meta=0, writes no entry
    expect(names.filter((n) => n.startsWith('Bulk/')).length).toBe(499);
    expect(names.filter((n) => n.startsWith('Bulk!1/')).length).toBe(2);
    expect(names.length).toBe(501);
  });
});
