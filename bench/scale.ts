/**
 * `npm run bench:scale`: the per-account and per-item costs docs/SCALE.md multiplies out to a
 * 100,000-account site. Each figure is measured here, with a baseline from the same run:
 *
 * ```text
 * S1 scheduler + account index memory at 100,000 accounts   vs a Map of the same 100,000 ids
 * S2 account index write + read at 100,000 accounts (local)  vs writeFile + readFile of the same bytes
 * S3 journal open per account (read-only, local)             vs readFile of the same segment files
 * S4 directory listing per account (SearchDirectory paging)  vs one SearchDirectory page round trip
 * S5 repository requests per captured item, real time        vs the same items in one initial pass
 * ```
 * Prints a Markdown table and writes bench/results/scale.json. Never part of `npm test`.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountScheduler } from '../src/backup/scheduler.js';
import { readAccountIndex, writeAccountIndex, type AccountIndexEntry } from '../src/repository/account-index.js';
import { BackupEngine } from '../src/backup/backup-engine.js';
import { startEmulator } from '../src/emulator/index.js';
import { Journal } from '../src/journal/journal.js';
import { accountPrefix } from '../src/repository/layout.js';
import { initRepository } from '../src/repository/repository.js';
import { ZimbraClient } from '../src/soap/zimbra-client.js';
import { LocalBackend } from '../src/store/backends/local.js';
import { MemoryBackend } from '../src/store/backends/memory.js';
import type { StorageBackend } from '../src/store/backends/backend.js';
import { markdownTable, secs, type BenchRow } from './lib/table.js';
import { note, percentile } from './lib/timing.js';

const quick = process.argv.includes('--quick');
const ACCOUNTS = 100_000;
const JOURNALS = quick ? 200 : 1000;
const DIRECTORY_ACCOUNTS = quick ? 2000 : 10_000;
const REALTIME_ITEMS = quick ? 60 : 200;
const rows: BenchRow[] = [];
const id = (i: number): string => `${(i + 0x10000000).toString(16)}-0000-4000-8000-${String(i).padStart(12, '0')}`;

function heapAfterGc(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

/** S1: what the engine keeps per account while it runs. */
async function schedulerMemory(): Promise<void> {
  const ids = Array.from({ length: ACCOUNTS }, (_, i) => id(i));
  const h0 = heapAfterGc();
  const baseline = new Map(ids.map((x) => [x, 0]));
  const h1 = heapAfterGc();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const scheduler = new AccountScheduler({ concurrency: 4, run: () => gate });
  for (const x of ids) scheduler.schedule(x, 'initial');
  const index: AccountIndexEntry[] = ids.map((x, i) => ({
    id: x,
    name: `user${i}@example.test`,
    firstSeenMs: 1,
    lastSeenMs: 2,
  }));
  const h2 = heapAfterGc();
  const perAccount = (h2 - h1) / ACCOUNTS;
  const perBaseline = (h1 - h0) / ACCOUNTS;
  rows.push({
    scenario: 'S1. scheduler + account index, bytes per account (100,000 queued)',
    ours: `${perAccount.toFixed(0)} B`,
    baseline: `Map of the ids: ${perBaseline.toFixed(0)} B`,
    ratio: perAccount / perBaseline,
    ratioMeaning: 'of the baseline',
    data: {
      accounts: ACCOUNTS,
      heapBytes: h2 - h1,
      baselineBytes: h1 - h0,
      gc: Boolean((globalThis as { gc?: unknown }).gc),
    },
  });
  release();
  await scheduler.close();
  void (baseline.size + index.length);
}

