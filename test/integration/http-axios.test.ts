// The axios HTTP layer against real loopback servers: an embedder's instance and its interceptors
// see every SOAP and REST request; keep-alive with a bounded pool; downloads and uploads stream
// (a buffering layer would deadlock these tests); logs are redacted; 429/503 with Retry-After.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/internal/logger.js';
import { downloadItem } from '../../src/rest/download-item.js';
import { uploadFile } from '../../src/rest/upload-file.js';
import { HttpStatusError } from '../../src/soap/http/errors.js';
import { HttpClient } from '../../src/soap/http/http-client.js';
import { redactHeaders, redactSoapBody, redactUrl } from '../../src/soap/http/redact.js';
import { AddMsg } from '../../src/soap/requests/add-msg.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { requestName, sendJson, startFake, type FakeServer } from '../fixtures/soap/fake-zimbra.js';

const TOKEN = '0_4444444444444444444444444444444444444444_69643d34';
const folderResponse = {
  Body: { GetFolderResponse: { folder: [{ id: '1', name: 'USER_ROOT', l: '11' }], _jsns: 'urn:zimbraMail' } },
};
const addMsgResponse = { Body: { AddMsgResponse: { m: [{ id: '300', l: '2' }], _jsns: 'urn:zimbraMail' } } };

let fake: FakeServer;
beforeEach(async () => {
  fake = await startFake();
});
afterEach(async () => {
  await fake.close();
});

function client(extra: Partial<ConstructorParameters<typeof ZimbraClient>[0]> = {}): ZimbraClient {
  const c = new ZimbraClient({
    url: fake.url,
    adminUrl: fake.url,
    retries: 3,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5,
    timeoutMs: 5000,
    ...extra,
  });
  c.useAuthToken(TOKEN);
  return c;
}

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe("the embedder's axios", () => {
  it('an instance with interceptors sees every SOAP and REST request, and the layer honours what they add', async () => {
    const instance = axios.create();
    const seen: string[] = [];
    instance.interceptors.request.use((config) => {
      seen.push(`${config.method?.toUpperCase()} ${new URL(config.url ?? '').pathname}`);
      config.headers.set('x-request-signature', 'signed-by-embedder');
      return config;
    });
    const statuses: number[] = [];
    instance.interceptors.response.use((res) => {
      statuses.push(res.status);
      return res;
    });
    fake.handle = (r, res) => {
      if (r.path.startsWith('/service/upload')) return res.end("200,'null','srv-1:aid'");
      if (r.method === 'GET') return res.writeHead(200, { 'content-length': '5' }).end('bytes');
      return sendJson(res, 200, folderResponse);
    };
    const c = client({ axios: instance });
    expect(c.axios).toBe(instance);
    await c.getFolder();
    const dl = await downloadItem(c, { id: '257' });
    expect((await readAll(dl.stream)).toString()).toBe('bytes');
    expect(await uploadFile(c, { body: Buffer.from('x'), contentType: 'text/plain', filename: 'x' })).toBe('srv-1:aid');
    expect(seen).toEqual(['POST /service/soap', 'GET /service/home/~/', 'POST /service/upload']);
    expect(statuses).toEqual([200, 200, 200]);
    expect(fake.seen.map((s) => s.headers['x-request-signature'])).toEqual(Array(3).fill('signed-by-embedder'));
    c.close();
  });

  it("an embedder's logging interceptor with the redaction helpers logs no password or token", async () => {
    const PASSWORD = 'embedder-Pa55-secret';
    const instance = axios.create();
    const logged: string[] = [];
    instance.interceptors.request.use((config) => {
      logged.push(
        JSON.stringify({
          url: redactUrl(config.url ?? ''),
          headers: redactHeaders(config.headers),
          body: typeof config.data === 'string' ? redactSoapBody(config.data) : '(stream)',
        }),
      );
      return config;
    });
    fake.handle = (r, res) => {
      if (r.method === 'GET') return res.writeHead(200, { 'content-length': '1' }).end('x');
      if (requestName(r.body) === 'AuthRequest')
        return sendJson(res, 200, {
          Body: { AuthResponse: { authToken: [{ _content: TOKEN }], lifetime: 3_600_000, _jsns: 'urn:zimbraAccount' } },
        });
      return sendJson(res, 200, folderResponse);
    };
    const c = new ZimbraClient({ url: fake.url, axios: instance });
    await c.authUser('u@example.com', PASSWORD);
    await c.getFolder();
    await readAll((await downloadItem(c, { id: '1' })).stream);
    expect(logged).toHaveLength(3);
    const dump = logged.join('\n');
    expect(dump).not.toContain(PASSWORD);
    expect(dump).not.toContain(TOKEN);
    expect(dump).toContain('GetFolderRequest');
    expect(dump).toContain('ZM_AUTH_TOKEN=**redacted**');
    // The server did get the real values: redaction is for the log only.
    expect(fake.seen[0]!.body).toContain(PASSWORD);
    c.close();
  });

  it('an axios config builds the instance (headers from it reach the server)', async () => {
    fake.handle = (_r, res) => sendJson(res, 200, folderResponse);
    const c = client({ axios: { headers: { 'x-from-config': 'yes' } } });
    await c.getFolder();
    expect(fake.seen[0]!.headers['x-from-config']).toBe('yes');
    c.close();
  });

  it('an error thrown by an interceptor is a typed transport error that keeps it as the cause', async () => {
    const instance = axios.create();
    const boom = new Error('signing key missing');
    instance.interceptors.request.use(() => {
      throw boom;
    });
    const c = client({ axios: instance });
    await expect(c.getFolder()).rejects.toMatchObject({ code: 'ZB_TRANSPORT', cause: boom });
    expect(fake.seen).toHaveLength(0);
    c.close();
  });
});

