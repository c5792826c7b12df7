/**
 * `purge` in a separate process while `watch` captures (issue #15, "Capture and retention
 * together"): the watch holds the writer lock, so the purge asks it to run the purge inside its
 * lock (repository/task-requests.ts, daemon/request-server.ts, cli/delegate.ts) instead of
 * failing with ZB_LOCK_HELD. Mail flows all along; afterwards nothing is lost (every journal
 * equals its mailbox, the last changes included) and nothing is kept that the retention of the
 * last purge should have dropped. `backup --full` is handed over the same way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { Journal } from '../../src/journal/journal.js';
import { checkRepository } from '../../src/maintenance/check.js';
import type { PurgeResult } from '../../src/maintenance/purge.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { openRepository } from '../../src/repository/repository.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { prepareCli, runCli, spawnCli, type CliRunner, waitForOutput as waitFor } from '../faults/support/cli-child.js';
import { diffMailbox } from './backup-helpers.js';
import { serverArgs, writePasswordFile } from '../helpers/cli.js';

let cli: CliRunner;
let emu: Emulator;
let dir: string;
beforeAll(async () => {
  cli = await prepareCli();
  emu = await startEmulator({ domain: 'example.test' });
  dir = await mkdtemp(join(tmpdir(), 'zb-purge-watch-'));
}, 60_000);
afterAll(async () => {
  await emu?.close();
  await cli?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function has(repo: string, accountId: string, itemId: number, present = true): Promise<boolean> {
  const j = await Journal.open({
    backend: new LocalBackend({ root: repo }),
    prefix: accountPrefix(accountId),
    readOnly: true,
  });
  try {
    return j.current().items.has(String(itemId)) === present;
  } finally {
    await j.close();
  }
}

describe('purge from another process beside a running watch', () => {
  it('is run by the watch; mail flowing meanwhile is all captured and retention holds', async () => {
    const ana = emu.createAccount('ana@example.test', 'pw-ana');
    const bob = emu.createAccount('bob@example.test', 'pw-bob');
    for (let i = 0; i < 3; i++) emu.deliver(ana.name, `Subject: before ${i}\r\n\r\nx${i}\r\n`);
    const repo = join(dir, 'repo');
    const pw = join(dir, 'admin.pw');
    await writePasswordFile(pw, emu.adminPassword);
    const server = serverArgs(emu, pw);
    const proc = spawnCli(cli, ['watch', '--repo', repo, ...server, '--no-directory', '--log-format', 'json']);
    let stderr = '';
    proc.child.stderr?.on('data', (d: string) => (stderr += d));
    try {
      await waitFor(
        proc,
        () => stderr,
        (s) => s.includes('"capture started"'),
      );
      const purge = () => runCli(cli, ['purge', '--repo', repo, '--retention', '1s', '--force', '--json']);

      // Mail flows for a while (deliveries, flags, deletions) while separate purges run.
      const live: Record<string, number[]> = { [ana.name]: [], [bob.name]: [] };
      const purges: Array<ReturnType<typeof purge>> = [];
      const t0 = Date.now();
      for (let i = 0; Date.now() - t0 < 6000; i++) {
        for (const a of [ana, bob]) {
          const id = emu.deliver(a.name, `Subject: flow ${i}\r\nFrom: carla@example.test\r\n\r\nbody ${i}\r\n`);
          live[a.name]!.push(id);
          if (i % 4 === 1) emu.setFlags(a.name, id, 'f');
          if (i % 3 === 2) emu.deleteItem(a.name, live[a.name]!.shift()!);
        }
        if (i === 10 || i === 30) purges.push(purge());
        await sleep(100);
      }
      let removed = 0;
      for (const p of await Promise.all(purges)) {
        expect(p.code, p.stderr).toBe(0);
        expect(p.stderr).toContain('asked it to run the purge');
        const r = JSON.parse(p.stdout) as PurgeResult;
        expect(r.dryRun).toBe(false);
        expect(r.cutoffMs).toBeGreaterThan(0);
        removed += r.deletesRemoved + r.versionsRemoved;
      }

      // Last changes, captured; then a last purge from outside.
      const last = emu.deliver(ana.name, 'Subject: last one\r\n\r\nz\r\n');
      const gone = live[bob.name]!.shift()!;
      emu.deleteItem(bob.name, gone);
      const until = async (pred: () => Promise<boolean>) => {
        const start = Date.now();
        while (!(await pred())) {
          if (Date.now() - start > 30_000) throw new Error(`not captured; stderr:\n${stderr}`);
          await sleep(100);
        }
      };
      await until(() => has(repo, ana.id, last));
      await until(() => has(repo, bob.id, gone, false));
      await sleep(1500); // older than the retention of 1 s
      const final = await purge();
      expect(final.code, final.stderr).toBe(0);
      const finalResult = JSON.parse(final.stdout) as PurgeResult;
      const cutoff = finalResult.cutoffMs!;
      removed += finalResult.deletesRemoved + finalResult.versionsRemoved;
      // Retention did drop history (deletions and superseded versions of the flow).
      expect(removed).toBeGreaterThan(0);
      expect(cutoff).toBeGreaterThan(0);
      // backup --full (SmartScan) is handed over the same way (check --repair too, when it finds
      // damage: a healthy repository needs no lock, so it is not handed over here).
      const repair = await runCli(cli, ['check', '--repo', repo, '--repair', '--json']);
      expect(repair.code, repair.stderr).toBe(0);
      expect((JSON.parse(repair.stdout) as { errors: number }).errors).toBe(0);
      const scan = await runCli(cli, ['backup', '--repo', repo, ...server, '--no-directory', '--full']);
      expect(scan.code, scan.stderr).toBe(0);
      expect(scan.stdout).toContain('SmartScan done by the capturing process');
      const logs = stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logs.filter((l) => l['msg'] === 'running a task another process asked for').map((l) => l['task'])).toEqual(
        ['purge', 'purge', 'purge', 'smartscan'],
      );

      proc.child.kill('SIGTERM');
      const exit = await proc.exited;
      expect(exit.code, exit.stderr).toBe(0);

      // Nothing lost: each journal equals its mailbox. Nothing kept past the last purge's cutoff.
      const repository = await openRepository({ backend: new LocalBackend({ root: repo }) });
      expect(await repository.locks()).toEqual([]);
      for (const a of [ana, bob]) {
        const j = await Journal.open({ backend: repository.backend, prefix: accountPrefix(a.id), readOnly: true });
        try {
          expect(diffMailbox(emu, a.name, j.current())).toEqual([]);
          const atCutoff = await j.stateAt(cutoff);
          for await (const r of j.records()) {
            if (r.captureMs > cutoff) continue;
            expect(r.type).not.toBe('delete');
            if (r.type === 'item') expect(atCutoff.items.get(r.id)?.captureMs).toBe(r.captureMs);
          }
        } finally {
          await j.close();
        }
      }
      const check = await checkRepository({ repository, full: true });
      expect(check.errors).toBe(0);
      // The request objects are gone.
      const left: string[] = [];
      for await (const o of repository.backend.list('requests/')) left.push(o.key);
      expect(left).toEqual([]);
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    }
  }, 150_000);
});
