/**
 * Restore latency through the emulator on loopback: single-item restore (restoreItems with one
 * id: journal open + plan + blob read + upload + AddMsg) as p50/p95/max over many samples, and an
 * undelete of 1,000 messages (wall time, items/s). Run: `npx tsx bench/restore-latency.ts [--quick]`.
 * The single-item numbers include the duplicate check of the target folder: a real server answers
 * it from its index (`msgid:`), the emulator ignores that term and lists the whole folder (~500
 * messages here), so this measures the slow path. Numbers depend heavily on machine load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupEngine } from '../src/backup/backup-engine.js';
import { startEmulator } from '../src/emulator/index.js';
import { initRepository } from '../src/repository/index.js';
import { restoreItems, undelete } from '../src/restore/index.js';
import { ZimbraClient } from '../src/soap/zimbra-client.js';
import { LocalBackend } from '../src/store/backends/local.js';

const quick = process.argv.includes('--quick');
const SAMPLES = quick ? 10 : 40;
const UNDELETE = quick ? 200 : 1000;

function message(i: number): string {
  const body = `Line ${i} of a generated message for the restore benchmark.\r\n`.repeat(20 + (i % 60));
  return `From: sender${i % 17}@example.test\r\nTo: bench@example.test\r\nSubject: bench message ${i}\r\nMessage-ID: <bench-${i}@example.test>\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\n${body}`;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const dir = await mkdtemp(join(tmpdir(), 'zb-bench-restore-'));
const emu = await startEmulator({ domain: 'example.test' });
const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
try {
  await client.authAdmin(emu.adminUser, emu.adminPassword);
  const repository = await initRepository({
    backend: new LocalBackend({ root: join(dir, 'repo') }),
    compression: 'gzip',
  });
  const user = 'bench@example.test';
  emu.createAccount(user, 'pw-bench');
  const ids: number[] = [];
  for (let i = 0; i < UNDELETE + SAMPLES; i++)
    ids.push(emu.deliver(user, message(i), { folderPath: i % 2 ? '/Inbox' : '/Inbox/Archive' }));
  const engine = new BackupEngine({ client, repository });
  await engine.run();

  // Single items: delete SAMPLES messages, back up, restore them one call each.
  const singles = ids.slice(UNDELETE);
  for (const id of singles) emu.deleteItem(user, id);
  await engine.run();
  const lat: number[] = [];
  for (const id of singles) {
    const t0 = performance.now();
    const r = await restoreItems({ repository, client, account: user, ids: [String(id)] });
    lat.push(performance.now() - t0);
    if (r.counts.message.restored !== 1) throw new Error(`item ${id} not restored: ${JSON.stringify(r.failures)}`);
  }
  lat.sort((a, b) => a - b);

  // Undelete: UNDELETE messages deleted in one window.
  const from = Date.now();
  for (const id of ids.slice(0, UNDELETE)) emu.deleteItem(user, id);
  await engine.run();
  const t0 = performance.now();
  const u = await undelete({ repository, client, account: user, from, to: Date.now(), concurrency: 8 });
  const undeleteMs = performance.now() - t0;
  if (u.counts.message.restored !== UNDELETE)
    throw new Error(
      `undelete restored ${u.counts.message.restored} of ${UNDELETE}: ${JSON.stringify(u.failures.slice(0, 3))}`,
    );

  console.log('| measure | value |');
  console.log('|---|---|');
  console.log(`| single-item restore p50 (n=${SAMPLES}) | ${pct(lat, 50).toFixed(1)} ms |`);
  console.log(`| single-item restore p95 | ${pct(lat, 95).toFixed(1)} ms |`);
  console.log(`| single-item restore max | ${lat[lat.length - 1]!.toFixed(1)} ms |`);
  console.log(
    `| undelete of ${UNDELETE} messages | ${undeleteMs.toFixed(0)} ms (${((UNDELETE / undeleteMs) * 1000).toFixed(0)} items/s, ${(u.bytes / 1024 / 1024).toFixed(1)} MiB) |`,
  );
} finally {
  client.close();
  await emu.close();
  await rm(dir, { recursive: true, force: true });
}
