/**
 * Scenario 4: real-time latency. While BackupEngine.watch runs, changes (new mail and flag changes, one item
 * each) are injected at a steady rate through the emulator's mutation API; a change's latency runs from its
 * mutation on the server to the onAccountRun callback of the account run that committed it. Runs commit in
 * order and each counts the items it wrote, so the oldest pending changes of that account are the ones done.
 * Baseline: a script exporting every account in a loop (fmt=tgz) cannot do better than one export cycle.
 */
import { BackupEngine } from '../../src/backup/index.js';
import type { Repository } from '../../src/repository/repository.js';
import { benchMessage, messageIds } from '../lib/mutations.js';
import { emulatorItems, type BenchServer } from '../lib/setup.js';
import { secs, type BenchRow } from '../lib/table.js';
import { note, percentile, sleep } from '../lib/timing.js';

/** Runs scenario 4; `cycleMs` is the measured tgz export time of every account (scenario 2). */
export async function realTimeLatency(
  server: BenchServer,
  repository: Repository,
  changes: number,
  rate: number,
  cycleMs: number,
): Promise<BenchRow[]> {
  const pending = new Map<string, number[]>();
  const latencies: number[] = [];
  let injecting = false;
  const initial = new Set<string>();
  const ids = new Map<string, string>();
  for (const name of server.accounts) ids.set((await server.client.getAccount(name)).id, name);
  const engine = new BackupEngine({
    client: server.client,
    repository,
    accounts: server.accounts,
    logger: false,
    onAccountRun: (r) => {
      const now = Date.now();
      if (!injecting) {
        initial.add(r.accountId);
        return;
      }
      const q = pending.get(ids.get(r.accountId) ?? '') ?? [];
      for (const t of q.splice(0, r.itemsNew + r.itemsChanged)) latencies.push(now - t);
    },
  });
  const ac = new AbortController();
  note(`4. watch: ${changes} changes at ${rate}/s`);
  const watching = engine.watch({ signal: ac.signal });
  try {
    const deadline = Date.now() + 120_000;
    while (initial.size < server.accounts.length && Date.now() < deadline) await sleep(50);
    await sleep(500); // the WaitSet is created after the initial pass is scheduled
    injecting = true;
    const flaggable = new Map(server.accounts.map((a) => [a, messageIds(server.emu, a)]));
    const start = Date.now();
    for (let i = 0; i < changes; i++) {
      const wait = start + (i * 1000) / rate - Date.now();
      if (wait > 0) await sleep(wait);
      const account = server.accounts[i % server.accounts.length]!;
      const q = pending.get(account) ?? [];
      pending.set(account, q);
      if (i % 2 === 0)
        server.emu.deliver(account, benchMessage(`rt-${account}`, i), { folderPath: '/Inbox', flags: 'u' });
      else {
        // a distinct message each time, its flagged bit toggled, so every change is a real one
        const list = flaggable.get(account)!;
        const id = list[(Math.floor(i / server.accounts.length) * 7) % list.length]!;
        const flags = emulatorItems(server.emu, account).find((it) => it.id === id) as { flags?: string } | undefined;
        const f = flags?.flags ?? '';
        server.emu.setFlags(account, id, f.includes('f') ? f.replace('f', '') : `${f}f`);
      }
      q.push(Date.now());
    }
    const until = Date.now() + 60_000;
    while ([...pending.values()].some((q) => q.length > 0) && Date.now() < until) await sleep(50);
  } finally {
    ac.abort();
    await watching;
  }
  const lost = [...pending.values()].reduce((n, q) => n + q.length, 0);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  return [
    {
      scenario: `4. real-time latency, ${changes} changes at ${rate}/s (p50 / p99)`,
      ours: `${p50.toFixed(0)} ms / ${p99.toFixed(0)} ms${lost ? ` (${lost} not seen in 60 s)` : ''}`,
      baseline: `looped fmt=tgz export: one cycle = ${secs(cycleMs)}`,
      ratio: cycleMs / p99,
      ratioMeaning: 'lower (cycle / p99)',
      data: { p50, p99, max: Math.max(...latencies), samples: latencies.length, lost, cycleMs },
    },
  ];
}
