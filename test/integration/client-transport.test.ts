// Transport behaviour of ZimbraClient against a scripted loopback server: retries, resets,
// timeouts, abort, auth renewal, routing, and that no secret leaks into errors or logs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/internal/secret.js';
import type { Logger } from '../../src/internal/logger.js';
import { AuthExpiredError, NoSuchItemError, SoapFaultError } from '../../src/soap/faults.js';
import { AddMsg } from '../../src/soap/requests/add-msg.js';
import { GetFolder } from '../../src/soap/requests/get-folder.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { fixture } from '../unit/soap/fixtures.js';
import { requestName, sendFault, sendJson, startFake, tokenOf, type FakeServer } from '../fixtures/soap/fake-zimbra.js';

const PASSWORD = 'Pa55-word-never-logged';
const TOKEN1 = '0_1111111111111111111111111111111111111111_69643d31';
const TOKEN2 = '0_2222222222222222222222222222222222222222_69643d32';
const folderResponse = {
  Body: { GetFolderResponse: { folder: [{ id: '1', name: 'USER_ROOT', l: '11' }], _jsns: 'urn:zimbraMail' } },
};
const authResponse = (token: string, ns = 'urn:zimbraAccount') => ({
  Body: { AuthResponse: { authToken: [{ _content: token }], lifetime: 3_600_000, _jsns: ns } },
});

let fake: FakeServer;
let logs: unknown[];
const logger: Logger = {
  debug: (o, m) => logs.push([o, m]),
  info: (o, m) => logs.push([o, m]),
  warn: (o, m) => logs.push([o, m]),
  error: (o, m) => logs.push([o, m]),
};

function client(extra: Partial<ConstructorParameters<typeof ZimbraClient>[0]> = {}): ZimbraClient {
  return new ZimbraClient({
    url: fake.url,
    adminUrl: fake.url,
    retries: 3,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5,
    timeoutMs: 2000,
    logger,
    ...extra,
  });
}

async function userClient(extra = {}): Promise<ZimbraClient> {
  const c = client(extra);
  c.useAuthToken(TOKEN1);
  return c;
}

beforeEach(async () => {
  fake = await startFake();
  logs = [];
});
afterEach(async () => {
  await fake.close();
});

describe('retries', () => {
  it('retries 503 then succeeds', async () => {
    let n = 0;
    fake.handle = (_r, res) =>
      n++ === 0 ? ((res.statusCode = 503), res.end('busy')) : sendJson(res, 200, folderResponse);
    const c = await userClient();
    expect((await c.getFolder()).name).toBe('USER_ROOT');
    expect(fake.seen).toHaveLength(2);
    c.close();
  });

  it('retries a connection reset for an idempotent request', async () => {
    let n = 0;
    fake.handle = (_r, res, raw) => (n++ === 0 ? raw.socket.destroy() : sendJson(res, 200, folderResponse));
    const c = await userClient();
    expect((await c.send(GetFolder, {})).root.id).toBe('1');
    expect(fake.seen).toHaveLength(2);
    c.close();
  });

  it('does not repeat AddMsg after a reset (it may have been applied)', async () => {
    fake.handle = (_r, _res, raw) => raw.socket.destroy();
    const c = await userClient();
    await expect(c.send(AddMsg, { folderId: '2', uploadId: 'a:b' })).rejects.toMatchObject({ code: 'ZB_TRANSPORT' });
    expect(fake.seen).toHaveLength(1);
    c.close();
  });

  it('retries service.TEMPORARILY_UNAVAILABLE but not other faults', async () => {
    let n = 0;
    fake.handle = (_r, res) =>
      n++ === 0 ? sendFault(res, 'service.TEMPORARILY_UNAVAILABLE', 'later') : sendJson(res, 200, folderResponse);
    const c = await userClient();
    await c.getFolder();
    expect(fake.seen).toHaveLength(2);
    fake.handle = (_r, res) => sendFault(res, 'mail.NO_SUCH_FOLDER', 'no such folder id: 99');
    await expect(c.getFolder({ folderId: '99' })).rejects.toBeInstanceOf(NoSuchItemError);
    expect(fake.seen).toHaveLength(3);
    c.close();
  });

  it('gives up after the configured retries', async () => {
    fake.handle = (_r, res) => ((res.statusCode = 502), res.end());
    const c = await userClient({ retries: 2 });
    await expect(c.getFolder()).rejects.toMatchObject({ code: 'ZB_TRANSPORT', status: 502 });
    expect(fake.seen).toHaveLength(3);
    c.close();
  });

  it('HTTP 500 without a SOAP fault is a ZB_PROTOCOL error, not retried', async () => {
    fake.handle = (_r, res) => ((res.statusCode = 500), res.end('<html>Internal error</html>'));
    const c = await userClient();
    await expect(c.getFolder()).rejects.toMatchObject({ code: 'ZB_PROTOCOL' });
    expect(fake.seen).toHaveLength(1);
    c.close();
  });

  it('a truncated body (short of Content-Length) is an error', async () => {
    let n = 0;
    fake.handle = (_r, res, raw) => {
      if (n++ > 0) return sendJson(res, 200, folderResponse);
      res.writeHead(200, { 'content-length': '500', 'content-type': 'text/javascript' });
      res.write('{"Body":{"GetFolderResponse":');
      setTimeout(() => raw.socket.destroy(), 10);
    };
    const c = await userClient();
    expect((await c.getFolder()).id).toBe('1');
    expect(fake.seen).toHaveLength(2);
    c.close();
  });
});

