/**
 * `zimbra-backup watch` (the real CLI, in a child process) against a mailbox server that dies
 * (issue #15): it keeps retrying with visible warnings on stderr, `status` shows the lag growing,
 * mail delivered while it was down is caught up when it returns and SIGINT then exits 0 with a
 * summary counting accounts (not account runs); with `--max-downtime` it gives up with a clear
 * message and a non-zero exit. No `MaxListenersExceededWarning` on the way (run-signal.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { Journal } from '../../src/journal/journal.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import {
  prepareCli,
  runCli,
  spawnCli,
  type CliProcess,
  type CliRunner,
  waitForOutput,
} from '../faults/support/cli-child.js';
import { serverArgs, writePasswordFile } from '../helpers/cli.js';

let cli: CliRunner;
let dir: string;
beforeAll(async () => {
  cli = await prepareCli();
  dir = await mkdtemp(join(tmpdir(), 'zb-downtime-'));
}, 60_000);
afterAll(async () => {
  await cli?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const waitFor = (proc: CliProcess, read: () => string, pred: (s: string) => boolean, ms = 40_000) =>
  waitForOutput(proc, read, pred, ms);

async function until(pred: () => Promise<boolean>, ms = 40_000): Promise<void> {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await sleep(100);
  }
}

async function setup(name: string, accounts: number) {
  const emu = await startEmulator({ domain: 'example.test' });
  const users = Array.from({ length: accounts }, (_, i) => emu.createAccount(`u${i}@example.test`, 'pw'));
  for (const u of users) for (let i = 0; i < 5; i++) emu.deliver(u.name, `Subject: before ${i}\r\n\r\nx${i}\r\n`);
  const repo = join(dir, name);
  const pw = join(dir, `${name}.pw`);
  await writePasswordFile(pw, emu.adminPassword);
  const args = ['--repo', repo, ...serverArgs(emu, pw), '--no-directory'];
  return { emu, users, repo, args, server: emu.servers()[0]!.name };
}

async function has(repo: string, accountId: string, itemId: number): Promise<boolean> {
  const j = await Journal.open({
    backend: new LocalBackend({ root: repo }),
    prefix: accountPrefix(accountId),
    readOnly: true,
  }).catch(() => undefined);
  if (!j) return false;
  try {
    return j.current().items.has(String(itemId));
  } finally {
    await j.close();
  }
}

async function lagOf(repo: string, account: string): Promise<number | undefined> {
  const r = await runCli(cli, ['status', '--repo', repo, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const s = JSON.parse(r.stdout) as { accounts: Array<{ name: string; lagMs?: number }> };
  return s.accounts.find((a) => a.name === account)?.lagMs;
}

describe('watch against a server that dies', () => {
  it('warns, shows lag growing in status, catches up when it returns, exits 0 on SIGINT', async () => {
    const { emu, users, repo, args, server } = await setup('retry', 5);
    let proc: CliProcess | undefined;
    try {
      proc = spawnCli(cli, ['watch', ...args, '--concurrency', '4', '--item-concurrency', '8']);
      let stderr = '';
      proc.child.stderr?.on('data', (d: string) => (stderr += d));
      const p = proc;
      await waitFor(
        p,
        () => stderr,
        (s) => s.includes('capture started'),
      );
      // Mail flows on every account for a while (the peak of concurrent requests is what warned).
      const last = new Map<string, number>();
      for (let i = 0; i < 15; i++) {
        for (const u of users) last.set(u.id, emu.deliver(u.name, `Subject: flow ${i}\r\n\r\nbody ${i}\r\n`));
        await sleep(60);
      }
      await until(async () => {
        for (const u of users) if (!(await has(repo, u.id, last.get(u.id)!))) return false;
        return true;
      });

      await emu.stopServer(server);
      await waitFor(
        p,
        () => stderr,
        (s) => s.includes('mailbox server unreachable'),
      );
      // The warning names the server, on stderr, while the process goes on.
      expect(stderr).toMatch(new RegExp(`WARN mailbox server unreachable.*server=${server.replace(/\./g, '\\.')}`));
      const lag1 = await lagOf(repo, users[0]!.name);
      await sleep(1500);
      const lag2 = await lagOf(repo, users[0]!.name);
      expect(lag1).toBeGreaterThan(0);
      expect(lag2).toBeGreaterThan(lag1! + 1000);
      expect(proc.child.exitCode).toBeNull();

      // Mail that arrives while the backup cannot see the server is caught up when it returns.
      const missed = emu.deliver(users[1]!.name, 'Subject: while down\r\n\r\nmissed?\r\n');
      await emu.startServer(server);
      await waitFor(
        p,
        () => stderr,
        (s) => s.includes('mailbox server answers again'),
      );
      await until(() => has(repo, users[1]!.id, missed));
      const after = emu.deliver(users[2]!.name, 'Subject: after\r\n\r\nback\r\n');
      await until(() => has(repo, users[2]!.id, after));

      proc.child.kill('SIGINT');
      const exit = await proc.exited;
      expect(exit.code, exit.stderr).toBe(0);
      // Accounts, not account runs: the 5 users and the admin, however often each ran.
      expect(exit.stdout).toMatch(/^accounts 6: /m);
      expect(exit.stderr).not.toContain('MaxListenersExceededWarning');
    } finally {
      if (proc && proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await emu.close();
    }
  }, 120_000);

  it('gives up with a clear message and a non-zero exit after --max-downtime', async () => {
    const { emu, repo, args, server, users } = await setup('give-up', 2);
    let proc: CliProcess | undefined;
    try {
      proc = spawnCli(cli, ['watch', ...args, '--max-downtime', '3s']);
      let stderr = '';
      proc.child.stderr?.on('data', (d: string) => (stderr += d));
      const p = proc;
      await waitFor(
        p,
        () => stderr,
        (s) => s.includes('capture started'),
      );
      const id = emu.deliver(users[0]!.name, 'Subject: live\r\n\r\nx\r\n');
      await until(() => has(repo, users[0]!.id, id));
      const stopped = Date.now();
      await emu.stopServer(server);
      const exit = await proc.exited;
      // Not before the limit: it retried for at least 3 s first.
      expect(Date.now() - stopped).toBeGreaterThanOrEqual(3000);
      expect(exit.code).toBe(1);
      expect(exit.stderr).toMatch(
        new RegExp(
          `ZB_TRANSPORT: mailbox server ${server.replace(/\./g, '\\.')} has been unreachable for \\d+ s, longer than --max-downtime \\(3 s\\)`,
        ),
      );
      expect(exit.stderr).toContain('mailbox server unreachable');
      // The lock is released: a later run can start.
      const st = await runCli(cli, ['status', '--repo', repo, '--json']);
      expect(st.code, st.stderr).toBe(0);
    } finally {
      if (proc && proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await emu.close();
    }
  }, 90_000);

  it('refuses a --max-downtime without a unit', async () => {
    const r = await runCli(cli, [
      'watch',
      '--repo',
      join(dir, 'x'),
      '--server',
      'http://127.0.0.1:1',
      '--admin',
      'a',
      '--max-downtime',
      '5',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-downtime "5": a number needs a unit/);
  });
});
