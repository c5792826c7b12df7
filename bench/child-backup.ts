/**
 * Child process of scenarios 1 and 7: one initial backup of the given accounts from a running emulator into a
 * new LocalBackend repository (fsync on), then one JSON line with its timing and peak RSS. Running the backup
 * in its own process keeps the emulator's memory and CPU out of its figures (the server is another machine in
 * production). Started by bench/run.ts as `node --expose-gc --import tsx bench/child-backup.ts`, with the
 * connection in the environment (the password never in argv): ZB_BENCH_URL, ZB_BENCH_ADMIN_URL,
 * ZB_BENCH_ADMIN_USER, ZB_BENCH_ADMIN_PASSWORD, ZB_BENCH_ACCOUNTS (comma list), ZB_BENCH_REPO (an empty
 * directory, kept), ZB_BENCH_COMPRESSION (none | gzip, default gzip), ZB_BENCH_BULK (`0`: one GET per message
 * instead of the fmt=tar bulk download, for before/after comparisons). Profiling (bench/profile-memory.ts):
 * ZB_BENCH_MEM_TRACE (a file: one JSON line per 100 ms with `process.memoryUsage()` and the V8 heap limits),
 * ZB_BENCH_HEAP_SNAPSHOT (a directory: one heap snapshot once the array buffers pass ZB_BENCH_HEAP_SNAPSHOT_MB), ZB_BENCH_MEM_GC=1 (a
 * full GC before each sample: the trace then shows live memory, not garbage; it slows the backup).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { BackupEngine } from '../src/backup/index.js';
import { initRepository } from '../src/repository/repository.js';
import { ZimbraClient } from '../src/soap/zimbra-client.js';
import { LocalBackend } from '../src/store/backends/local.js';

/** What the child prints. */
export interface ChildBackupResult {
  items: number;
  bytesDownloaded: number;
  bytesStored: number;
  failures: number;
  ms: number;
  cpuMs: number;
  /** RSS after start-up and a GC, before the backup (KiB). */
  rssBeforeKb: number;
  /**
   * Peak RSS of this process (KiB): VmHWM from /proc/self/status on Linux. Not `resourceUsage().maxRSS`, which
   * Linux carries over from the parent across fork + exec (it reported the emulator's 1.1 GB for a 13 MB backup).
   */
  maxRssKb: number;
  /** `process.resourceUsage().maxRSS`, kept for comparison (KiB; see above). */
  ruMaxRssKb: number;
}

/** VmHWM (peak resident set of this process image) in KiB, or undefined off Linux. */
function vmHwmKb(): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

const compression = (process.env['ZB_BENCH_COMPRESSION'] ?? 'gzip') === 'none' ? 'none' : 'gzip';
const client = new ZimbraClient({ url: env('ZB_BENCH_URL'), adminUrl: env('ZB_BENCH_ADMIN_URL') });
try {
  await client.authAdmin(env('ZB_BENCH_ADMIN_USER'), env('ZB_BENCH_ADMIN_PASSWORD'));
  const repository = await initRepository({ backend: new LocalBackend({ root: env('ZB_BENCH_REPO') }), compression });
  (globalThis as { gc?: () => void }).gc?.();
  const rssBeforeKb = Math.round(process.memoryUsage().rss / 1024);
  // Fallback where /proc is missing: sample the RSS while the backup runs.
  let peakSampledKb = rssBeforeKb;
  const tracePath = process.env['ZB_BENCH_MEM_TRACE'];
  const trace: string[] = [];
  const snapDir = process.env['ZB_BENCH_HEAP_SNAPSHOT'];
  let snapAt = Number(process.env['ZB_BENCH_HEAP_SNAPSHOT_MB'] ?? 0) * 1024 * 1024;
  const t00 = performance.now();
  // Garbage collections (kind 1 minor, 2 major, 4 incremental, 8 weak callbacks), with the heap after each.
  const gcs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = ((e as unknown as { detail?: { kind?: number } }).detail ?? {}).kind;
      trace.push(
        JSON.stringify({
          gc: kind,
          ms: Math.round(e.startTime - t00),
          durationMs: +e.duration.toFixed(1),
          heapUsed: process.memoryUsage().heapUsed,
        }),
      );
    }
  });
  if (tracePath) gcs.observe({ entryTypes: ['gc'] });
  // ZB_BENCH_MEM_GC=1: a full GC before every sample, so the trace shows what is live, not garbage.
  const gcFirst = process.env['ZB_BENCH_MEM_GC'] === '1';
  const sampler = setInterval(() => {
    if (gcFirst) (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    peakSampledKb = Math.max(peakSampledKb, Math.round(m.rss / 1024));
    if (tracePath) {
      const h = getHeapStatistics();
      trace.push(
        JSON.stringify({
          ms: Math.round(performance.now() - t00),
          rss: m.rss,
          heapUsed: m.heapUsed,
          heapTotal: m.heapTotal,
          external: m.external,
          arrayBuffers: m.arrayBuffers,
          mallocedMemory: h.malloced_memory,
        }),
      );
    }
    if (snapDir && snapAt > 0 && m.arrayBuffers >= snapAt) {
      snapAt = 0;
      writeHeapSnapshot(`${snapDir}/backup-${Date.now()}.heapsnapshot`);
    }
  }, 100);
  sampler.unref();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await new BackupEngine({
    client,
    repository,
    accounts: env('ZB_BENCH_ACCOUNTS').split(','),
    bulkDownload: process.env['ZB_BENCH_BULK'] !== '0',
    logger: false,
  }).run();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  clearInterval(sampler);
  gcs.disconnect();
  if (tracePath) writeFileSync(tracePath, `${trace.join('\n')}\n`);
  const out: ChildBackupResult = {
    items: r.itemsNew,
    bytesDownloaded: r.bytesDownloaded,
    bytesStored: r.bytesStored,
    failures: r.failures.length,
    ms,
    cpuMs: (c.user + c.system) / 1000,
    rssBeforeKb,
    maxRssKb: vmHwmKb() ?? Math.max(peakSampledKb, Math.round(process.memoryUsage().rss / 1024)),
    ruMaxRssKb: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  client.close();
}
