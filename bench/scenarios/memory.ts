/**
 * Scenario 7: peak RSS of an initial backup at growing item counts, each in a child process (so the peak is the
 * backup's alone, not the emulator's or the other scenarios'). Accounts are taken from the corpus until the
 * count is reached; a count below one account's size gets its own small seeded account. Reported, not asserted.
 * Baseline: the same child's RSS right after start-up (runtime + modules), so the row shows what the backup adds.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildCorpus } from '../../src/emulator/index.js';
import type { BenchMode, BenchServer } from '../lib/setup.js';
import { messageIds } from '../lib/mutations.js';
import type { BenchRow } from '../lib/table.js';
import { note } from '../lib/timing.js';

const run = promisify(execFile);
const MAIN_DIR = fileURLToPath(new URL('../..', import.meta.url));

interface ChildResult { items: number; bytes: number; failures: number; ms: number; rssBeforeKb: number; maxRssBeforeKb: number; maxRssKb: number }

/** Accounts whose messages add up to at least `n` (an extra account of exactly `n` when one is too many). */
async function accountsFor(server: BenchServer, mode: BenchMode, n: number): Promise<string[]> {
  const sizes = server.accounts.map((a) => [a, messageIds(server.emu, a).length] as const);
  if (n < sizes[0]![1]) {
    const extra = buildCorpus({ ...mode.corpus, seed: mode.corpus.seed + n, domain: `mem${n}.test`, accounts: 1, messagesPerAccount: n });
    await server.emu.seed(extra);
    return extra.accounts.map((a) => a.name);
  }
  const out: string[] = [];
  let total = 0;
  for (const [a, c] of sizes) {
    if (total >= n) break;
    out.push(a);
    total += c;
  }
  return out;
}

/** Runs one child backup. */
async function child(server: BenchServer, accounts: string[], scratch: string): Promise<ChildResult> {
  const repo = await mkdtemp(join(scratch, 'mem-repo-'));
  try {
    const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/child-backup.ts'], {
      cwd: MAIN_DIR,
      env: {
        ...process.env,
        ZB_BENCH_URL: server.emu.url,
        ZB_BENCH_ADMIN_URL: server.emu.adminUrl,
        ZB_BENCH_ADMIN_USER: server.emu.adminUser,
        ZB_BENCH_ADMIN_PASSWORD: server.emu.adminPassword,
        ZB_BENCH_ACCOUNTS: accounts.join(','),
        ZB_BENCH_REPO: repo,
      },
      maxBuffer: 1024 * 1024,
      timeout: 30 * 60_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
  } finally {
    await rm(repo, { recursive: true, force: true });
  }
}

/** Runs scenario 7. */
export async function memoryScenario(server: BenchServer, mode: BenchMode, scratch: string): Promise<BenchRow[]> {
  const results: Array<ChildResult & { target: number }> = [];
  for (const n of mode.memoryItems) {
    const accounts = await accountsFor(server, mode, n);
    note(`7. memory: child backup of ${accounts.length} account(s), about ${n} messages`);
    results.push({ target: n, ...(await child(server, accounts, scratch)) });
  }
  const peaks = results.map((r) => `${(r.maxRssKb / 1024).toFixed(0)} MB @ ${r.items} items`).join(', ');
  const base = results.map((r) => `${(r.rssBeforeKb / 1024).toFixed(0)} MB`).join(', ');
  const first = results[0]!;
  const last = results[results.length - 1]!;
  return [{
    scenario: `7. peak RSS of a backup (${mode.memoryItems.join(' / ')} messages)`,
    ours: peaks,
    baseline: `RSS after start-up: ${base}`,
    ratio: last.maxRssKb / first.maxRssKb,
    ratioMeaning: `peak growth for ${(last.items / first.items).toFixed(0)}x items`,
    data: { results },
  }];
}
