/**
 * `zimbra-backup serve` through the real bin: the ready line, token login, SIGTERM; the refusal of
 * a non-loopback address over plain HTTP; and HTTPS with a self-signed certificate (Secure,
 * `__Host-` cookie).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRepository } from '../../src/repository/repository.js';
import { LocalBackend } from '../../src/store/backends/local.js';

const root = join(import.meta.dirname, '..', '..');
let dir: string;

function serve(args: string[]): { child: ChildProcess; stderr: () => string } {
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'zimbra-backup.js'), 'serve', '--repo', join(dir, 'repo'), ...args],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, stderr: () => err };
}

function readyLine(child: ChildProcess): Promise<{ url: string; login: string }> {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (l) =>
      resolve(JSON.parse(l) as { url: string; login: string }),
    );
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zb-serve-'));
  await initRepository({ backend: new LocalBackend({ root: join(dir, 'repo') }) });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('zimbra-backup serve', () => {
  it('prints the URL, shows the login token on stderr only, and stops on SIGTERM', async () => {
    const { child, stderr } = serve(['--listen', '127.0.0.1:0', '--json']);
    try {
      const ready = await readyLine(child);
      expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(ready.login).toBe('token');
      await expect.poll(() => stderr()).toMatch(/login token \(valid until the console stops\): \S{40,}/);
      const token = /: (\S{40,})/.exec(stderr())![1]!;
      expect(JSON.stringify(ready)).not.toContain(token);
      const res = await fetch(new URL('/api/login', ready.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      expect(res.status).toBe(200);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  it('refuses a non-loopback address over plain HTTP', async () => {
    const { child, stderr } = serve(['--listen', '0.0.0.0:0']);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr()).toMatch(/--tls-cert/);
  });

  it('serves HTTPS with --tls-cert/--tls-key; the cookie is Secure and __Host- prefixed', async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      {
        stdio: 'ignore',
      },
    );
    const { child, stderr } = serve(['--listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key, '--json']);
    try {
      const ready = await readyLine(child);
      expect(ready.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      await expect.poll(() => stderr()).toMatch(/login token/);
      const token = /: (\S{40,})/.exec(stderr())![1]!;
      const port = Number(new URL(ready.url).port);
      const setCookie = await new Promise<string>((resolve, reject) => {
        const body = JSON.stringify({ token });
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/api/login',
            method: 'POST',
            rejectUnauthorized: false,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            expect(res.statusCode).toBe(200);
            expect(res.headers['strict-transport-security']).toContain('max-age=');
            resolve(String(res.headers['set-cookie']?.[0] ?? ''));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(setCookie).toMatch(/^__Host-zb_console=/);
      expect(setCookie).toMatch(/; Secure/i);
      expect(setCookie).toMatch(/HttpOnly/i);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });
});