describe('connections', () => {
  it('keeps one connection alive across sequential calls', async () => {
    fake.handle = (_r, res) => sendJson(res, 200, folderResponse);
    const c = client();
    for (let i = 0; i < 5; i++) await c.getFolder();
    expect(new Set(fake.seen.map((s) => s.remotePort)).size).toBe(1);
    c.close();
  });

  it('never opens more than maxSocketsPerHost connections, however many calls run at once', async () => {
    let active = 0;
    let peak = 0;
    fake.handle = (_r, res) => {
      active++;
      peak = Math.max(peak, active);
      setTimeout(() => {
        active--;
        sendJson(res, 200, folderResponse);
      }, 20);
    };
    const c = client({ maxSocketsPerHost: 3 });
    await Promise.all(Array.from({ length: 12 }, () => c.getFolder()));
    expect(fake.seen).toHaveLength(12);
    expect(peak).toBe(3);
    expect(new Set(fake.seen.map((s) => s.remotePort)).size).toBe(3);
    c.close();
  });

  it('closes pooled sockets idle past freeSocketTimeoutMs, but never a request waiting longer for its answer', async () => {
    // Jetty closes idle connections after zimbraHttpConnectorMaxIdleTimeMillis (60 s,
    // store/conf/attrs/zimbra-attrs.xml): the pool lets them go first (30 s by default).
    let delay = 0;
    fake.handle = (_r, res) => setTimeout(() => sendJson(res, 200, folderResponse), delay);
    const h = new HttpClient({ freeSocketTimeoutMs: 200 });
    const post = async (): Promise<void> => {
      const res = await h.request({
        method: 'POST',
        url: new URL('/service/soap', fake.url),
        body: '{}',
        headersTimeoutMs: 5000,
        idleTimeoutMs: 5000,
      });
      await h.readText(res, 1 << 20, 'x');
    };
    await post();
    await post();
    await new Promise((r) => setTimeout(r, 500));
    delay = 600; // longer than the pool's idle timeout, shorter than the request deadline
    await post();
    const ports = fake.seen.map((s) => s.remotePort);
    expect(ports[1]).toBe(ports[0]);
    expect(ports[2]).not.toBe(ports[1]);
    h.close();
  });

  it('rejects a bad pool bound or axios option with ZB_INVALID_ARGUMENT', () => {
    expect(() => new ZimbraClient({ url: fake.url, maxSocketsPerHost: 0 })).toThrow(
      expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }),
    );
    expect(() => new ZimbraClient({ url: fake.url, axios: 'yes' as never })).toThrow(
      expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }),
    );
  });
});

