/**
 * Shared set-up of the console tests: a seeded emulator, a repository with two captures (the
 * second after a user deleted a message and received an HTML message with hostile content), and
 * a console server on 127.0.0.1 port 0 logging in through the emulator's AuthRequest.
 */
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { saveDirectoryEntries, soapDirectoryEntries } from '../../src/directory/directory-snapshot.js';
import { directoryDumpKey } from '../../src/repository/layout.js';
import { createConsoleServer, type ConsoleServer, type ConsoleServerOptions } from '../../src/console/index.js';
import { buildCorpus, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { initRepository, type Repository } from '../../src/repository/repository.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { MemoryBackend } from '../../src/store/backends/memory.js';

export const USER = 'user1@example.test';
export const DELETED_SUBJECT = 'Quarterly budget (deleted)';

/** An HTML message with everything a preview must neutralise, and one attachment. */
export const HOSTILE_HTML_MESSAGE = [
  'From: Mallory <mallory@evil.test>',
  `To: ${USER}`,
  'Subject: Hostile HTML',
  'Date: Tue, 01 Dec 2026 10:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p onclick="steal()">Hello <b>there</b></p><script>document.title="pwned"</script>',
  '<img src="https://tracker.evil.test/pixel.gif" onerror="alert(1)"><form action="https://evil.test/"><input name=x></form>',
  '<a href="javascript:alert(2)">click</a><iframe src="https://evil.test/"></iframe>',
  '--b1',
  'Content-Type: application/pdf; name="report.pdf"',
  'Content-Disposition: attachment; filename="report.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('%PDF-1.4 fake report').toString('base64'),
  '--b1--',
  '',
].join('\r\n');

export interface ConsoleFixture {
  emu: Emulator;
  client: ZimbraClient;
  repository: Repository;
  server: ConsoleServer;
  /** Id of the message deleted between the two captures. */
  deletedId: number;
  /** Id of the hostile HTML message. */
  hostileId: number;
  /** Capture time of the first and second backup (ms). */
  firstBackupMs: number;
  secondBackupMs: number;
  close(): Promise<void>;
}

export async function consoleFixture(opts: Partial<ConsoleServerOptions> = {}): Promise<ConsoleFixture> {
  const emu = await startEmulator({ domain: 'example.test' });
  await emu.seed(buildCorpus({ seed: 7, accounts: 2, messagesPerAccount: 12, domain: 'example.test' }));
  const deletedId = emu.deliver(
    USER,
    `From: Carol <carol@example.test>\r\nTo: ${USER}\r\nSubject: ${DELETED_SUBJECT}\r\nDate: Mon, 30 Nov 2026 09:00:00 +0000\r\n\r\nThe numbers.\r\n`,
  );
  const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const repository = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
  const engine = new BackupEngine({ client, repository });
  await engine.run();
  const firstBackupMs = Date.now();
  await new Promise((r) => setTimeout(r, 20));
  emu.deleteItem(USER, deletedId);
  const hostileId = emu.deliver(USER, HOSTILE_HTML_MESSAGE);
  await engine.run();
  // A directory dump (through admin SOAP, as `backup` does without LDAP) for restore-directory.
  await saveDirectoryEntries(repository.backend, directoryDumpKey(new Date()), soapDirectoryEntries(client));
  const secondBackupMs = Date.now();
  const server = await createConsoleServer({
    repository,
    server: { adminUrl: emu.adminUrl, mailUrl: emu.url },
    port: 0,
    ...opts,
  });
  return {
    emu,
    client,
    repository,
    server,
    deletedId,
    hostileId,
    firstBackupMs,
    secondBackupMs,
    async close() {
      await server.close();
      client.close();
      await emu.close();
    },
  };
}

/** A tiny cookie-keeping HTTP client for API tests. */
export class ApiClient {
  cookie = '';
  csrf = '';
  constructor(readonly base: string) {}

  async request(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...(this.cookie ? { cookie: this.cookie } : {}), ...init.headers };
    if (init.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(new URL(path, this.base), {
      method,
      headers,
      redirect: 'manual',
      ...(init.body !== undefined
        ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }
        : {}),
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0] ?? '';
    return res;
  }

  async login(username: string, password: string): Promise<Response> {
    const res = await this.request('POST', '/api/login', { body: { username, password } });
    if (res.ok) this.csrf = ((await res.clone().json()) as { csrf: string }).csrf;
    return res;
  }

  get(path: string): Promise<Response> {
    return this.request('GET', path);
  }

  post(path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<Response> {
    return this.request('POST', path, { body, headers: { 'x-csrf-token': this.csrf, ...headers } });
  }
}