describe('timeouts and abort', () => {
  it('times out a silent server with ZB_TIMEOUT', async () => {
    fake.handle = () => {};
    const c = await userClient({ timeoutMs: 150, retries: 0 });
    const t0 = Date.now();
    await expect(c.getFolder()).rejects.toMatchObject({ code: 'ZB_TIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(2000);
    c.close();
  });

  it('aborts an in-flight call with ZB_ABORTED and does not retry', async () => {
    const ac = new AbortController();
    // abort once the server holds the request (a fixed delay raced the request on a loaded machine)
    fake.handle = () => ac.abort();
    const c = await userClient();
    await expect(c.getFolder({}, { signal: ac.signal })).rejects.toMatchObject({ code: 'ZB_ABORTED' });
    expect(fake.seen).toHaveLength(1);
    await expect(c.getFolder({}, { signal: ac.signal })).rejects.toMatchObject({ code: 'ZB_ABORTED' });
    c.close();
  });
});

describe('auth', () => {
  it('user auth, then re-authenticates once on AUTH_EXPIRED and repeats the call', async () => {
    const issued = [TOKEN1, TOKEN2];
    fake.handle = (r, res) => {
      const name = requestName(r.body);
      if (name === 'AuthRequest') return sendJson(res, 200, authResponse(issued.shift() ?? 'x'));
      if (tokenOf(r.body) === TOKEN1) return sendFault(res, 'service.AUTH_EXPIRED', 'auth credentials have expired');
      return sendJson(res, 200, folderResponse);
    };
    const c = client();
    const info = await c.authUser('u@example.com', PASSWORD);
    expect(info.lifetimeMs).toBe(3_600_000);
    expect(fake.seen[0]!.path).toBe('/service/soap');
    expect(JSON.parse(fake.seen[0]!.body).Body.AuthRequest).toEqual({
      _jsns: 'urn:zimbraAccount',
      account: { by: 'name', _content: 'u@example.com' },
      password: { _content: PASSWORD },
    });
    await c.getFolder();
    expect(fake.seen.map((s) => requestName(s.body))).toEqual([
      'AuthRequest',
      'GetFolderRequest',
      'AuthRequest',
      'GetFolderRequest',
    ]);
    expect(tokenOf(fake.seen[3]!.body)).toBe(TOKEN2);
    c.close();
  });

  it('renews only once per call: a second AUTH_EXPIRED surfaces as AuthExpiredError', async () => {
    fake.handle = (r, res) =>
      requestName(r.body) === 'AuthRequest'
        ? sendJson(res, 200, authResponse(TOKEN1))
        : sendFault(res, 'service.AUTH_REQUIRED', 'no valid authtoken present');
    const c = client();
    await c.authUser('u@example.com', PASSWORD);
    await expect(c.getFolder()).rejects.toBeInstanceOf(AuthExpiredError);
    expect(fake.seen.map((s) => requestName(s.body))).toEqual([
      'AuthRequest',
      'GetFolderRequest',
      'AuthRequest',
      'GetFolderRequest',
    ]);
    c.close();
  });

  it('renews ahead of a known expiry (at most half the lifetime early)', async () => {
    let auths = 0;
    fake.handle = (r, res) => {
      if (requestName(r.body) !== 'AuthRequest') return sendJson(res, 200, folderResponse);
      auths++;
      return sendJson(res, 200, {
        Body: {
          AuthResponse: {
            authToken: [{ _content: auths === 1 ? TOKEN1 : TOKEN2 }],
            lifetime: 400,
            _jsns: 'urn:zimbraAccount',
          },
        },
      });
    };
    const c = client();
    await c.authUser('u@example.com', PASSWORD);
    await c.getFolder();
    expect(auths).toBe(1);
    await new Promise((r) => setTimeout(r, 250));
    await c.getFolder();
    expect(auths).toBe(2);
    expect(tokenOf(fake.seen.at(-1)!.body)).toBe(TOKEN2);
    c.close();
  });

  it('concurrent calls share one renewal', async () => {
    let auths = 0;
    fake.handle = (r, res) => {
      if (requestName(r.body) === 'AuthRequest')
        return sendJson(res, 200, authResponse(auths++ === 0 ? TOKEN1 : TOKEN2));
      if (tokenOf(r.body) === TOKEN1) return sendFault(res, 'service.AUTH_EXPIRED', 'expired');
      return sendJson(res, 200, folderResponse);
    };
    const c = client();
    await c.authUser('u@example.com', PASSWORD);
    await Promise.all([c.getFolder(), c.getFolder(), c.getFolder()]);
    expect(auths).toBe(2);
    c.close();
  });

  it('admin auth on /service/admin/soap; mail requests for an account go there with the account header', async () => {
    fake.handle = (r, res) =>
      requestName(r.body) === 'AuthRequest'
        ? sendJson(res, 200, authResponse(TOKEN1, 'urn:zimbraAdmin'))
        : sendJson(res, 200, folderResponse);
    const c = client();
    await c.authAdmin('admin@example.com', new Secret(PASSWORD));
    await c.getFolder({}, { account: { by: 'id', value: 'acct-uuid' } });
    expect(fake.seen.map((s) => s.path)).toEqual(['/service/admin/soap', '/service/admin/soap']);
    expect(JSON.parse(fake.seen[0]!.body).Body.AuthRequest).toEqual({
      _jsns: 'urn:zimbraAdmin',
      name: 'admin@example.com',
      password: PASSWORD,
    });
    const ctx = JSON.parse(fake.seen[1]!.body).Header.context;
    expect(ctx).toMatchObject({
      authToken: { _content: TOKEN1 },
      account: { by: 'id', _content: 'acct-uuid' },
      nosession: {},
      format: { type: 'js' },
    });
    c.close();
  });

  it('delegateAuth returns a client that uses /service/soap with the delegated token and renews via the admin', async () => {
    let delegations = 0;
    fake.handle = (r, res) => {
      const name = requestName(r.body);
      if (name === 'AuthRequest') return sendJson(res, 200, authResponse(TOKEN1, 'urn:zimbraAdmin'));
      if (name === 'DelegateAuthRequest') {
        delegations++;
        return sendJson(res, 200, {
          Body: {
            DelegateAuthResponse: {
              authToken: [{ _content: delegations === 1 ? 'D1' : 'D2' }],
              lifetime: 86_400_000,
              _jsns: 'urn:zimbraAdmin',
            },
          },
        });
      }
      if (tokenOf(r.body) === 'D1') return sendFault(res, 'service.AUTH_EXPIRED', 'expired');
      return sendJson(res, 200, folderResponse);
    };
    const admin = client();
    await admin.authAdmin('admin@example.com', PASSWORD);
    const user = await admin.delegateAuth('u@example.com', { durationSeconds: 600 });
    expect(JSON.parse(fake.seen[1]!.body).Body.DelegateAuthRequest).toMatchObject({
      duration: 600,
      account: { by: 'name', _content: 'u@example.com' },
    });
    await user.getFolder();
    const last = fake.seen.at(-1)!;
    expect(last.path).toBe('/service/soap');
    expect(tokenOf(last.body)).toBe('D2');
    expect(delegations).toBe(2);
    user.close();
    admin.close();
  });

  it('calls before auth fail with ZB_AUTH; admin calls need adminUrl', async () => {
    const c = client();
    await expect(c.getFolder()).rejects.toMatchObject({ code: 'ZB_AUTH' });
    await expect(c.getAllDomains()).rejects.toMatchObject({ code: 'ZB_AUTH' });
    const noAdmin = new ZimbraClient({ url: fake.url });
    await expect(noAdmin.authAdmin('a', 'b')).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
    expect(() => new ZimbraClient({ url: 'ftp://x' })).toThrow(
      expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }),
    );
    expect(() => new ZimbraClient({ url: fake.url, retries: -1 })).toThrow(
      expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }),
    );
    c.close();
  });
});