/** A raw server whose handler gets the request before its body is read (the fake reads it all first). */
async function rawServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('streaming', () => {
  it('a download reaches the caller while the server is still sending (never buffered whole)', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const size = 4 * 1024 * 1024;
    const srv = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-length': size, 'content-type': 'message/rfc822' });
      res.write(Buffer.alloc(64 * 1024, 1));
      // The rest only once the client has seen the first bytes: a buffering client never would.
      void released.then(() => res.end(Buffer.alloc(size - 64 * 1024, 2)));
    });
    const c = new ZimbraClient({ url: srv.url, timeoutMs: 5000 });
    c.useAuthToken(TOKEN);
    const dl = await downloadItem(c, { id: '257', expectedSize: size });
    let total = 0;
    for await (const chunk of dl.stream) {
      total += (chunk as Buffer).length;
      release();
    }
    expect(total).toBe(size);
    c.close();
    await srv.close();
  });

  it('an upload reaches the server while the caller is still writing (never buffered whole)', async () => {
    let firstChunk!: () => void;
    const serverGotBytes = new Promise<void>((r) => (firstChunk = r));
    let received = 0;
    const srv = await rawServer((req, res) => {
      req.on('data', (c: Buffer) => {
        received += c.length;
        firstChunk();
      });
      req.on('end', () => res.end("200,'null','srv-1:streamed'"));
    });
    const c = new ZimbraClient({ url: srv.url, timeoutMs: 5000 });
    c.useAuthToken(TOKEN);
    const body = new PassThrough();
    const pending = uploadFile(c, { body, contentType: 'message/rfc822', filename: 'big.eml', size: 3 * 65536 });
    body.write(Buffer.alloc(65536, 1));
    await serverGotBytes; // reached before the body ends: the upload streams
    body.end(Buffer.alloc(2 * 65536, 2));
    expect(await pending).toBe('srv-1:streamed');
    expect(received).toBe(3 * 65536);
    c.close();
    await srv.close();
  });
});

describe('deadlines and abort while bodies stream', () => {
  it('a body that stalls fails with ZB_TIMEOUT after the idle timeout', async () => {
    const srv = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.alloc(100)); // then silence
    });
    const c = new ZimbraClient({ url: srv.url, timeoutMs: 300, retries: 0 });
    c.useAuthToken(TOKEN);
    const dl = await downloadItem(c, { id: '9' });
    await expect(readAll(dl.stream)).rejects.toMatchObject({ code: 'ZB_TIMEOUT' });
    c.close();
    await srv.close();
  });

  it('the deadline stops at the headers: a body that keeps flowing past timeoutMs completes', async () => {
    const srv = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-length': 8 * 1024 });
      let sent = 0;
      const tick = setInterval(() => {
        res.write(Buffer.alloc(1024));
        if (++sent === 8) {
          clearInterval(tick);
          res.end();
        }
      }, 100); // 800 ms in all, never 300 ms silent
    });
    const c = new ZimbraClient({ url: srv.url, timeoutMs: 300, retries: 0 });
    c.useAuthToken(TOKEN);
    const dl = await downloadItem(c, { id: '9', expectedSize: 8 * 1024 });
    expect((await readAll(dl.stream)).length).toBe(8 * 1024);
    c.close();
    await srv.close();
  });

  it('aborting a streamed upload fails with ZB_ABORTED and sends it once', async () => {
    let requests = 0;
    const srv = await rawServer((req) => {
      requests++;
      req.resume(); // never answers
    });
    const c = new ZimbraClient({ url: srv.url, timeoutMs: 5000, retries: 3, retryBaseDelayMs: 1 });
    c.useAuthToken(TOKEN);
    const ac = new AbortController();
    const body = new PassThrough();
    const pending = uploadFile(c, { body, contentType: 'message/rfc822', filename: 'x.eml', signal: ac.signal });
    body.write(Buffer.alloc(1024));
    setTimeout(() => ac.abort(), 100);
    await expect(pending).rejects.toMatchObject({ code: 'ZB_ABORTED' });
    expect(requests).toBe(1);
    c.close();
    await srv.close();
  });
});

