/** Progress with totals and an estimate: the trackers, and `--progress json` line streams of backup, check and purge. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupProgressTracker, formatProgress, PhaseProgressTracker } from '../../src/cli/progress-line.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runMain, serverArgs, writePasswordFile } from '../helpers/cli.js';

let emu: Emulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator({ domain: 'example.test' });
  for (let a = 0; a < 3; a++) {
    emu.createAccount(`p${a}@example.test`, 'pw');
    for (let i = 0; i < 5; i++)
      emu.deliver(`p${a}@example.test`, `Subject: m${i}\r\n\r\n${'x'.repeat(2000)} ${a} ${i}\r\n`);
  }
  dir = await mkdtemp(join(tmpdir(), 'zb-progress-'));
  await writePasswordFile(join(dir, 'pw'), emu.adminPassword);
});
afterAll(async () => {
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]) {
  const { code, out, err } = await runMain(args);
  const progress = err
    .split('\n')
    .filter((l) => l.startsWith('{"progress"'))
    .map((l) => (JSON.parse(l) as { progress: Record<string, unknown> }).progress);
  return { code, out, err, progress };
}

describe('progress', () => {
  it('the backup tracker sums accounts, derives MB/s and an ETA from the fraction done', () => {
    let t = 0;
    const tr = new BackupProgressTracker(() => t);
    tr.update({ phase: 'accounts', loaded: 0, total: 4, unit: 'accounts' });
    t = 10_000;
    tr.update({ phase: 'download', accountId: 'a', loaded: 50, unit: 'items', items: 50, total: 100, bytes: 5e6 });
    tr.update({ phase: 'accounts', accountId: 'a', loaded: 1, total: 4, unit: 'accounts' });
    tr.update({ phase: 'download', accountId: 'b', loaded: 50, unit: 'items', items: 50, total: 100, bytes: 5e6 });
    const s = tr.snapshot();
    // Done: account a (1) plus half of b: 1.5 of 4 in 10 s -> 25/1.5*... = 10 * 2.5 / 1.5 s left.
    expect(s).toMatchObject({ accounts: { done: 1, total: 4 }, items: 100, bytes: 1e7, mbPerS: 1, etaS: 17 });
    expect(formatProgress(s)).toBe('download  accounts 1/4  items 100  10.0 MB  1.0 MB/s  ETA 17s');
    const p = new PhaseProgressTracker(() => t);
    p.update({ phase: 'blobs', loaded: 0, total: 100 });
    t += 30_000;
    p.update({ phase: 'blobs', loaded: 25, total: 100, bytes: 3e7 });
    expect(p.snapshot()).toMatchObject({ phase: 'blobs', loaded: 25, total: 100, etaS: 90, mbPerS: 1 });
  });

  it('backup, check and purge --progress json print JSON lines ending with the totals', async () => {
    const repo = join(dir, 'repo');
    const server = serverArgs(emu, join(dir, 'pw'));
    const b = await cli([
      'backup',
      '--repo',
      repo,
      ...server,
      '--no-directory',
      '--concurrency',
      '1',
      '--progress',
      'json',
    ]);
    expect(b.code, b.err).toBe(0);
    const last = b.progress.at(-1) as { accounts: { done: number; total: number }; items: number; etaS: number };
    expect(last.accounts.done).toBe(last.accounts.total);
    expect(last.accounts.total).toBeGreaterThanOrEqual(3); // the three users and the admin
    expect(last.items).toBeGreaterThanOrEqual(15);
    expect(last.etaS).toBe(0);
    const c = await cli(['check', '--repo', repo, '--full', '--progress', 'json']);
    expect(c.code, c.err).toBe(0);
    // Lines are throttled to one per 200 ms plus the last; a small check may print only the last.
    expect(c.progress.at(-1)).toMatchObject({ loaded: expect.any(Number), elapsedS: expect.any(Number) });
    const p = await cli(['purge', '--repo', repo, '--retention', '30d', '--progress', 'json']);
    expect(p.code, p.err).toBe(0);
    expect(p.progress.length).toBeGreaterThan(0);
    const bad = await cli(['check', '--repo', repo, '--progress', 'loud']);
    expect(bad.code).toBe(2);
  });
});