/** S2: the account index every run reads and rewrites. */
async function indexIo(dir: string): Promise<void> {
  const backend = new LocalBackend({ root: join(dir, 'index-repo') });
  const index: AccountIndexEntry[] = Array.from({ length: ACCOUNTS }, (_, i) => ({
    id: id(i),
    name: `user${i}@example.test`,
    firstSeenMs: 1_700_000_000_000,
    lastSeenMs: 1_700_000_000_000 + i,
  }));
  const t0 = performance.now();
  await writeAccountIndex(backend, index);
  const t1 = performance.now();
  const back = await readAccountIndex(backend);
  const t2 = performance.now();
  if (back.length !== ACCOUNTS) throw new Error('index round trip lost entries');
  const bytes = Buffer.from(JSON.stringify({ version: 1, accounts: index }, null, 1));
  const raw = join(dir, 'raw-index.json');
  const b0 = performance.now();
  await writeFile(raw, bytes);
  await readFile(raw);
  const b1 = performance.now();
  rows.push({
    scenario: 'S2. account index write + read, 100,000 accounts',
    ours: `${secs(t2 - t0)} (${(bytes.length / 1e6).toFixed(1)} MB)`,
    baseline: `writeFile + readFile: ${secs(b1 - b0)}`,
    ratio: (t2 - t0) / (b1 - b0),
    ratioMeaning: 'of the baseline time',
    data: { writeMs: t1 - t0, readMs: t2 - t1, bytes: bytes.length, baselineMs: b1 - b0 },
  });
}

/** S3: opening an account's journal (status, ls and restores do it per account). */
async function journalOpen(dir: string): Promise<void> {
  const root = join(dir, 'journal-repo');
  const backend = new LocalBackend({ root });
  for (let a = 0; a < JOURNALS; a++) {
    const j = await Journal.open({ backend, prefix: accountPrefix(id(a)) });
    const batch = Array.from({ length: 20 }, (_, i) => ({
      type: 'item' as const,
      kind: 'message' as const,
      id: String(300 + i),
      folderId: '2',
      digest: 'ab'.repeat(32),
      size: 4000 + i,
      modifiedSequence: i + 1,
    }));
    await j.commit(batch, { state: { token: '20' } });
    await j.close();
  }
  const times: number[] = [];
  const t0 = performance.now();
  for (let a = 0; a < JOURNALS; a++) {
    const s = performance.now();
    const j = await Journal.open({ backend, prefix: accountPrefix(id(a)), readOnly: true });
    if (j.current().items.size !== 20) throw new Error('journal lost items');
    await j.close();
    times.push(performance.now() - s);
  }
  const total = performance.now() - t0;
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }))
      if (e.isDirectory()) await walk(join(d, e.name));
      else files.push(join(d, e.name));
  };
  await walk(join(root, 'accounts'));
  const b0 = performance.now();
  for (const f of files) await readFile(f);
  const base = performance.now() - b0;
  rows.push({
    scenario: `S3. journal open per account (read-only, 20 records, ${JOURNALS} accounts)`,
    ours: `${(total / JOURNALS).toFixed(2)} ms (p50 ${percentile(times, 50).toFixed(2)}, p99 ${percentile(times, 99).toFixed(2)})`,
    baseline: `readFile of its files: ${(base / JOURNALS).toFixed(2)} ms`,
    ratio: total / base,
    ratioMeaning: 'of the baseline time',
    data: { accounts: JOURNALS, totalMs: total, baselineMs: base, files: files.length },
  });
}

/** S4: listing the directory, which every run and every watch refresh does. */
async function directoryListing(): Promise<void> {
  const emu = await startEmulator({ domain: 'scale.test' });
  try {
    for (let i = 0; i < DIRECTORY_ACCOUNTS; i++) emu.createAccount(`u${i}@scale.test`, 'pw');
    const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
    await client.authAdmin(emu.adminUser, emu.adminPassword);
    const t0 = performance.now();
    let n = 0;
    for await (const _ of client.accounts()) n++;
    const ms = performance.now() - t0;
    const p0 = performance.now();
    for await (const _ of client.accounts({ pageSize: 1 })) break;
    const page = performance.now() - p0;
    client.close();
    rows.push({
      scenario: `S4. directory listing per account (${n} accounts, pages of 500)`,
      ours: `${((ms / n) * 1000).toFixed(0)} µs`,
      baseline: `one page round trip: ${page.toFixed(1)} ms`,
      data: { accounts: n, totalMs: ms, pageMs: page },
    });
  } finally {
    await emu.close();
  }
}

/** Counts the repository requests a backend receives (what an S3 bill counts). */
function counting(inner: StorageBackend): { backend: StorageBackend; counts: Record<string, number> } {
  const counts: Record<string, number> = { put: 0, get: 0, list: 0, delete: 0, stat: 0 };
  const backend = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop === 'string' && prop in counts && typeof v === 'function')
        return (...args: unknown[]) => {
          counts[prop]!++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { backend, counts };
}

