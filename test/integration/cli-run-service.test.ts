/**
 * `zimbra-backup run --config F` end to end, in a child process with real signals: capture
 * against the emulator while mail flows, scheduled purges inside the same process, a metrics
 * scrape, SIGHUP reloading the schedule, and SIGTERM exiting 0 with everything committed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { Journal } from '../../src/journal/journal.js';
import { checkRepository } from '../../src/maintenance/check.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { openRepository } from '../../src/repository/repository.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { prepareCli, spawnCli, type CliRunner, waitForOutput as waitFor } from '../faults/support/cli-child.js';
import { diffMailbox } from './backup-helpers.js';

let cli: CliRunner;
let emu: Emulator;
let dir: string;
beforeAll(async () => {
  cli = await prepareCli();
  emu = await startEmulator({ domain: 'example.test' });
  dir = await mkdtemp(join(tmpdir(), 'zb-run-'));
}, 60_000);
afterAll(async () => {
  await emu?.close();
  await cli?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** JSON log lines of the child so far. */
function logs(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('zimbra-backup run --config', () => {
  it('captures, purges on schedule, serves metrics, reloads on SIGHUP and stops cleanly on SIGTERM', async () => {
    const ana = emu.createAccount('ana@example.test', 'pw-ana');
    const bob = emu.createAccount('bob@example.test', 'pw-bob');
    for (let i = 0; i < 3; i++) emu.deliver(ana.name, `Subject: before ${i}\r\n\r\nx${i}\r\n`);
    const repo = join(dir, 'repo');
    const pw = join(dir, 'admin.pw');
    await writeFile(pw, `${emu.adminPassword}\n`);
    const config = join(dir, 'config.toml');
    const toml = (schedule: string): string => `
repository = "${repo}"
[server]
url = "${emu.adminUrl}"
mail-url = "${emu.url}"
admin = "${emu.adminUser}"
password-file = "${pw}"
[ldap]
disabled = true
[retention]
items = "1s"
[schedule]
${schedule}
[metrics]
listen = "127.0.0.1:0"
[log]
format = "json"
`;
    await writeFile(config, toml('purge = "every 2s"'));
    const proc = spawnCli(cli, ['run', '--config', config]);
    let stderr = '';
    proc.child.stderr?.on('data', (d: string) => (stderr += d));
    await waitFor(
      proc,
      () => stderr,
      (s) => s.includes('"capture started"'),
    );
    const url = /metrics: (http:\S+)/.exec(stderr)?.[1] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    // Mail flows for a while: deliveries, flags, moves and deletions on both accounts.
    const live: Record<string, number[]> = { [ana.name]: [], [bob.name]: [] };
    const t0 = Date.now();
    for (let i = 0; Date.now() - t0 < 5000; i++) {
      for (const a of [ana, bob]) {
        const id = emu.deliver(a.name, `Subject: flow ${i}\r\nFrom: carla@example.test\r\n\r\nbody ${i}\r\n`);
        (live[a.name] as number[]).push(id);
        if (i % 4 === 1) emu.setFlags(a.name, id, 'f');
        if (i % 3 === 2) emu.deleteItem(a.name, (live[a.name] as number[]).shift() as number);
      }
      await sleep(100);
    }
    await waitFor(
      proc,
      () => stderr,
      (s) =>
        logs(s).filter((l) => l['msg'] === 'scheduled task finished' && l['task'] === 'purge' && l['ok'] === true)
          .length >= 2,
    );

    const scrape = await (await fetch(url)).text();
    expect(scrape).toMatch(/^zimbra_backup_capture_running 1$/m);
    expect(scrape).toMatch(/^zimbra_backup_account_lag_seconds\{account="ana@example\.test",id="[^"]+"\} [\d.]+$/m);
    expect(scrape).toMatch(
      /^zimbra_backup_items_captured_total\{account="bob@example\.test",id="[^"]+",change="new"\} [1-9]\d*$/m,
    );
    expect(scrape).toMatch(/^zimbra_backup_task_last_success\{task="purge"\} 1$/m);
    expect(scrape).toMatch(/^zimbra_backup_waitset_state\{state="up"\} 1$/m);
    expect(scrape).toMatch(/^zimbra_backup_repository_blob_bytes \d+$/m);

    // SIGHUP: the schedule now also checks; an invalid file would be refused and logged.
    await writeFile(config, toml('purge = "every 2s"\ncheck = "every 1s"'));
    proc.child.kill('SIGHUP');
    await waitFor(
      proc,
      () => stderr,
      (s) => logs(s).some((l) => l['msg'] === 'scheduled task finished' && l['task'] === 'check' && l['ok'] === true),
    );

    // Last changes, then wait until they are captured and a purge ran after them.
    const last = emu.deliver(ana.name, 'Subject: last one\r\n\r\nz\r\n');
    emu.deleteItem(bob.name, (live[bob.name] as number[]).shift() as number);
    const purgesBefore = logs(stderr).filter(
      (l) => l['task'] === 'purge' && l['msg'] === 'scheduled task finished',
    ).length;
    await waitFor(
      proc,
      () => stderr,
      (s) =>
        logs(s).filter((l) => l['task'] === 'purge' && l['msg'] === 'scheduled task finished').length >=
        purgesBefore + 2,
    );
    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(logs(stderr).some((l) => l['msg'] === 'capture stopped; everything in flight committed')).toBe(true);
    expect(logs(stderr).filter((l) => l['level'] === 'error')).toEqual([]);

    // Everything committed: each journal equals its mailbox, the last message included.
    const repository = await openRepository({ backend: new LocalBackend({ root: repo }) });
    expect(await repository.locks()).toEqual([]);
    for (const a of [ana, bob]) {
      const j = await Journal.open({ backend: repository.backend, prefix: accountPrefix(a.id), readOnly: true });
      try {
        expect(diffMailbox(emu, a.name, j.current())).toEqual([]);
        if (a === ana) expect(j.current().items.has(String(last))).toBe(true);
        // Nothing kept past the retention of the last purge: no delete record, no superseded version.
        const lastPurge = logs(stderr)
          .filter((l) => l['task'] === 'purge' && l['msg'] === 'scheduled task finished')
          .at(-1) as { purge: { cutoffMs: number } };
        const cutoff = lastPurge.purge.cutoffMs;
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
  }, 120_000);
});
