// REST blob I/O against a scripted loopback server: cookie and path per auth mode, fmt=sync
// headers, bounds (never truncate), size checks, 404 mapping, 401 renewal, upload and tgz.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadItem } from '../../src/rest/download-item.js';
import { exportTgz } from '../../src/rest/export-tgz.js';
import { uploadFile } from '../../src/rest/upload-file.js';
import { NoSuchItemError } from '../../src/soap/faults.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { requestName, sendJson, startFake, type FakeServer } from '../fixtures/soap/fake-zimbra.js';

const TOKEN = '0_3333333333333333333333333333333333333333_69643d33';
const MESSAGE = Buffer.from('From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody\r\n'.repeat(50));

let fake: FakeServer;
beforeEach(async () => {
  fake = await startFake();
});
afterEach(async () => {
  await fake.close();
});

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function userClient(): ZimbraClient {
  const c = new ZimbraClient({ url: fake.url, adminUrl: fake.url, retries: 2, retryBaseDelayMs: 1, timeoutMs: 2000 });
  c.useAuthToken(TOKEN);
  return c;
}

describe('downloadItem', () => {
  it('streams the raw item with the user cookie and parses fmt=sync headers', async () => {
    fake.handle = (_r, res) => {
      res.writeHead(200, {
        'content-type': 'message/rfc822',
        'content-length': MESSAGE.length,
        'x-zimbra-itemid': '257',
        'x-zimbra-folderid': '2',
        'x-zimbra-flags': 'u',
        'x-zimbra-change': '1290',
        'x-zimbra-revision': '1288',
        'x-zimbra-received': '1700000000000',
      });
      res.end(MESSAGE);
    };
    const c = userClient();
    const r = await downloadItem(c, { id: '257', fmt: 'sync', expectedSize: MESSAGE.length });
    expect((await readAll(r.stream)).equals(MESSAGE)).toBe(true);
    expect(r.headers).toEqual({
      itemId: '257',
      folderId: '2',
      flags: 'u',
      change: 1290,
      revision: 1288,
      receivedMs: 1700000000000,
    });
    expect(r.size).toBe(MESSAGE.length);
    expect(fake.seen[0]!.path).toBe('/service/home/~/?id=257&fmt=sync&nohdr=1');
    expect(fake.seen[0]!.headers.cookie).toBe(`ZM_AUTH_TOKEN=${TOKEN}`);
    c.close();
  });

  it('as admin: admin cookie, /service/home/<name>/, zimbraId resolved once via GetAccount', async () => {
    fake.handle = (r, res) => {
      if (r.method === 'POST') {
        const name = requestName(r.body);
        if (name === 'AuthRequest')
          return sendJson(res, 200, {
            Body: { AuthResponse: { authToken: [{ _content: TOKEN }], _jsns: 'urn:zimbraAdmin' } },
          });
        return sendJson(res, 200, {
          Body: {
            GetAccountResponse: { account: [{ id: 'uuid-1', name: 'u@example.com', a: [] }], _jsns: 'urn:zimbraAdmin' },
          },
        });
      }
      res.end('x');
    };
    const c = new ZimbraClient({ url: 'http://127.0.0.1:1', adminUrl: fake.url, retries: 0 });
    await c.authAdmin('admin@example.com', 'pw');
    await readAll((await downloadItem(c, { account: { by: 'id', value: 'uuid-1' }, id: '300', part: '2' })).stream);
    await readAll((await downloadItem(c, { account: { by: 'id', value: 'uuid-1' }, id: '301' })).stream);
    const gets = fake.seen.filter((s) => s.method === 'GET');
    // disp=a on every download: NativeFormatter.java defangs inline HTML/SVG/XML (sendbackOriginalDoc)
    expect(gets.map((g) => g.path)).toEqual([
      '/service/home/u%40example.com/?id=300&part=2&disp=a',
      '/service/home/u%40example.com/?id=301&disp=a',
    ]);
    expect(gets[0]!.headers.cookie).toBe(`ZM_ADMIN_AUTH_TOKEN=${TOKEN}`);
    expect(fake.seen.filter((s) => s.method === 'POST')).toHaveLength(2);
    c.close();
  });

  it('errors with ZB_TOO_LARGE while streaming when the body exceeds maxBytes (chunked, no length)', async () => {
    fake.handle = (_r, res) => {
      res.writeHead(200, { 'content-type': 'message/rfc822' });
      res.write(MESSAGE.subarray(0, 1000));
      res.end(MESSAGE.subarray(1000));
    };
    const c = userClient();
    const r = await downloadItem(c, { id: '257', maxBytes: 1500 });
    await expect(readAll(r.stream)).rejects.toMatchObject({ code: 'ZB_TOO_LARGE' });
    c.close();
  });

  it('refuses early when Content-Length exceeds maxBytes', async () => {
    fake.handle = (_r, res) => res.writeHead(200, { 'content-length': MESSAGE.length }).end(MESSAGE);
    const c = userClient();
    await expect(downloadItem(c, { id: '257', maxBytes: 10 })).rejects.toMatchObject({ code: 'ZB_TOO_LARGE' });
    c.close();
  });

  it('errors with ZB_SIZE_MISMATCH when the byte count differs from the expected size', async () => {
    fake.handle = (_r, res) => res.writeHead(200, {}).end(MESSAGE);
    const c = userClient();
    const r = await downloadItem(c, { id: '257', expectedSize: MESSAGE.length + 1 });
    await expect(readAll(r.stream)).rejects.toMatchObject({ code: 'ZB_SIZE_MISMATCH', data: { itemId: '257' } });
    c.close();
  });

  it('a body cut short of Content-Length errors (never a short success)', async () => {
    fake.handle = (_r, res, raw) => {
      res.writeHead(200, { 'content-length': MESSAGE.length });
      res.write(MESSAGE.subarray(0, 100));
      setTimeout(() => raw.socket.destroy(), 20);
    };
    const c = userClient();
    const r = await downloadItem(c, { id: '257' });
    await expect(readAll(r.stream)).rejects.toMatchObject({
      code: expect.stringMatching(/ZB_TRANSPORT|ZB_SIZE_MISMATCH/),
    });
    c.close();
  });

  it('maps 404 to NoSuchItemError and renews once on 401', async () => {
    fake.handle = (_r, res) => res.writeHead(404).end('no such item');
    const c = userClient();
    await expect(downloadItem(c, { id: '999' })).rejects.toBeInstanceOf(NoSuchItemError);
    await expect(downloadItem(c, { id: '999' })).rejects.toMatchObject({
      faultCode: 'mail.NO_SUCH_ITEM',
      itemId: '999',
    });
    await expect(downloadItem(c, { id: '../etc' })).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
    c.close();

    let auths = 0;
    fake.handle = (r, res) => {
      if (r.method === 'POST') {
        auths++;
        return sendJson(res, 200, {
          Body: { AuthResponse: { authToken: [{ _content: `T${auths}` }], _jsns: 'urn:zimbraAccount' } },
        });
      }
      if (r.headers.cookie === 'ZM_AUTH_TOKEN=T1') return res.writeHead(401).end();
      res.end('ok');
    };
    const u = new ZimbraClient({ url: fake.url, retries: 0 });
    await u.authUser('u@example.com', 'pw');
    expect((await readAll((await downloadItem(u, { id: '5' })).stream)).toString()).toBe('ok');
    expect(auths).toBe(2);
    u.close();
  });

  it('retries 503 before streaming, and aborts mid-stream with ZB_ABORTED', async () => {
    let n = 0;
    fake.handle = (_r, res) => {
      if (n++ === 0) return res.writeHead(503).end();
      res.writeHead(200);
      res.write('partial');
    };
    const c = userClient();
    const ac = new AbortController();
    const r = await downloadItem(c, { id: '1', signal: ac.signal });
    expect(fake.seen).toHaveLength(2);
    setTimeout(() => ac.abort(), 30);
    await expect(readAll(r.stream)).rejects.toMatchObject({ code: 'ZB_ABORTED' });
    c.close();
  });
});

