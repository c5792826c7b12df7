// REST defaults of the real UserServlet, and a client that never depends on them.
// store/src/java/com/zimbra/cs/service/UserServlet.java `defaultFormat`: without `fmt`, a part goes
// to the native formatter, an appointment or task to ICS, a contact to VCF, a Zimbra document
// (application/x-zimbra-doc/slides/xls) to the HTML formatter, anything else to native.
// store/src/java/com/zimbra/cs/service/formatter/NativeFormatter.java: a message is sent as
// text/plain with the raw RFC 822 and its size as Content-Length; a calendar item as text/plain with
// its MIME (no length); a contact without attached file is 400 "body not found"; documents and parts
// go through sendbackOriginalDoc, which defangs scriptable types (text/html, image/svg+xml, text/xml,
// application/xml, application/xhtml+xml, x-zimbra-*) unless `disp` asks for an attachment.
// store/src/java/com/zimbra/cs/service/formatter/IcsFormatter.java: UTF-8 iCalendar, text/calendar
// (text/plain with noAttach=1), written through a buffered writer: no Content-Length.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { storeContent } from '../../src/backup/item-fetch.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { MemoryBackend } from '../../src/store/backends/memory.js';
import { initRepository } from '../../src/repository/repository.js';
import { startFake } from '../fixtures/soap/fake-zimbra.js';
import { backupFixture, diffMailbox, journalState } from './backup-helpers.js';

const USER = 'defaults@example.test';
const RAW = 'From: a@x.test\r\nSubject: plain\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n';
const ICS =
  'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:def-1@x\r\nSUMMARY:Review\r\nDTSTART:20240102T090000Z\r\nDTEND:20240102T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
const HTML = Buffer.from('<html><body onload="steal()"><script>steal()</script><p>notes</p></body></html>\n');
const ZDOC = Buffer.from('<div onclick="x()">zimbra doc</div>');

let emu: Emulator;
let cookie: string;
const ids: Record<string, number> = {};

const get = (q: string) => fetch(`${emu.url}/service/home/~/${q}`, { headers: { cookie } });
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  emu = await startEmulator({ domain: 'example.test' });
  emu.createAccount(USER, 'pw-defaults');
  ids['msg'] = emu.deliver(USER, RAW);
  ids['appt'] = emu.addCalendarItem(USER, ICS);
  ids['html'] = emu.addDocument(USER, 'notes.html', HTML, 'text/html');
  ids['zdoc'] = emu.addDocument(USER, 'page', ZDOC, 'application/x-zimbra-doc');
  ids['contact'] = emu.addContact(USER, { firstName: 'Ann', email: 'ann@x.test' });
  const c = new ZimbraClient({ url: emu.url, retries: 0 });
  await c.authUser(USER, 'pw-defaults');
  cookie = (await c.restTarget()).cookie().reveal();
  c.close();
});
afterAll(async () => emu.close());

describe('emulator: UserServlet defaults and formatters', () => {
  it('?id=N of an appointment is ICS (text/calendar, UTF-8, no Content-Length); noAttach=1 makes it text/plain', async () => {
    const res = await get(`?id=${ids['appt']}`);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(res.headers.get('content-length')).toBeNull();
    expect(await res.text()).toBe(ICS);
    const plain = await get(`?id=${ids['appt']}&fmt=ics&noAttach=1`);
    expect(plain.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });

  it('fmt=native of an appointment is its MIME as text/plain, not the iCalendar', async () => {
    const res = await get(`?id=${ids['appt']}&fmt=native`);
    expect(res.headers.get('content-type')).toBe('text/plain');
    const body = await res.text();
    expect(body).not.toBe(ICS);
    expect(body).toContain('Content-Type: text/calendar');
  });

  it('a message is text/plain with the raw RFC 822 and its length, whatever its own MIME type', async () => {
    const res = await get(`?id=${ids['msg']}`);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(RAW)));
    expect(await res.text()).toBe(RAW);
  });

  it('an HTML document is defanged inline (no disp) and sent unchanged with disp=a', async () => {
    const inline = Buffer.from(await (await get(`?id=${ids['html']}`)).arrayBuffer());
    expect(inline.equals(HTML)).toBe(false);
    expect(inline.toString()).not.toContain('<script>');
    const att = await get(`?id=${ids['html']}&disp=a`);
    expect(att.headers.get('content-disposition')).toBe('attachment; filename="notes.html"');
    expect(Buffer.from(await att.arrayBuffer()).equals(HTML)).toBe(true);
  });

  it('a Zimbra document goes to the HTML formatter by default; fmt=native&disp=a is its bytes', async () => {
    const page = await get(`?id=${ids['zdoc']}`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(Buffer.from(await page.arrayBuffer()).equals(ZDOC)).toBe(false);
    const raw = await get(`?id=${ids['zdoc']}&fmt=native&disp=a`);
    expect(Buffer.from(await raw.arrayBuffer()).equals(ZDOC)).toBe(true);
  });

  it('a contact is a vCard by default; native without an attached file is 400 "body not found"', async () => {
    const v = await get(`?id=${ids['contact']}`);
    expect(v.headers.get('content-type')).toBe('text/x-vcard; charset=utf-8');
    expect(await v.text()).toContain('BEGIN:VCARD');
    const n = await get(`?id=${ids['contact']}&fmt=native`);
    expect(n.status).toBe(400);
    expect(await n.text()).toContain('body not found');
  });
});

