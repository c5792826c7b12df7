import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

type Json = Record<string, any>;
let emu: Emulator;
let token: string;
const USER = 'rest@example.test';
const RAW = 'From: Ann <ann@x.test>\r\nSubject: Report Q3\r\nMessage-ID: <r1@x>\r\n\r\nquarterly numbers\r\n';
let msgId: number;

async function soap(body: Json): Promise<Json> {
  const res = await fetch(`${emu.url}/service/soap`, {
    method: 'POST',
    body: JSON.stringify({ Header: { context: { authToken: { _content: token } } }, Body: body }),
  });
  return (await res.json()) as Json;
}
const get = (path: string, cookie = `ZM_AUTH_TOKEN=${token}`) =>
  fetch(`${emu.url}${path}`, { headers: { Cookie: cookie } });

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
  msgId = emu.deliver(USER, RAW, { flags: 'uf', tags: ['work'], receivedMs: 1_700_000_000_000 });
});
afterAll(async () => emu.close());

describe('REST UserServlet', () => {
  it('returns the raw bytes with X-Zimbra-* headers', async () => {
    const res = await get(`/service/home/~/?id=${msgId}`);
    expect(res.status).toBe(200);
    // NativeFormatter.java handleMessage: a message is served as text/plain, with its size as length
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(RAW)));
    expect(res.headers.get('x-zimbra-itemid')).toBe(String(msgId));
    expect(res.headers.get('x-zimbra-revision')).toBe(String(emu.snapshot(USER).items[0]!.savedSequence));
    expect(await res.text()).toBe(RAW);
  });

  it('fmt=sync prepends the headers to the body unless nohdr=1', async () => {
    const withHdr = await (await get(`/service/home/${USER}/?id=${msgId}&fmt=sync`)).text();
    expect(withHdr).toMatch(/^X-Zimbra-ItemId: \d+\r\nX-Zimbra-FolderId: 2\r\n/);
    expect(withHdr).toContain('X-Zimbra-Flags: fu\r\n');
    expect(withHdr).toContain('X-Zimbra-Received: 1700000000000\r\n');
    expect(withHdr.endsWith(RAW)).toBe(true);
    const res = await get(`/service/home/~/?id=${msgId}&fmt=sync&nohdr=1`);
    expect(res.headers.get('x-zimbra-tag-names')).toBe('work');
    expect(res.headers.get('x-zimbra-conv')).toBe(String(-msgId));
    expect(await res.text()).toBe(RAW);
  });

  it('answers fmt=raw with 501, unknown items with 404, no auth with 401', async () => {
    expect((await get(`/service/home/~/?id=${msgId}&fmt=raw`)).status).toBe(501);
    expect((await get('/service/home/~/?id=99999')).status).toBe(404);
    expect((await get(`/service/home/~/?id=${msgId}`, '')).status).toBe(401);
  });

  it('serves contact image parts', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const id = emu.addContact(USER, { firstName: 'Pic' }, undefined, {
      bytes: png,
      contentType: 'image/png',
      filename: 'p.png',
    });
    const cn = (await soap({ GetContactsRequest: { _jsns: 'urn:zimbraMail', cn: [{ id: String(id) }] } }))['Body'][
      'GetContactsResponse'
    ]['cn'][0];
    // JSON: a key/value pair with attributes is an object under _attrs (Element.java JSONKeyValuePair,
    // ToXML.java encodeContactAttachment), not an `a` array.
    expect(cn['a']).toBeUndefined();
    expect(cn['_attrs']['image']).toEqual({ part: '1', ct: 'image/png', s: png.length, filename: 'p.png' });
    const res = await get(`/service/home/~/?id=${id}&part=1`);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(png);
  });

  it('exports fmt=tgz with .meta JSON holding Zimbra FS-safe base64 digests', async () => {
    const res = await get('/service/home/~/?fmt=tgz');
    expect(res.status).toBe(200);
    const tar = gunzipSync(Buffer.from(await res.arrayBuffer()));
    const entries = new Map<string, Buffer>();
    const ex = extract();
    const done = new Promise<void>((resolve, reject) => {
      ex.on('entry', (h, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: unknown) => chunks.push(c as Buffer));
        stream.on('end', () => {
          entries.set(h.name, Buffer.concat(chunks));
          next();
        });
      });
      ex.on('finish', resolve);
      ex.on('error', reject);
    });
    Readable.from([tar]).pipe(ex);
    await done;
    const name = `Inbox/${String(msgId).padStart(10, '0')}-Report Q3.eml`;
    expect(entries.get(name)?.toString()).toBe(RAW);
    const meta = JSON.parse(entries.get(`${name}.meta`)!.toString()) as Json;
    const digest = createHash('sha256').update(RAW).digest('base64').replace(/\//g, ',');
    expect(meta).toMatchObject({
      id: msgId,
      type: 5,
      folder_id: 2,
      date: 1_700_000_000,
      size: RAW.length,
      blob_digest: digest,
      FlagStr: 'fu',
      // MailItem.getPath(): the folder path + '/' + the item's name (a message has none)
      Path: '/Inbox/',
    });
    expect(meta['blob_digest']).toHaveLength(44);
  });
});