describe('uploadFile', () => {
  it('posts to /service/upload?fmt=raw and returns the aid', async () => {
    fake.handle = (_r, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end("200,'null','srv-1:0b5c-uuid'\n");
    const c = userClient();
    expect(await uploadFile(c, { body: MESSAGE, contentType: 'message/rfc822', filename: 'm "1".eml' })).toBe(
      'srv-1:0b5c-uuid',
    );
    const seen = fake.seen[0]!;
    expect(seen.path).toBe('/service/upload?fmt=raw');
    expect(seen.headers['content-type']).toBe('message/rfc822');
    expect(seen.headers['content-disposition']).toMatch(/^attachment; filename="m _1_.eml"/);
    expect(createHash('sha256').update(seen.body).digest('hex')).toBe(
      createHash('sha256').update(MESSAGE).digest('hex'),
    );
    expect(
      await uploadFile(c, { body: Readable.from([MESSAGE]), contentType: 'message/rfc822', filename: 'x.eml' }),
    ).toBe('srv-1:0b5c-uuid');
    expect(fake.seen[1]!.body.length).toBe(MESSAGE.length);
    c.close();
  });

  it('as admin uses admin=1 and the admin cookie; errors are typed', async () => {
    const c = new ZimbraClient({ url: fake.url, adminUrl: fake.url, retries: 0 });
    c.useAuthToken(TOKEN, { admin: true });
    fake.handle = (_r, res) => res.end("413,'null','null'");
    await expect(
      uploadFile(c, {
        account: 'u@example.com',
        body: Buffer.from('x'),
        contentType: 'message/rfc822',
        filename: 'a.eml',
      }),
    ).rejects.toMatchObject({ code: 'ZB_TOO_LARGE' });
    expect(fake.seen[0]!.path).toBe('/service/upload?fmt=raw&admin=1');
    expect(fake.seen[0]!.headers.cookie).toBe(`ZM_ADMIN_AUTH_TOKEN=${TOKEN}`);
    fake.handle = (_r, res) => res.end('<html>oops</html>');
    await expect(
      uploadFile(c, {
        account: 'u@example.com',
        body: Buffer.from('x'),
        contentType: 'message/rfc822',
        filename: 'a.eml',
      }),
    ).rejects.toMatchObject({ code: 'ZB_PROTOCOL' });
    c.close();
  });
});

describe('exportTgz', () => {
  it('streams fmt=tgz for the mailbox', async () => {
    const tgz = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    fake.handle = (_r, res) =>
      res.writeHead(200, { 'content-type': 'application/x-compressed-tar', 'content-length': tgz.length }).end(tgz);
    const c = userClient();
    const s = await exportTgz(c, { query: 'in:inbox' });
    expect((await readAll(s)).equals(tgz)).toBe(true);
    expect(fake.seen[0]!.path).toBe('/service/home/~/?fmt=tgz&query=in%3Ainbox');
    c.close();
  });
});