describe('secrets', () => {
  it('never puts the password or a token in errors or logs', async () => {
    const errors: unknown[] = [];
    fake.handle = (r, res) => {
      if (requestName(r.body) === 'AuthRequest')
        return sendFault(res, 'account.AUTH_FAILED', 'authentication failed for [u@example.com]');
      return sendJson(res, 200, folderResponse);
    };
    const c = client({ retries: 1 });
    await c.authUser('u@example.com', PASSWORD).catch((e: unknown) => errors.push(e));
    expect(errors[0]).toBeInstanceOf(SoapFaultError);
    c.useAuthToken(TOKEN1);
    fake.handle = (_r, res) => ((res.statusCode = 200), res.end(`{"Body":{"GetFolderResponse":{"x":"${TOKEN1}"`));
    await c.getFolder().catch((e: unknown) => errors.push(e));
    fake.handle = (_r, res) => sendFault(res, 'service.FAILURE', `bad token ${TOKEN1}`);
    await c.getFolder().catch((e: unknown) => errors.push(e));
    fake.handle = (_r, _res, raw) => raw.socket.destroy();
    await c.getFolder().catch((e: unknown) => errors.push(e));
    expect(errors).toHaveLength(4);
    const dump = (v: unknown): string =>
      JSON.stringify(v) + String(v) + String((v as Error).stack) + String((v as Error).cause);
    for (const e of errors) {
      expect(dump(e)).not.toContain(PASSWORD);
      expect(dump(e)).not.toContain(TOKEN1);
    }
    expect(logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs)).not.toContain(PASSWORD);
    expect(JSON.stringify(logs)).not.toContain(TOKEN1);
    c.close();
  });
});

