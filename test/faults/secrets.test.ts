import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { main } from '../../src/cli/main.js';
import { buildCorpus, startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { Logger } from '../../src/internal/logger.js';
import { initRepository, openRepository } from '../../src/repository/repository.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { RetryBackend } from '../../src/store/backends/retry.js';
import { FaultyBackend } from '../../src/testing/faulty-backend.js';
import { prepareCli, runCli, type CliRunner } from './support/cli-child.js';
import { startHostileProxy, walk, type HostileProxy } from './support/hostile-proxy.js';

// Secrets never leave the process in logs, errors or CLI output (STYLE.md "Options"; issue 7
// "Secrets"). Every log line, error (message, toJSON, String, cause chain) and CLI stdout/stderr
// produced below is collected, then scanned for every password used and every auth token the
// server actually issued (captured on the wire by a pass-through proxy, not guessed).
const seen: string[] = [];
const tokens = new Set<string>();
let emu: Emulator;
let mailProxy: HostileProxy;
let adminProxy: HostileProxy;
let dir: string;
let cli: CliRunner;
const USER_PASSWORD = 'Us3r-Secret-pw!';
const WRONG_PASSWORD = 'Wr0ng-Guess-pw?';

const logger: Logger = {
  debug: (o, m) => seen.push(`${JSON.stringify(o)} ${m ?? ''}`),
  info: (o, m) => seen.push(`${JSON.stringify(o)} ${m ?? ''}`),
  warn: (o, m) => seen.push(`${JSON.stringify(o)} ${m ?? ''}`),
  error: (o, m) => seen.push(`${JSON.stringify(o)} ${m ?? ''}`),
};

/** Every string view of an error, down its cause chain. */
function collectError(err: unknown): void {
  for (
    let e = err, depth = 0;
    e !== undefined && e !== null && depth < 10;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    seen.push(String(e));
    if (e instanceof Error) seen.push(e.message, e.stack ?? '');
    try {
      seen.push(JSON.stringify(e));
    } catch {
      // circular: String() above is what a logger would print
    }
    const json = (e as { toJSON?: () => unknown }).toJSON;
    if (typeof json === 'function') seen.push(JSON.stringify(json.call(e)));
  }
}

async function cliInProcess(args: string[], env: Record<string, string> = {}): Promise<number> {
  const code = await main(args, { out: (t) => seen.push(t), err: (t) => seen.push(t), env, tty: false });
  seen.push(`exit ${code}`);
  return code;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zb-secrets-'));
  emu = await startEmulator({ domain: 'secret.test', logger });
  await emu.seed(
    buildCorpus({
      seed: 9,
      accounts: 1,
      messagesPerAccount: 8,
      domain: 'secret.test',
      spamAssassinDir: null,
      contactsPerAccount: 1,
      calendarPerAccount: 1,
      documentsPerAccount: 1,
    }),
  );
  emu.createAccount('holder@secret.test', USER_PASSWORD);
  emu.deliver('holder@secret.test', 'Subject: s\r\n\r\nx\r\n');
  const record = (body: Record<string, unknown>): unknown => {
    walk(body, (o) => {
      const t = o['authToken'];
      if (Array.isArray(t))
        for (const x of t as Array<{ _content?: unknown }>) if (typeof x._content === 'string') tokens.add(x._content);
      if (typeof t === 'string') tokens.add(t);
    });
    return body;
  };
  mailProxy = await startHostileProxy(emu.url);
  adminProxy = await startHostileProxy(emu.adminUrl);
  mailProxy.rewrites.set('*', record);
  adminProxy.rewrites.set('*', record);
  cli = await prepareCli();
});

