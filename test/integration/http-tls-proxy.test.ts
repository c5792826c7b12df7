// TLS and proxies on the axios layer, with a self-signed certificate made by openssl for the test
// and a real CONNECT/forward proxy on 127.0.0.1 (test/fixtures/http/proxy-server.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClientFromArgs } from '../../src/cli/connect.js';
import type { CommandContext } from '../../src/cli/command.js';
import type { Logger } from '../../src/internal/logger.js';
import { downloadItem } from '../../src/rest/download-item.js';
import { proxyFromEnv } from '../../src/soap/http/proxy.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { selfSigned, type SelfSigned } from '../fixtures/http/self-signed.js';
import { startProxy, type TestProxy } from '../fixtures/http/proxy-server.js';
import { requestName, sendJson, startFake, type FakeServer } from '../fixtures/soap/fake-zimbra.js';

const TOKEN = '0_5555555555555555555555555555555555555555_69643d35';
const folderResponse = {
  Body: { GetFolderResponse: { folder: [{ id: '1', name: 'USER_ROOT', l: '11' }], _jsns: 'urn:zimbraMail' } },
};

let tls: SelfSigned;
let httpsFake: FakeServer;
let httpFake: FakeServer;
beforeAll(async () => {
  tls = selfSigned();
  httpsFake = await startFake({ tls });
  httpFake = await startFake();
  for (const f of [httpsFake, httpFake])
    f.handle = (r, res) => {
      if (r.method === 'GET') return res.writeHead(200, { 'content-length': '4' }).end('blob');
      if (requestName(r.body) === 'AuthRequest')
        return sendJson(res, 200, {
          Body: { AuthResponse: { authToken: [{ _content: TOKEN }], lifetime: 3_600_000, _jsns: 'urn:zimbraAdmin' } },
        });
      return sendJson(res, 200, folderResponse);
    };
});
afterAll(async () => {
  await httpsFake.close();
  await httpFake.close();
});

function client(url: string, extra: Partial<ConstructorParameters<typeof ZimbraClient>[0]> = {}): ZimbraClient {
  const c = new ZimbraClient({ url, retries: 2, retryBaseDelayMs: 1, retryMaxDelayMs: 5, timeoutMs: 5000, ...extra });
  c.useAuthToken(TOKEN);
  return c;
}

