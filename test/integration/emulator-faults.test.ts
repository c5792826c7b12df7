import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

type Json = Record<string, any>;
let emu: Emulator;
let token: string;
const USER = 'f@example.test';

const sync = (t = token) =>
  fetch(`${emu.url}/service/soap`, {
    method: 'POST',
    body: JSON.stringify({
      Header: { context: { authToken: { _content: t } } },
      Body: { SyncRequest: { _jsns: 'urn:zimbraMail' } },
    }),
  });

beforeAll(async () => {
  emu = await startEmulator({ authTokenLifetimeMs: 60_000 });
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
});
beforeEach(() => emu.faults.clear());
afterAll(async () => emu.close());

describe('fault injection', () => {
  it('answers an HTTP status for the matching request only, `times` times', async () => {
    emu.faults.inject({ match: { request: 'SyncRequest' }, status: 503, times: 2 });
    expect((await sync()).status).toBe(503);
    expect((await sync()).status).toBe(503);
    expect((await sync()).status).toBe(200);
    expect(emu.faults.pending()).toBe(0);
  });

  it('injects a SOAP fault in Zimbra shape', async () => {
    emu.faults.inject({
      match: { request: 'SyncRequest' },
      fault: { code: 'service.TEMPORARILY_UNAVAILABLE', reason: 'busy' },
    });
    const r = await sync();
    expect(r.status).toBe(500);
    const f = ((await r.json()) as Json)['Body']['Fault'];
    expect(f['Code']['Value']).toBe('soap:Receiver');
    expect(f['Detail']['Error']['Code']).toBe('service.TEMPORARILY_UNAVAILABLE');
  });

  it('expires auth on demand', async () => {
    emu.faults.inject({ expireAuth: true });
    const r = await sync();
    expect(((await r.json()) as Json)['Body']['Fault']['Detail']['Error']['Code']).toBe('service.AUTH_EXPIRED');
    expect((await sync()).status).toBe(200);
  });

  it('resets connections and truncates bodies', async () => {
    emu.faults.inject({ match: { path: /\/service\/home\// }, reset: true });
    await expect(
      fetch(`${emu.url}/service/home/~/?id=2`, { headers: { Cookie: `ZM_AUTH_TOKEN=${token}` } }),
    ).rejects.toThrow();
    const raw = `Subject: big\r\n\r\n${'x'.repeat(10000)}\r\n`;
    const id = emu.deliver(USER, raw);
    emu.faults.inject({ match: { path: /\/service\/home\// }, truncate: true });
    const res = await fetch(`${emu.url}/service/home/~/?id=${id}`, { headers: { Cookie: `ZM_AUTH_TOKEN=${token}` } });
    expect(res.headers.get('content-length')).toBe(String(raw.length));
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it('delays a request', async () => {
    emu.faults.inject({ match: { request: 'SyncRequest' }, delayMs: 300 });
    const t0 = Date.now();
    expect((await sync()).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });

  it('counts requests by name', async () => {
    const before = emu.stats.get('SyncRequest');
    await sync();
    expect(emu.stats.get('SyncRequest')).toBe(before + 1);
  });
});

describe('token expiry', () => {
  it('gives service.AUTH_EXPIRED once the token lifetime has passed', async () => {
    const short = await startEmulator({ authTokenLifetimeMs: 200 });
    try {
      short.createAccount(USER, 'pw');
      const r = await fetch(`${short.url}/service/soap`, {
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
      const t = ((await r.json()) as Json)['Body']['AuthResponse']['authToken'][0]['_content'];
      await new Promise((res) => setTimeout(res, 300));
      const s = await fetch(`${short.url}/service/soap`, {
        method: 'POST',
        body: JSON.stringify({
          Header: { context: { authToken: { _content: t } } },
          Body: { SyncRequest: { _jsns: 'urn:zimbraMail' } },
        }),
      });
      expect(s.status).toBe(500);
      expect(((await s.json()) as Json)['Body']['Fault']['Detail']['Error']['Code']).toBe('service.AUTH_EXPIRED');
    } finally {
      await short.close();
    }
  });
});