describe('XML transport', () => {
  it('sends a SOAP 1.2 envelope and parses the same result as JSON', async () => {
    const c = client({ transport: 'xml' });
    c.useAuthToken(TOKEN1);
    fake.handle = (_r, res) => {
      res.setHeader('content-type', 'text/xml; charset=utf-8');
      res.end(fixture('sync-delta.xml'));
    };
    const x = await c.sync({ token: '500' }, { account: 'u@example.com' });
    const sent = fake.seen[0]!;
    expect(sent.headers['content-type']).toContain('application/soap+xml');
    expect(sent.body).toMatch(/^<soap:Envelope xmlns:soap="http:\/\/www.w3.org\/2003\/05\/soap-envelope">/);
    expect(sent.body).toContain(`<authToken>${TOKEN1}</authToken>`);
    expect(sent.body).toContain('<account by="name">u@example.com</account>');
    expect(sent.body).toMatch(/<SyncRequest typed="1" token="500" xmlns="urn:zimbraMail"\/>/);
    const j = client();
    j.useAuthToken(TOKEN1);
    fake.handle = (_r, res) => {
      res.setHeader('content-type', 'text/javascript; charset=utf-8');
      res.end(fixture('sync-delta.json'));
    };
    expect(await j.sync({ token: '500' })).toEqual(x);
    fake.handle = (_r, res) => (
      (res.statusCode = 500),
      res.setHeader('content-type', 'text/xml'),
      res.end(fixture('fault-no-such-item.xml'))
    );
    await expect(c.getFolder()).rejects.toMatchObject({ faultCode: 'mail.NO_SUCH_ITEM' });
    c.close();
    j.close();
  });
});
