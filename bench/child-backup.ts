/**
 * Child process of the memory scenario: one initial backup of the given accounts from a running emulator into a
 * fresh gzip LocalBackend repository, then prints its peak RSS as one JSON line. Run by bench/run.ts as
 * `node --expose-gc --import tsx bench/child-backup.ts` with the connection in the environment (the password
 * never in argv): ZB_BENCH_URL, ZB_BENCH_ADMIN_URL, ZB_BENCH_ADMIN_USER, ZB_BENCH_ADMIN_PASSWORD,
 * ZB_BENCH_ACCOUNTS (comma list), ZB_BENCH_REPO (an empty directory).
 */
import { BackupEngine } from '../src/backup/index.js';
import { initRepository } from '../src/repository/repository.js';
import { ZimbraClient } from '../src/soap/zimbra-client.js';
import { LocalBackend } from '../src/store/backends/local.js';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

const client = new ZimbraClient({ url: env('ZB_BENCH_URL'), adminUrl: env('ZB_BENCH_ADMIN_URL') });
try {
  await client.authAdmin(env('ZB_BENCH_ADMIN_USER'), env('ZB_BENCH_ADMIN_PASSWORD'));
  const repository = await initRepository({ backend: new LocalBackend({ root: env('ZB_BENCH_REPO') }), compression: 'gzip' });
  (globalThis as { gc?: () => void }).gc?.();
  const rssBeforeKb = Math.round(process.memoryUsage().rss / 1024);
  const maxBeforeKb = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  const r = await new BackupEngine({ client, repository, accounts: env('ZB_BENCH_ACCOUNTS').split(','), logger: false }).run();
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ items: r.itemsNew, bytes: r.bytesDownloaded, failures: r.failures.length, ms, rssBeforeKb, maxRssBeforeKb: maxBeforeKb, maxRssKb: process.resourceUsage().maxRSS })}\n`);
} finally {
  client.close();
}
