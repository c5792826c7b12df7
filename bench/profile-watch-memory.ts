/**
 * Profiling harness (not part of `npm run bench`; issue 12): the heap a real-time capture (`watch`)
 * holds once every account has changed. Seeds `accounts` x `messages` into an in-process emulator,
 * starts `BackupEngine.watch` on a LocalBackend repository, waits for the first pass, then delivers
 * one message to every account, twice, waiting each time until every account committed it. The
 * heap (after a forced GC) is printed after the first pass, after the changes, and after the
 * engine stopped (its journals closed): the difference is what the engine holds between runs.
 *
 * Run: `node --expose-gc --import tsx bench/profile-watch-memory.ts [accounts] [messages] [idleJournals] [src root]`.
 * `src root` (default: this tree) is a checkout whose `src/` provides the engine, so an older
 * commit is the baseline in the same conditions, e.g. a `git archive <commit> src | tar -x -C dir`
 * with `package.json` and `node_modules` linked in.
 */
import { rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildCorpus, startEmulator } from '../src/emulator/index.js';
import { scratchDir } from './lib/setup.js';
import { note } from './lib/timing.js';

const accounts = Number(process.argv[2] ?? 50);
const messages = Number(process.argv[3] ?? 500);
const idleArg = process.argv[4];
const root = resolve(process.argv[5] ?? '.');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

interface EngineLike {
  watch(o: { signal: AbortSignal }): Promise<{ failures: unknown[] }>;
  readonly openJournals?: number;
}
const { BackupEngine } = (await import(join(root, 'src/backup/backup-engine.ts'))) as {
  BackupEngine: new (o: Record<string, unknown>) => EngineLike;
};
const { initRepository } = (await import(join(root, 'src/repository/repository.ts'))) as {
  initRepository: (o: Record<string, unknown>) => Promise<unknown>;
};
const { LocalBackend } = (await import(join(root, 'src/store/backends/local.ts'))) as {
  LocalBackend: new (o: { root: string }) => unknown;
};
const { ZimbraClient } = (await import(join(root, 'src/soap/zimbra-client.ts'))) as {
  ZimbraClient: new (o: Record<string, unknown>) => {
    authAdmin(u: string, p: string): Promise<unknown>;
    close(): void;
  };
};

const corpus = buildCorpus({ seed: 20261207, accounts, messagesPerAccount: messages, attachmentShare: 0 });
const emu = await startEmulator({ domain: 'example.test', logger: false });
await emu.seed(corpus);
const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl });
await client.authAdmin(emu.adminUser, emu.adminPassword);
const scratch = await scratchDir();
const mb = (n: number): string => (n / 1048576).toFixed(1);
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const until = async (pred: () => boolean): Promise<void> => {
  while (!pred()) await new Promise((r) => setTimeout(r, 50));
};

try {
  const repository = await initRepository({
    backend: new LocalBackend({ root: await mkdtemp(join(scratch, 'repo-')) }),
    compression: 'gzip',
  });
  const names = corpus.accounts.map((a) => a.name);
  const ran = new Map<string, number>();
  const fresh = new Set<string>();
  const engine = new BackupEngine({
    client,
    repository,
    logger: false,
    waitSetTimeoutSeconds: 5,
    ...(idleArg !== undefined ? { idleJournals: Number(idleArg) } : {}),
    onAccountRun: (r: { accountId: string; itemsNew: number }) => {
      ran.set(r.accountId, (ran.get(r.accountId) ?? 0) + 1);
      if (r.itemsNew > 0) fresh.add(r.accountId);
    },
  });
  const before = heap();
  const stop = new AbortController();
  const watching = engine.watch({ signal: stop.signal });
  await until(() => ran.size >= names.length);
  const afterPass = heap();
  note(`first pass done: ${ran.size} accounts ran`);
  for (let round = 0; round < 2; round++) {
    fresh.clear();
    for (const name of names) emu.deliver(name, `Subject: change ${round}\r\n\r\nchanged ${name}\r\n`);
    await until(() => fresh.size >= names.length);
  }
  const afterChanges = heap();
  const open = engine.openJournals;
  stop.abort();
  const result = await watching;
  const stopped = heap();
  note(
    `watch ${accounts} x ${messages} (${root === resolve('.') ? 'this tree' : root}, idleJournals ${idleArg ?? 'default'}): ` +
      `heapUsed MB before ${mb(before)}, after first pass ${mb(afterPass)}, after changes to every account ${mb(afterChanges)}, ` +
      `after stop ${mb(stopped)}; held between runs ${mb(afterChanges - stopped)} MB; open journals ${open ?? 'n/a'}; failures ${result.failures.length}`,
  );
} finally {
  client.close();
  await emu.close();
  await rm(scratch, { recursive: true, force: true });
}
