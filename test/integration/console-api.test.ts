/**
 * The console's HTTP API over real HTTP on 127.0.0.1, against the emulator: every endpoint, and
 * the security rules (no session, wrong CSRF, cross-origin, hostile ids/paths/times, rate limit,
 * Host check, hostile HTML in a message).
 */
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleServer } from '../../src/console/index.js';
import { initRepository } from '../../src/repository/repository.js';
import { MemoryBackend } from '../../src/store/backends/memory.js';
import { ApiClient, consoleFixture, DELETED_SUBJECT, USER, type ConsoleFixture } from './console-fixture.js';

let fx: ConsoleFixture;
let api: ApiClient;

async function waitEnd(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 400; i++) {
    const r = (await (await api.get(`/api/operations/${id}`)).json()) as Record<string, unknown>;
    if (r['status'] !== 'running') return r;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error('operation did not end');
}

beforeAll(async () => {
  fx = await consoleFixture();
  api = new ApiClient(fx.server.url);
  const res = await api.login(fx.emu.adminUser, fx.emu.adminPassword);
  expect(res.status).toBe(200);
});
const exportFiles: string[] = [];
afterAll(async () => {
  await fx?.close();
  // Temporary export downloads go with the console.
  for (const f of exportFiles) expect(existsSync(f)).toBe(false);
});

