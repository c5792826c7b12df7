/**
 * Scenario 7: peak RSS of an initial backup at growing item counts, each in a child process (the peak is the
 * backup's alone, not the emulator's). Accounts are taken from the corpus until the count is reached; a count
 * below one account's size gets its own small seeded account; the whole corpus is scenario 1's gzip child.
 * Reported, not asserted. Baseline: the same child's RSS after start-up (runtime + modules, after a GC).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCorpus } from '../../src/emulator/index.js';
import { childBackup, type ChildBackupResult } from '../lib/child.js';
import { messageIds } from '../lib/mutations.js';
import type { BenchMode, BenchServer } from '../lib/setup.js';
import type { BenchRow } from '../lib/table.js';
import { note } from '../lib/timing.js';

/** Accounts whose messages add up to at least `n` (an extra account of exactly `n` when one is too many). */
async function accountsFor(server: BenchServer, mode: BenchMode, n: number): Promise<string[]> {
  const sizes = server.accounts.map((a) => [a, messageIds(server.emu, a).length] as const);
  if (n < sizes[0]![1]) {
    const extra = buildCorpus({
      ...mode.corpus,
      seed: mode.corpus.seed + n,
      domain: `mem${n}.test`,
      accounts: 1,
      messagesPerAccount: n,
    });
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

/** Runs scenario 7; `whole` is the child result of backing up the whole corpus (scenario 1, gzip). */
export async function memoryScenario(
  server: BenchServer,
  mode: BenchMode,
  scratch: string,
  whole: ChildBackupResult | undefined,
): Promise<BenchRow[]> {
  const corpusMessages = mode.corpus.accounts * mode.corpus.messagesPerAccount;
  const results: Array<ChildBackupResult & { target: number }> = [];
  for (const n of mode.memoryItems) {
    if (whole && n === corpusMessages) {
      results.push({ target: n, ...whole });
      continue;
    }
    const accounts = await accountsFor(server, mode, n);
    note(`7. memory: child backup of ${accounts.length} account(s), about ${n} messages`);
    const repo = await mkdtemp(join(scratch, 'mem-repo-'));
    try {
      results.push({ target: n, ...(await childBackup(server, accounts, repo, 'gzip')) });
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  }
  const first = results[0]!;
  const last = results[results.length - 1]!;
  return [
    {
      scenario: `7. peak RSS of a backup (${mode.memoryItems.map((n) => `${n / 1000}k`).join(' / ')} messages)`,
      ours: results.map((r) => `${(r.maxRssKb / 1024).toFixed(0)} MB @ ${r.items} items`).join(', '),
      baseline: `RSS after start-up: ${results.map((r) => `${(r.rssBeforeKb / 1024).toFixed(0)} MB`).join(', ')}`,
      ratio: last.maxRssKb / first.maxRssKb,
      ratioMeaning: `peak growth for ${(last.items / first.items).toFixed(0)}x items`,
      data: { results },
    },
  ];
}
