/**
 * Child process of scenarios 1 and 7: one initial backup of the given accounts from a running emulator into a
 * new LocalBackend repository (fsync on), then one JSON line with its timing and peak RSS. Running the backup
 * in its own process keeps the emulator's memory and CPU out of its figures (the server is another machine in
 * production). Started by bench/run.ts as `node --expose-gc --import tsx bench/child-backup.ts`, with the
 * connection in the environment (the password never in argv): ZB_BENCH_URL, ZB_BENCH_ADMIN_URL,
 * ZB_BENCH_ADMIN_USER, ZB_BENCH_ADMIN_PASSWORD, ZB_BENCH_ACCOUNTS (comma list), ZB_BENCH_REPO (an empty
 * directory, kept), ZB_BENCH_COMPRESSION (none | gzip, default gzip), ZB_BENCH_BULK (`0`: one GET per message
 * instead of the fmt=tar bulk download, for before/after comparisons).
 */
import { readFileSync } from 'node:fs';
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
  const sampler = setInterval(() => {
    peakSampledKb = Math.max(peakSampledKb, Math.round(process.memoryUsage().rss / 1024));
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