describe('page and static assets', () => {
  it('serves the page with a strict CSP, the import map allowed by hash, and no secret', async () => {
    const res = await new ApiClient(fx.server.url).get('/');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const body = await res.text();
    expect(body).toContain('<script type="importmap">');
    expect(body).not.toContain(fx.emu.adminPassword);
    expect(body).not.toMatch(/csrf/i);
  });

  it('serves the vendored modules from the installed packages, nothing else by path', async () => {
    const c = new ApiClient(fx.server.url);
    for (const p of [
      '/vendor/preact.mjs',
      '/vendor/preact-hooks.mjs',
      '/vendor/htm.mjs',
      '/vendor/uplot.mjs',
      '/js/main.js',
      '/console.css',
    ]) {
      const res = await c.get(p);
      expect(res.status, p).toBe(200);
    }
    expect((await c.get('/vendor/../package.json')).status).toBe(404);
    expect((await c.get('/js/%2e%2e/%2e%2e/server.ts')).status).toBe(404);
    expect((await c.get('/vendor/lodash.js')).status).toBe(404);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const url = new URL(fx.server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: '/api/login', headers: { host: 'evil.test' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});

describe('login and session', () => {
  it('sets an HttpOnly SameSite=Strict cookie and returns the CSRF token in JSON only', async () => {
    const c = new ApiClient(fx.server.url);
    const res = await c.request('POST', '/api/login', {
      body: { username: fx.emu.adminUser, password: fx.emu.adminPassword },
    });
    expect(res.status).toBe(200);
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).not.toContain(fx.emu.adminPassword);
    const body = (await res.json()) as { csrf: string; user: string };
    expect(body.user).toBe(fx.emu.adminUser);
    expect(body.csrf).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const s = (await (await c.get('/api/session')).json()) as { csrf: string; mode: string };
    expect(s.csrf).toBe(body.csrf);
    expect(s.mode).toBe('zimbra');
  });

  it('says which login the form needs, without a session', async () => {
    expect(await (await new ApiClient(fx.server.url).get('/api/login')).json()).toEqual({ mode: 'zimbra' });
  });

  it('refuses wrong credentials, non-JSON and cross-origin logins', async () => {
    const c = new ApiClient(fx.server.url);
    expect(
      (await c.request('POST', '/api/login', { body: { username: fx.emu.adminUser, password: 'wrong' } })).status,
    ).toBe(401);
    expect(c.cookie).toBe('');
    const form = await c.request('POST', '/api/login', {
      body: `username=${fx.emu.adminUser}&password=x`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const cross = await c.request('POST', '/api/login', {
      body: { username: fx.emu.adminUser, password: fx.emu.adminPassword },
      headers: { origin: 'https://evil.test' },
    });
    expect(cross.status).toBe(403);
  });

  it('refuses a non-admin Zimbra account (AuthRequest as admin fails)', async () => {
    fx.emu.createAccount('plain@example.test', 'userpass1');
    const c = new ApiClient(fx.server.url);
    expect(
      (await c.request('POST', '/api/login', { body: { username: 'plain@example.test', password: 'userpass1' } }))
        .status,
    ).toBe(401);
  });

  it('needs a session for every API route', async () => {
    const c = new ApiClient(fx.server.url);
    for (const p of [
      '/api/session',
      '/api/overview',
      `/api/accounts/${USER}/items`,
      '/api/operations',
      '/api/operations/x/events',
    ]) {
      const res = await c.get(p);
      expect(res.status, p).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ZB_AUTH');
    }
    expect((await c.request('POST', '/api/operations', { body: { kind: 'check' } })).status).toBe(401);
  });

  it('ends the session at logout', async () => {
    const c = new ApiClient(fx.server.url);
    await c.login(fx.emu.adminUser, fx.emu.adminPassword);
    const cookie = c.cookie;
    expect((await c.post('/api/logout')).status).toBe(204);
    c.cookie = cookie;
    expect((await c.get('/api/overview')).status).toBe(401);
  });
});

describe('CSRF', () => {
  it('refuses a state-changing request without, or with a wrong, CSRF token, or from another origin', async () => {
    const noToken = await api.request('POST', '/api/operations', { body: { kind: 'check', mode: 'quick' } });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe('ZB_CSRF');
    expect((await api.post('/api/operations', { kind: 'check' }, { 'x-csrf-token': 'wrong' })).status).toBe(403);
    expect((await api.post('/api/operations', { kind: 'check' }, { origin: 'https://evil.test' })).status).toBe(403);
    expect(deps().length).toBe(0);
  });
});

function deps(): unknown[] {
  return fx.server.operations.list().filter((o) => o.kind === 'check');
}

describe('hostile input', () => {
  const cases: Array<[string, number]> = [
    ['/api/accounts/..%2F..%2Fetc%2Fpasswd/items', 400],
    [`/api/accounts/${USER}/items/..%2F..%2Fx`, 400],
    [`/api/accounts/${USER}/items/1%20OR%201`, 400],
    [`/api/accounts/${USER}/items/99999999999`, 400],
    [`/api/accounts/${USER}/items?at=2026-12-01T10:00:00`, 400],
    [`/api/accounts/${USER}/items?at=yesterday`, 400],
    [`/api/accounts/${USER}/items?kind=../../x`, 400],
    [`/api/accounts/${USER}/items?limit=100000`, 400],
    [`/api/accounts/${USER}/items?q=${'x'.repeat(300)}`, 400],
    [`/api/accounts/${USER}/timeline?bucket=minute`, 400],
    [`/api/accounts/${USER}/items/1/attachments/-1`, 400],
    ['/api/accounts/nobody@example.test/items', 404],
    ['/api/operations/..%2Fx', 404],
  ];
  it.each(cases)('%s -> %i', async (path, status) => {
    const res = await api.get(path);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toMatch(/^ZB_/);
  });

  it('refuses bad operation parameters before running anything', async () => {
    const before = fx.server.operations.list().length;
    const bad: Array<Record<string, unknown>> = [
      { kind: 'rm -rf' },
      { kind: 'undelete', account: USER, from: '2026-12-01T10:00', to: '2026-12-01T11:00Z' },
      { kind: 'undelete', account: USER, from: '2026-12-01T12:00:00Z', to: '2026-12-01T11:00:00Z' },
      { kind: 'restore-items', account: USER, items: ['1', '../2'] },
      { kind: 'restore-items', account: USER, items: [] },
      { kind: 'purge', retention: '30' },
      { kind: 'purge', retention: '0d' },
      { kind: 'check', mode: 'deep' },
      { kind: 'restore-account', account: '../../etc', at: '2026-12-01T10:00:00Z' },
      { kind: 'restore-directory', objects: ['server'] },
    ];
    for (const b of bad) {
      const res = await api.post('/api/operations', b);
      expect(res.status, JSON.stringify(b)).toBe(400);
    }
    expect(fx.server.operations.list().length).toBe(before);
  });

  it('refuses server-side paths without a files folder', async () => {
    const res = await api.post('/api/operations', { kind: 'export', path: 'out.tar.gz' });
    expect(res.status).toBe(501);
  });
});

describe('read views', () => {
  it('overview: accounts, sizes, ratios, warnings, running operations', async () => {
    const o = (await (await api.get('/api/overview')).json()) as {
      status: { accounts: Array<{ name: string; lastCommitMs: number }>; dedupRatio: number; repositoryBytes: number };
      warnings: unknown[];
      running: unknown[];
      locks: unknown[];
    };
    expect(o.status.accounts.map((a) => a.name)).toContain(USER);
    expect(o.status.repositoryBytes).toBeGreaterThan(0);
    expect(o.status.dedupRatio).toBeGreaterThanOrEqual(1);
    expect(o.status.accounts.every((a) => a.lastCommitMs >= fx.firstBackupMs - 60_000)).toBe(true);
    expect(Array.isArray(o.warnings)).toBe(true);
    expect(Array.isArray(o.running)).toBe(true);
  });

  it('timeline: changes and the deletion per hour', async () => {
    const t = (await (await api.get(`/api/accounts/${USER}/timeline`)).json()) as {
      bucket: string;
      buckets: Array<{ startMs: number; changes: number; deletions: number }>;
    };
    expect(t.bucket).toBe('hour');
    expect(t.buckets.reduce((a, b) => a + b.changes, 0)).toBeGreaterThan(12);
    expect(t.buckets.reduce((a, b) => a + b.deletions, 0)).toBe(1);
  });

  it('folders and items at an instant, with envelopes; search by subject', async () => {
    const f = (await (await api.get(`/api/accounts/${USER}/folders`)).json()) as { folders: Array<{ path: string }> };
    expect(f.folders.map((x) => x.path)).toContain('/Inbox');
    const before = new Date(fx.firstBackupMs).toISOString();
    const then = (await (await api.get(`/api/accounts/${USER}/items?kind=message&at=${before}`)).json()) as {
      items: Array<{ id: string; subject: string; from: string }>;
    };
    expect(then.items.find((i) => i.id === String(fx.deletedId))?.subject).toBe(DELETED_SUBJECT);
    const now = (await (await api.get(`/api/accounts/${USER}/items?kind=message`)).json()) as {
      items: Array<{ id: string }>;
    };
    expect(now.items.some((i) => i.id === String(fx.deletedId))).toBe(false);
    const found = (await (
      await api.get(`/api/accounts/${USER}/items?kind=message&at=${before}&q=quarterly`)
    ).json()) as {
      total: number;
      items: Array<{ from: string }>;
    };
    expect(found.total).toBe(1);
    expect(found.items[0]?.from).toContain('carol@example.test');
  });

  it('contacts, appointments, tasks and documents are listed with their names', async () => {
    for (const kind of ['contact', 'appointment', 'task', 'document']) {
      const r = (await (await api.get(`/api/accounts/${USER}/items?kind=${kind}`)).json()) as {
        items: Array<{ kind: string; subject?: string; name?: string }>;
      };
      expect(r.items.length, kind).toBeGreaterThan(0);
      expect(r.items.every((i) => i.kind === kind)).toBe(true);
      for (const i of r.items) expect(i.subject || i.name, `${kind} ${JSON.stringify(i)}`).toBeTruthy();
    }
  });

  it('deleted items in a window', async () => {
    const from = new Date(fx.firstBackupMs).toISOString();
    const to = new Date(fx.secondBackupMs + 1000).toISOString();
    const r = (await (await api.get(`/api/accounts/${USER}/items?deleted=1&from=${from}&at=${to}`)).json()) as {
      items: Array<{ id: string; subject: string; deletedMs: number }>;
    };
    expect(r.items.map((i) => i.subject)).toEqual([DELETED_SUBJECT]);
    expect(r.items[0]!.deletedMs).toBeGreaterThanOrEqual(fx.firstBackupMs);
  });

  it('preview of a deleted message (its last version) and its raw download', async () => {
    const p = (await (await api.get(`/api/accounts/${USER}/items/${fx.deletedId}`)).json()) as {
      deleted: boolean;
      preview: { subject: string; text: string };
    };
    expect(p.deleted).toBe(true);
    expect(p.preview.subject).toBe(DELETED_SUBJECT);
    expect(p.preview.text).toContain('The numbers.');
    const raw = await api.get(`/api/accounts/${USER}/items/${fx.deletedId}/raw`);
    expect(raw.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(await raw.text()).toContain(`Subject: ${DELETED_SUBJECT}`);
  });

  it('an HTML message with scripts: sanitized body under a sandboxing CSP, remote content blocked', async () => {
    const p = (await (await api.get(`/api/accounts/${USER}/items/${fx.hostileId}`)).json()) as {
      preview: {
        html?: string;
        remoteContentBlocked: boolean;
        attachments: Array<{ filename: string; index: number }>;
      };
    };
    expect(p.preview.html).toBeUndefined();
    expect(p.preview.remoteContentBlocked).toBe(true);
    expect(p.preview.attachments.map((a) => a.filename)).toEqual(['report.pdf']);
    const body = await api.get(`/api/accounts/${USER}/items/${fx.hostileId}/body`);
    const csp = body.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('sandbox');
    expect(csp).not.toContain('allow-scripts');
    expect(csp).not.toContain('allow-same-origin');
    const text = await body.text();
    expect(text).toContain('<b>there</b>');
    for (const bad of ['<script', 'onclick', 'onerror', 'tracker.evil.test', '<form', 'javascript:', '<iframe'])
      expect(text.toLowerCase()).not.toContain(bad);
    const att = await api.get(`/api/accounts/${USER}/items/${fx.hostileId}/attachments/0`);
    expect(att.headers.get('content-type')).toBe('application/octet-stream');
    expect(att.headers.get('content-disposition')).toContain('report.pdf');
    expect(await att.text()).toBe('%PDF-1.4 fake report');
    expect((await api.get(`/api/accounts/${USER}/items/${fx.hostileId}/attachments/5`)).status).toBe(404);
  });
});

describe('operations', () => {
  it('undelete: preview writes nothing, the run brings the message back, the history says who', async () => {
    const params = {
      kind: 'undelete',
      account: USER,
      from: new Date(fx.firstBackupMs).toISOString(),
      to: new Date(fx.secondBackupMs + 1000).toISOString(),
    };
    const count = () => fx.emu.snapshot(USER).items.filter((i) => i.type === 'message').length;
    const before = count();
    const dry = (await (await api.post('/api/operations', { ...params, dryRun: true })).json()) as { id: string };
    const dryEnd = (await waitEnd(dry.id)) as { status: string; result: { planned: unknown[] } };
    expect(dryEnd.status).toBe('succeeded');
    expect(dryEnd.result.planned.length).toBeGreaterThan(0);
    expect(count()).toBe(before);
    const res = await api.post('/api/operations', params);
    expect(res.status).toBe(202);
    const op = (await res.json()) as { id: string };
    // Live progress over Server-Sent Events until the end event.
    const sse = await api.get(`/api/operations/${op.id}/events`);
    expect(sse.headers.get('content-type')).toContain('text/event-stream');
    const text = await sse.text();
    expect(text).toMatch(/event: (state|end)/);
    const end = (await waitEnd(op.id)) as { status: string; user: string; summary: string };
    expect(end.status).toBe('succeeded');
    expect(end.user).toBe(fx.emu.adminUser);
    expect(count()).toBe(before + 1);
    const list = (await (await api.get('/api/operations')).json()) as { operations: Array<{ id: string }> };
    expect(list.operations.map((o) => o.id)).toContain(op.id);
  });

  it('restore-account into another existing account: refused unless intoExisting (the library decides)', async () => {
    const params = {
      kind: 'restore-account',
      account: USER,
      at: new Date().toISOString(),
      toAccount: 'user2@example.test',
    };
    const refused = (await (await api.post('/api/operations', params)).json()) as { id: string };
    const r1 = (await waitEnd(refused.id)) as { status: string; error: { code: string } };
    expect(r1.status).toBe('failed');
    expect(r1.error.code).toBe('ZB_TARGET_EXISTS');
    const dry = (await (await api.post('/api/operations', { ...params, intoExisting: true, dryRun: true })).json()) as {
      id: string;
      params: Record<string, unknown>;
    };
    expect(dry.params['intoExisting']).toBe(true);
    const r2 = (await waitEnd(dry.id)) as { status: string; result: { targetAccount: string } };
    expect(r2.status).toBe('succeeded');
    expect(r2.result.targetAccount).toBe('user2@example.test');
  });

  it('restore-items: the selected version goes back into the mailbox', async () => {
    const before = fx.emu.snapshot(USER).items.filter((i) => i.type === 'message').length;
    const op = (await (
      await api.post('/api/operations', {
        kind: 'restore-items',
        account: USER,
        items: [String(fx.deletedId)],
        at: new Date(fx.firstBackupMs).toISOString(),
      })
    ).json()) as { id: string };
    const end = (await waitEnd(op.id)) as {
      status: string;
      result: { counts: { message: { restored: number; skipped: number } } };
    };
    expect(end.status).toBe('succeeded');
    const c = end.result.counts.message;
    expect(c.restored + c.skipped).toBe(1);
    expect(fx.emu.snapshot(USER).items.filter((i) => i.type === 'message').length).toBe(before + c.restored);
  });

  it('restore-directory: preview, then a deleted account is recreated from the dump', async () => {
    fx.emu.deleteAccount('user2@example.test');
    const params = { kind: 'restore-directory', accounts: ['user2@example.test'] };
    const dry = (await (await api.post('/api/operations', { ...params, dryRun: true })).json()) as { id: string };
    const d = (await waitEnd(dry.id)) as { status: string; error?: unknown };
    expect(d.status, JSON.stringify(d.error)).toBe('succeeded');
    expect(fx.emu.accounts().map((a) => a.name)).not.toContain('user2@example.test');
    const run = (await (await api.post('/api/operations', params)).json()) as { id: string };
    const r = (await waitEnd(run.id)) as { status: string; error?: unknown };
    expect(r.status, JSON.stringify(r.error)).toBe('succeeded');
    expect(fx.emu.accounts().map((a) => a.name)).toContain('user2@example.test');
  });

  it('check: full, with progress and a result', async () => {
    const op = (await (await api.post('/api/operations', { kind: 'check', mode: 'full' })).json()) as { id: string };
    const end = (await waitEnd(op.id)) as { status: string; result: { ok: boolean; full: boolean } };
    expect(end.status).toBe('succeeded');
    expect(end.result).toMatchObject({ ok: true, full: true });
  });

  it('purge: dry run', async () => {
    const op = (await (
      await api.post('/api/operations', { kind: 'purge', retention: '30d', dryRun: true })
    ).json()) as { id: string };
    const end = (await waitEnd(op.id)) as { status: string; result: { dryRun: boolean } };
    expect(end.status).toBe('succeeded');
    expect(end.result.dryRun).toBe(true);
  });

  it('export to a download', async () => {
    const op = (await (await api.post('/api/operations', { kind: 'export', accounts: [USER] })).json()) as {
      id: string;
    };
    const end = (await waitEnd(op.id)) as { status: string; result: Record<string, unknown> };
    expect(end.status).toBe('succeeded');
    expect(end.result['file']).toBeUndefined();
    const dl = await api.get(`/api/operations/${op.id}/download`);
    expect(dl.status).toBe(200);
    const bytes = new Uint8Array(await dl.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const file = (fx.server.operations.get(op.id)?.result as { file: string }).file;
    exportFiles.push(file);
    expect(existsSync(file)).toBe(true);
  });

  it('capture: starts, refuses a second one, stops on cancel', async () => {
    const op = (await (await api.post('/api/operations', { kind: 'capture' })).json()) as { id: string };
    expect((await api.post('/api/operations', { kind: 'capture' })).status).toBe(409);
    await new Promise((r) => setTimeout(r, 200));
    expect((await api.post(`/api/operations/${op.id}/cancel`)).status).toBe(202);
    const end = (await waitEnd(op.id)) as { status: string };
    expect(['cancelled', 'succeeded']).toContain(end.status);
    expect((await api.post(`/api/operations/${op.id}/cancel`)).status).toBe(409);
  });
});

describe('server set-up rules', () => {
  it('refuses a non-loopback address without TLS', async () => {
    const repository = await initRepository({ backend: new MemoryBackend() });
    await expect(createConsoleServer({ repository, host: '0.0.0.0', port: 0 })).rejects.toMatchObject({
      code: 'ZB_INVALID_ARGUMENT',
    });
    // (Allowed with insecureHttp or TLS: test/unit/console/security.test.ts; tests bind loopback only.)
  });

  it('without a server: logs in with the start-up token only, and restores are unavailable', async () => {
    const repository = await initRepository({ backend: new MemoryBackend() });
    const s = await createConsoleServer({ repository, port: 0, loginRateLimit: { maxFailures: 3 } });
    try {
      const c = new ApiClient(s.url);
      expect(await (await c.get('/api/login')).json()).toEqual({ mode: 'token' });
      expect((await c.request('POST', '/api/login', { body: { username: 'admin', password: 'x' } })).status).toBe(401);
      expect((await c.request('POST', '/api/login', { body: { token: 'nope' } })).status).toBe(401);
      const ok = await c.request('POST', '/api/login', { body: { token: s.loginToken!.reveal() } });
      expect(ok.status).toBe(200);
      c.csrf = ((await ok.json()) as { csrf: string }).csrf;
      const r = await c.post('/api/operations', {
        kind: 'undelete',
        account: USER,
        from: '2026-12-01T10:00:00Z',
        to: '2026-12-01T11:00:00Z',
      });
      expect(r.status).toBe(501);
      expect(String(s.loginToken)).toBe('**redacted**');
    } finally {
      await s.close();
    }
  });

  it('rate-limits failed logins per address (429 with Retry-After)', async () => {
    const repository = await initRepository({ backend: new MemoryBackend() });
    const s = await createConsoleServer({ repository, port: 0, loginRateLimit: { maxFailures: 3, windowMs: 60_000 } });
    try {
      const c = new ApiClient(s.url);
      for (let i = 0; i < 3; i++)
        expect((await c.request('POST', '/api/login', { body: { token: 'bad' } })).status).toBe(401);
      const limited = await c.request('POST', '/api/login', { body: { token: s.loginToken!.reveal() } });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });
});