afterAll(async () => {
  await cli?.dispose();
  await mailProxy?.close();
  await adminProxy?.close();
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('secrets stay out of logs, errors and CLI output', () => {
  it('runs representative operations, then finds no password or token in anything they printed', async () => {
    const repoDir = join(dir, 'repo');
    const goodPw = join(dir, 'good-pw');
    const badPw = join(dir, 'bad-pw');
    await writeFile(goodPw, `${emu.adminPassword}\n`);
    await writeFile(badPw, `${WRONG_PASSWORD}\n`);
    const server = ['--server', adminProxy.url, '--mail-url', mailProxy.url, '--admin', emu.adminUser];

    // 1. Library: a wrong password, then the right one; user auth too.
    const client = new ZimbraClient({
      url: mailProxy.url,
      adminUrl: adminProxy.url,
      logger,
      retries: 2,
      retryBaseDelayMs: 5,
    });
    await client.authAdmin(emu.adminUser, WRONG_PASSWORD).catch(collectError);
    await client.authAdmin(emu.adminUser, emu.adminPassword);
    const userClient = new ZimbraClient({ url: mailProxy.url, logger });
    await userClient.authUser('holder@secret.test', USER_PASSWORD);
    await userClient.authUser('holder@secret.test', WRONG_PASSWORD).catch(collectError);
    userClient.close();
    seen.push(JSON.stringify(client), String(client));

    // 2. A backup under faults (expired auth forces renewals, 503s and resets force retries), logged.
    const faulty = new FaultyBackend(new LocalBackend({ root: repoDir }), { put: { key: /^blobs\//, times: 2 } });
    const repo = await initRepository({
      backend: new RetryBackend(faulty, { minDelayMs: 1, maxDelayMs: 5, logger }),
      logger,
    });
    emu.faults.inject({ match: { request: 'SyncRequest' }, expireAuth: true, times: 2 });
    emu.faults.inject({ match: { path: /^\/service\/home\// }, expireAuth: true, times: 2 });
    emu.faults.inject({ match: { path: /^\/service\/home\// }, status: 503, times: 2 });
    emu.faults.inject({
      match: { request: 'GetMsgMetadataRequest' },
      fault: { code: 'service.FAILURE', reason: 'boom' },
      times: 1,
    });
    const r = await new BackupEngine({
      client,
      repository: repo,
      logger,
      onProgress: (p) => seen.push(JSON.stringify(p)),
    }).run();
    seen.push(JSON.stringify(r));
    // Deleting the lock mid-run is not needed here; a held lock error is collected below.
    client.close();

    // 3. CLI in-process: wrong password file, right one, env password, JSON errors.
    await cliInProcess(['backup', '--repo', repoDir, ...server, '--password-file', badPw, '--json']);
    await cliInProcess(['backup', '--repo', repoDir, ...server, '--password-file', badPw]);
    expect(await cliInProcess(['backup', '--repo', repoDir, ...server, '--password-file', goodPw, '--json'])).toBe(0);
    await cliInProcess(['backup', '--repo', repoDir, ...server, '--json'], { ZB_ADMIN_PASSWORD: WRONG_PASSWORD });
    await cliInProcess(['status', '--repo', repoDir, '--json']);
    await cliInProcess([
      'backup',
      '--repo',
      join(dir, 'missing', 'nothing-here'),
      ...server.slice(0, 4),
      '--password-file',
      badPw,
      '--json',
    ]);

    // 4. The real CLI in a child process (argv has no password; env and files do).
    for (const [env, pwArgs] of [
      [{ ZB_ADMIN_PASSWORD: emu.adminPassword }, []],
      [{}, ['--password-file', badPw]],
    ] as const) {
      const out = await runCli(cli, ['backup', '--repo', repoDir, ...server, ...pwArgs, '--json'], env);
      seen.push(out.stdout, out.stderr);
    }

    // 5. Errors the repository layer raises with a lock held by someone else.
    const lock = await (
      await openRepository({ backend: new LocalBackend({ root: repoDir }) })
    ).lock({ owner: 'secrets-test' });
    await cliInProcess(['backup', '--repo', repoDir, ...server, '--password-file', goodPw, '--json']);
    await lock.release();

    // The scan: every token the server issued, every password (raw and URL-encoded).
    expect(tokens.size).toBeGreaterThanOrEqual(3); // admin, renewals, user
    expect(seen.length).toBeGreaterThan(20);
    const secrets = [emu.adminPassword, USER_PASSWORD, WRONG_PASSWORD, ...tokens];
    const haystack = seen.join('\n');
    const leaks: string[] = [];
    for (const s of secrets) {
      for (const form of new Set([s, encodeURIComponent(s)])) {
        const at = haystack.indexOf(form);
        if (at >= 0)
          leaks.push(
            `${form.slice(0, 6)}… found near: ${haystack.slice(Math.max(0, at - 80), at).replace(/\s+/g, ' ')}`,
          );
      }
    }
    expect(leaks).toEqual([]);
  });
});
