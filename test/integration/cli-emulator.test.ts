/**
 * `zimbra-backup emulator` through the real bin: one JSON ready line on stdout, a server that
 * answers on it, and a clean exit on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';

const root = join(import.meta.dirname, '..', '..');

describe('zimbra-backup emulator', () => {
  it('prints one ready line, serves SOAP, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        join(root, 'bin', 'zimbra-backup.js'),
        'emulator',
        '--port',
        '0',
        '--admin-port',
        '0',
        '--servers',
        '2',
        '--seed-accounts',
        '2',
        '--seed-messages',
        '3',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const ready = JSON.parse(line) as {
        url: string;
        adminUrl: string;
        adminUser: string;
        adminPassword: string;
        accounts: string[];
        servers: Array<{ name: string; url: string; adminUrl: string }>;
      };
      expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(ready.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(ready.accounts).toEqual(expect.arrayContaining(['user1@example.test', 'user2@example.test']));
      // --servers 2: both servers in the ready line; the client reaches every account through the first (proxied)
      expect(ready.servers.map((s) => s.name)).toEqual(['mail.example.test', 'mail2.example.test']);
      expect(ready.servers[0]!.url).toBe(ready.url);
      const client = new ZimbraClient({ url: ready.url, adminUrl: ready.adminUrl });
      await client.authAdmin(ready.adminUser, ready.adminPassword);
      const first = await client.sync({}, { account: 'user1@example.test' });
      expect(first.folders.some((f) => (f.itemIds.message ?? []).length > 0)).toBe(true);
      client.close();
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60_000);
});