describe('client: explicit formats, original bytes', () => {
  it('a backup stores each item as the server holds it: raw message, ICS, undefanged documents', async () => {
    const fx = await backupFixture();
    try {
      const { emu: e, client, repo } = fx;
      const u = e.createAccount('bk-defaults@example.test', 'pw-bk');
      const m = e.deliver(u.name, RAW);
      const a = e.addCalendarItem(u.name, ICS);
      const h = e.addDocument(u.name, 'notes.html', HTML, 'text/html');
      const z = e.addDocument(u.name, 'page', ZDOC, 'application/x-zimbra-doc');
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="x()"><script>x()</script></svg>');
      const s = e.addDocument(u.name, 'logo.svg', svg, 'image/svg+xml');
      const r = await new BackupEngine({ client, repository: repo }).run();
      expect(r.failures).toEqual([]);
      const state = await journalState(repo, u.id);
      expect(state.items.get(String(m))?.digest).toBe(sha(RAW));
      expect(state.items.get(String(a))?.digest).toBe(sha(ICS));
      expect(state.items.get(String(h))?.digest).toBe(sha(HTML));
      expect(state.items.get(String(z))?.digest).toBe(sha(ZDOC));
      expect(state.items.get(String(s))?.digest).toBe(sha(svg));
      expect(diffMailbox(e, u.name, state)).toEqual([]);
    } finally {
      await fx.close();
    }
  });

  it('asks for fmt=native/ics by name and refuses an ICS answer to a native download (never stored as a blob)', async () => {
    const fake = await startFake();
    try {
      let served = 0;
      fake.handle = (_r, res) => {
        served++;
        res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8' });
        res.end(ICS);
      };
      const client = new ZimbraClient({ url: fake.url, retries: 0 });
      client.useAuthToken('0_1111111111111111111111111111111111111111_69643d33');
      const repo = await initRepository({ backend: new MemoryBackend(), compression: 'none' });
      const ctx = {
        client,
        account: { by: 'name' as const, value: 'x@example.test' },
        blobs: repo.blobs,
        limit: <T>(fn: () => Promise<T>) => fn(),
      };
      await expect(storeContent(ctx, '257', { fmt: 'native' })).rejects.toMatchObject({ code: 'ZB_PROTOCOL' });
      // the same answer is right for an ICS download
      const ok = await storeContent(ctx, '258', { fmt: 'ics' });
      expect(ok?.digest).toBe(sha(ICS));
      const paths = fake.seen.filter((x) => x.method === 'GET').map((x) => x.path);
      expect(paths[0]).toMatch(/[?&]fmt=native(&|$)/);
      expect(paths[0]).toMatch(/[?&]disp=a(&|$)/);
      expect(paths.at(-1)).toMatch(/[?&]fmt=ics(&|$)/);
      expect(served).toBeGreaterThanOrEqual(2);
      client.close();
    } finally {
      await fake.close();
    }
  });
});