describe('TLS', () => {
  it('verifies certificates by default: a self-signed server is refused, once, with a typed error', async () => {
    const before = httpsFake.seen.length;
    const c = client(httpsFake.url);
    const err = await c.getFolder().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ZB_TRANSPORT', data: { tls: true, errno: 'DEPTH_ZERO_SELF_SIGNED_CERT' } });
    expect((err as Error).message).toContain('--ca-file');
    expect(httpsFake.seen.length).toBe(before);
    c.close();
  });

  it('trusts the server with its CA (--ca-file), for SOAP and REST', async () => {
    const c = client(httpsFake.url, { tls: { ca: tls.cert } });
    expect((await c.getFolder()).name).toBe('USER_ROOT');
    const dl = await downloadItem(c, { id: '2' });
    const chunks: Buffer[] = [];
    for await (const ch of dl.stream) chunks.push(ch as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('blob');
    c.close();
  });

  it('--insecure skips verification', async () => {
    const c = client(httpsFake.url, { tls: { insecure: true } });
    expect((await c.getFolder()).name).toBe('USER_ROOT');
    c.close();
  });

  it('another CA does not verify the server', async () => {
    const c = client(httpsFake.url, { tls: { ca: selfSigned('other').cert } });
    await expect(c.getFolder()).rejects.toMatchObject({ code: 'ZB_TRANSPORT', data: { tls: true } });
    c.close();
  });
});

describe('proxies', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startProxy();
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('HTTPS_PROXY: https:// through one kept-alive CONNECT tunnel, TLS verified end to end', async () => {
    const env = { HTTPS_PROXY: proxy.url };
    const connects = proxy.connects.length;
    const insecure = client(httpsFake.url, { proxy: proxyFromEnv(env) });
    // The CA is still checked through the tunnel: the proxy does not terminate TLS.
    await expect(insecure.getFolder()).rejects.toMatchObject({ data: { tls: true } });
    insecure.close();
    const c = client(httpsFake.url, { proxy: proxyFromEnv(env), tls: { ca: tls.cert } });
    for (let i = 0; i < 4; i++) await c.getFolder();
    const host = new URL(httpsFake.url).host;
    expect(proxy.connects.slice(connects)).toEqual([host, host]);
    c.close();
  });

  it('HTTP_PROXY: http:// forwarded with the absolute URL', async () => {
    const forwards = proxy.forwards.length;
    const c = client(httpFake.url, { proxy: proxyFromEnv({ http_proxy: proxy.url }) });
    await c.getFolder();
    expect(proxy.forwards.slice(forwards)).toEqual([`${httpFake.url}/service/soap`]);
    c.close();
  });

  it('NO_PROXY: listed hosts are reached directly', async () => {
    const seen = proxy.forwards.length + proxy.connects.length;
    const env = { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com, 127.0.0.1' };
    const c = client(httpFake.url, { proxy: proxyFromEnv(env) });
    await c.getFolder();
    const s = client(httpsFake.url, { proxy: proxyFromEnv(env), tls: { ca: tls.cert } });
    await s.getFolder();
    expect(proxy.forwards.length + proxy.connects.length).toBe(seen);
    c.close();
    s.close();
  });

  it("an embedder's instance with an interceptor, through an authenticating proxy: credentials never logged", async () => {
    const authProxy = await startProxy({ auth: 'proxyuser:proxy-secret' });
    const lines: unknown[] = [];
    const logger: Logger = {
      debug: (o) => lines.push(o),
      info: (o) => lines.push(o),
      warn: (o) => lines.push(o),
      error: (o) => lines.push(o),
    };
    const instance = axios.create();
    const intercepted: string[] = [];
    instance.interceptors.request.use((config) => {
      intercepted.push(config.url ?? '');
      return config;
    });
    const c = client(httpsFake.url, {
      axios: instance,
      logger,
      tls: { ca: tls.cert },
      proxy: { httpsProxy: authProxy.url },
    });
    await c.getFolder();
    await downloadItem(c, { id: '3' }).then((d) => d.stream.resume());
    expect(intercepted).toEqual([`${httpsFake.url}/service/soap`, `${httpsFake.url}/service/home/~/?id=3&disp=a`]);
    expect(authProxy.connects).toEqual([new URL(httpsFake.url).host]);
    expect(authProxy.authorizations).toEqual([`Basic ${Buffer.from('proxyuser:proxy-secret').toString('base64')}`]);
    const dump = JSON.stringify(lines);
    expect(dump).not.toContain('proxy-secret');
    expect(dump).not.toContain(TOKEN);
    c.close();

    const wrong = client(httpsFake.url, {
      tls: { ca: tls.cert },
      proxy: { httpsProxy: authProxy.url.replace('proxy-secret', 'nope') },
    });
    const err = await wrong.getFolder().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ZB_AUTH', data: { proxyStatus: 407 } });
    expect(JSON.stringify(err) + String(err)).not.toContain('nope');
    wrong.close();
    await authProxy.close();
  });

  it("without a proxy option, an embedder's axios proxy setting applies", async () => {
    const forwards = proxy.forwards.length;
    const port = Number(new URL(proxy.url).port);
    const c = client(httpFake.url, { axios: { proxy: { protocol: 'http', host: '127.0.0.1', port } } });
    await c.getFolder();
    expect(proxy.forwards.slice(forwards)).toEqual([`${httpFake.url}/service/soap`]);
    c.close();
  });

  it('refuses a proxy URL that is not http(s) when the client is made, without echoing it', () => {
    let err: unknown;
    try {
      client(httpFake.url, { proxy: { httpProxy: 'socks5://user:pw-secret@127.0.0.1:1080' } });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ZB_INVALID_ARGUMENT', data: { field: 'proxy.httpProxy' } });
    expect(String(err) + JSON.stringify(err)).not.toContain('pw-secret');
  });
});

describe('the CLI connection options', () => {
  // --ca-file, --insecure and the proxy environment variables, through the function every
  // server command uses (src/cli/connect.ts).
  let dir: string;
  let proxy: TestProxy;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zb-cli-tls-'));
    await writeFile(join(dir, 'ca.pem'), tls.cert);
    await writeFile(join(dir, 'password'), 'admin-password\n');
    proxy = await startProxy();
  });
  afterAll(async () => {
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
  });
  const ctx = (env: Record<string, string>): CommandContext => ({
    out: () => {},
    err: () => {},
    tty: false,
    env,
    signal: new AbortController().signal,
  });
  const args = (extra: Record<string, string | boolean>) => ({
    server: httpsFake.url,
    'mail-url': httpsFake.url,
    admin: 'admin@example.com',
    'password-file': join(dir, 'password'),
    ...extra,
  });

  it('refuses the self-signed server without --ca-file; authenticates with it, through HTTPS_PROXY', async () => {
    await expect(adminClientFromArgs(args({}), ctx({}))).rejects.toMatchObject({ data: { tls: true } });
    const connects = proxy.connects.length;
    const c = await adminClientFromArgs(args({ 'ca-file': join(dir, 'ca.pem') }), ctx({ HTTPS_PROXY: proxy.url }));
    expect(c.hasAdminAuth).toBe(true);
    expect(proxy.connects.length).toBe(connects + 1);
    c.close();
  });

  it('--insecure connects without the CA; NO_PROXY keeps it direct', async () => {
    const connects = proxy.connects.length;
    const c = await adminClientFromArgs(
      args({ insecure: true }),
      ctx({ HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }),
    );
    expect(c.hasAdminAuth).toBe(true);
    expect(proxy.connects.length).toBe(connects);
    c.close();
  });
});