describe('logs', () => {
  it('debug lines carry redacted headers: cookie names, never the token', async () => {
    const lines: unknown[] = [];
    const logger: Logger = {
      debug: (o) => lines.push(o),
      info: (o) => lines.push(o),
      warn: (o) => lines.push(o),
      error: (o) => lines.push(o),
    };
    fake.handle = (r, res) =>
      r.method === 'GET' ? res.writeHead(200, { 'content-length': '1' }).end('x') : sendJson(res, 200, folderResponse);
    const c = client({ logger });
    await c.getFolder();
    await readAll((await downloadItem(c, { id: '1' })).stream);
    const dump = JSON.stringify(lines);
    expect(dump).toContain('ZM_AUTH_TOKEN=**redacted**');
    expect(dump).not.toContain(TOKEN);
    c.close();
  });
});

describe('HTTP 429 and 503 (rate limits)', () => {
  // Zimbra's rate limit is Jetty's DoSFilter (store/conf/web.xml.production, mapped to /*), with
  // zimbraHttpDosFilterMaxRequestsPerSec=30 and zimbraHttpDosFilterDelayMillis=-1 (reject) by
  // default (store/conf/attrs/zimbra-attrs.xml). Rejects are 429 (503 on Jetty before 9.3) with
  // "DoSFilter: unavailable" and no Retry-After; proxies in front of Zimbra may add Retry-After.
  function throttleOnce(header: Record<string, string>, then: unknown, status = 429): number[] {
    const at: number[] = [];
    fake.handle = (_r, res) => {
      at.push(Date.now());
      if (at.length === 1) return res.writeHead(status, header).end();
      return sendJson(res, 200, then);
    };
    return at;
  }

  it('waits the Retry-After seconds before repeating', async () => {
    const at = throttleOnce({ 'retry-after': '1' }, folderResponse);
    const c = client();
    await c.getFolder();
    expect(at).toHaveLength(2);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(950);
    c.close();
  });

  it('waits until a Retry-After HTTP-date', async () => {
    const when = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    const at = throttleOnce({ 'retry-after': when.toUTCString() }, folderResponse);
    const c = client();
    await c.getFolder();
    expect(at).toHaveLength(2);
    expect(at[1]!).toBeGreaterThanOrEqual(when.getTime() - 50);
    c.close();
  });

  it('repeats a non-idempotent AddMsg after 429 and after a DoSFilter 503, never after a plain 503', async () => {
    const c = client();
    throttleOnce({ dosfilter: 'unavailable' }, addMsgResponse);
    await c.send(AddMsg, { folderId: '2', uploadId: 'a:b' });
    throttleOnce({ dosfilter: 'unavailable' }, addMsgResponse, 503);
    await c.send(AddMsg, { folderId: '2', uploadId: 'a:b' });
    expect(fake.seen).toHaveLength(4);
    throttleOnce({}, addMsgResponse, 503);
    await expect(c.send(AddMsg, { folderId: '2', uploadId: 'a:b' })).rejects.toMatchObject({ status: 503 });
    expect(fake.seen).toHaveLength(5);
    expect(fake.seen.map((s) => requestName(s.body))).toEqual(Array(5).fill('AddMsgRequest'));
    c.close();
  });

  it('does not wait for a Retry-After beyond retryAfterMaxMs: fails at once with the hint', async () => {
    throttleOnce({ 'retry-after': '3600' }, folderResponse);
    const c = client({ retryAfterMaxMs: 60_000 });
    const err = await c.getFolder().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 3_600_000, code: 'ZB_TRANSPORT' });
    expect(fake.seen).toHaveLength(1);
    c.close();
  });

  it('without Retry-After backs off and gives up after the configured retries', async () => {
    fake.handle = (_r, res) => res.writeHead(429).end();
    const c = client({ retries: 2 });
    await expect(c.getFolder()).rejects.toMatchObject({ status: 429 });
    expect(fake.seen).toHaveLength(3);
    c.close();
  });

  it('REST downloads are repeated after 429 with Retry-After', async () => {
    const at: number[] = [];
    fake.handle = (_r, res) => {
      at.push(Date.now());
      if (at.length === 1) return res.writeHead(429, { 'retry-after': '1' }).end();
      return res.writeHead(200, { 'content-length': '2' }).end('ok');
    };
    const c = client();
    const dl = await downloadItem(c, { id: '5' });
    expect((await readAll(dl.stream)).toString()).toBe('ok');
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(950);
    c.close();
  });
});