/** S5: repository requests per item, one at a time in real time vs all at once. */
async function requestsPerItem(): Promise<void> {
  const emu = await startEmulator({ domain: 'rt.test', waitSetTimeoutClamp: { maxSeconds: 2 } });
  const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
  try {
    await client.authAdmin(emu.adminUser, emu.adminPassword);
    const acct = emu.createAccount('rt@rt.test', 'pw');
    const msg = (i: number): string => `Subject: item ${i}\r\nMessage-ID: <${i}@rt>\r\n\r\nbody ${i}\r\n`;
    // baseline: the same number of items backed up in one pass
    const other = emu.createAccount('batch@rt.test', 'pw');
    for (let i = 0; i < REALTIME_ITEMS; i++) emu.deliver(other.name, msg(i));
    const batch = counting(new MemoryBackend());
    const batchRepo = await initRepository({ backend: batch.backend, compression: 'gzip' });
    for (const k of Object.keys(batch.counts)) batch.counts[k] = 0;
    await new BackupEngine({ client, repository: batchRepo, accounts: [other.name] }).run();
    const c = counting(new MemoryBackend());
    const repo = await initRepository({ backend: c.backend, compression: 'gzip' });
    const runs: number[] = [];
    const engine = new BackupEngine({
      client,
      repository: repo,
      accounts: [acct.name],
      waitSetTimeoutSeconds: 2,
      onAccountRun: (r) => runs.push(r.itemsNew),
    });
    const stop = new AbortController();
    const watching = engine.watch({ signal: stop.signal });
    const wait = async (pred: () => boolean): Promise<void> => {
      const t = Date.now();
      while (!pred()) {
        if (Date.now() - t > 30_000) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await wait(() => runs.length > 0);
    for (const k of Object.keys(c.counts)) c.counts[k] = 0;
    for (let i = 0; i < REALTIME_ITEMS; i++) {
      const before = runs.reduce((a, b) => a + b, 0);
      emu.deliver(acct.name, msg(i));
      await wait(() => runs.reduce((a, b) => a + b, 0) > before);
    }
    const rt = { ...c.counts };
    stop.abort();
    await watching;
    // metadata kept per item: the account's journal objects over the items it holds
    let journalBytes = 0;
    for await (const o of c.backend.list('accounts/')) journalBytes += o.size;
    const perItem = rt['put']! / REALTIME_ITEMS;
    const perItemBatch = batch.counts['put']! / REALTIME_ITEMS;
    rows.push({
      scenario: `S5. repository PUTs per item captured in real time (${REALTIME_ITEMS} single deliveries)`,
      ours: `${perItem.toFixed(2)} PUT, ${(rt['get']! / REALTIME_ITEMS).toFixed(2)} GET, ${(rt['list']! / REALTIME_ITEMS).toFixed(2)} LIST; journal ${(journalBytes / REALTIME_ITEMS).toFixed(0)} B/item`,
      baseline: `one pass over ${REALTIME_ITEMS} items: ${perItemBatch.toFixed(3)} PUT`,
      ratio: perItem / perItemBatch,
      ratioMeaning: 'of the baseline',
      data: {
        realTime: rt,
        batch: batch.counts,
        items: REALTIME_ITEMS,
        journalBytesPerItem: journalBytes / REALTIME_ITEMS,
      },
    });
  } finally {
    client.close();
    await emu.close();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'zb-scale-'));
const load0 = loadavg()[0]!;
const started = Date.now();
try {
  for (const [name, fn] of [
    ['S1', schedulerMemory],
    ['S2', () => indexIo(dir)],
    ['S3', () => journalOpen(dir)],
    ['S4', directoryListing],
    ['S5', requestsPerItem],
  ] as const) {
    note(`${name} ...`);
    try {
      await fn();
    } catch (err) {
      rows.push({ scenario: name, ours: `FAILED: ${String(err).slice(0, 200)}`, baseline: '-' });
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const header = `scale bench (${quick ? 'quick' : 'full'}), ${cpus().length} cores, load ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}, ${secs(Date.now() - started)}`;
process.stdout.write(`${header}\n\n${markdownTable(rows)}\n`);
await writeFile(
  join(import.meta.dirname, 'results', `scale-${quick ? 'quick' : 'full'}.json`),
  `${JSON.stringify({ header, rows }, null, 1)}\n`,
);