describe('upload servlet', () => {
  it('stores a raw upload once and AddMsg consumes it', async () => {
    const up = await fetch(`${emu.url}/service/upload?fmt=raw`, {
      method: 'POST',
      headers: {
        Cookie: `ZM_AUTH_TOKEN=${token}`,
        'Content-Type': 'message/rfc822',
        'Content-Disposition': 'attachment; filename="m.eml"',
      },
      body: 'Subject: uploaded\r\n\r\nbytes\r\n',
    });
    expect(up.status).toBe(200);
    expect(up.headers.get('content-type')).toContain('text/html');
    const line = await up.text();
    const m = /^200,'null','([^']+)'$/.exec(line.trim());
    expect(m).not.toBeNull();
    const aid = m![1]!;
    expect(aid).toMatch(/^[0-9a-f-]{36}:[0-9a-f-]{36}$/);
    const add = await soap({ AddMsgRequest: { _jsns: 'urn:zimbraMail', m: { l: '2', aid } } });
    expect(add['Body']['AddMsgResponse']['m'][0]['s']).toBe(Buffer.byteLength('Subject: uploaded\r\n\r\nbytes\r\n'));
    const again = await soap({ AddMsgRequest: { _jsns: 'urn:zimbraMail', m: { l: '2', aid } } });
    expect(again['Body']['Fault']['Detail']['Error']['Code']).toBe('mail.NO_SUCH_UPLOAD');
  });

  it('accepts multipart/form-data with a requestId and fmt=raw,extended', async () => {
    const form = new FormData();
    form.set('requestId', 'req-7');
    form.set('file', new Blob(['BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n'], { type: 'text/calendar' }), 'a.ics');
    const up = await fetch(`${emu.url}/service/upload?fmt=raw,extended`, {
      method: 'POST',
      headers: { Cookie: `ZM_AUTH_TOKEN=${token}` },
      body: form,
    });
    const line = (await up.text()).trim();
    expect(line.startsWith("200,'req-7',[")).toBe(true);
    const list = JSON.parse(line.slice("200,'req-7',".length)) as Json[];
    expect(list[0]).toMatchObject({ ct: 'text/calendar', filename: 'a.ics', s: 32 });
  });

  it('restores an appointment through SetAppointment with the UID kept', async () => {
    const ics =
      'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:evt-1@x\r\nSUMMARY:Standup\r\nDTSTART:20240102T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    const r = await soap({
      SetAppointmentRequest: {
        _jsns: 'urn:zimbraMail',
        l: '10',
        default: { ptst: 'AC', m: { mp: { ct: 'text/calendar', content: { _content: ics } } } },
      },
    });
    const id = Number(r['Body']['SetAppointmentResponse']['calItemId']);
    const item = emu.snapshot(USER).items.find((i) => i.id === id)!;
    expect(item).toMatchObject({ type: 'appointment', uid: 'evt-1@x', folderId: 10 });
    const res = await get(`/service/home/~/?id=${id}`);
    expect(await res.text()).toBe(ics);
  });
});
