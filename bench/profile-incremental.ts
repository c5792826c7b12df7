/**
 * Profiling harness for scenario 2 (not part of `npm run bench`): seeds `accounts x messages` into the emulator
 * (this process), runs the initial backup in a child, then applies a 1% change and runs the incremental backup
 * in this process `rounds` times (a fresh change before each), with the V8 profiler on only during each
 * incremental and a per-round fmt=tgz export as the same-run baseline.
 * Run: `npx tsx bench/profile-incremental.ts [accounts] [messages] [rounds] [profile dir]`, then
 * `npx tsx bench/profile-top.ts <dir>`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join, resolve } from 'node:path';
import { BackupEngine } from '../src/backup/index.js';
import { openRepository } from '../src/repository/repository.js';
import type { IoOptions, ObjectInfo, ReplayableBody, StorageBackend } from '../src/store/backends/backend.js';
import { LocalBackend } from '../src/store/backends/local.js';
import { childBackup } from './lib/child.js';
import { applyChange } from './lib/mutations.js';
import { MODES, scratchDir, startBenchServer } from './lib/setup.js';
import { note, timed } from './lib/timing.js';
import { exportAll } from './scenarios/incremental.js';

const accounts = Number(process.argv[2] ?? 3);
const messages = Number(process.argv[3] ?? 5000);
const rounds = Number(process.argv[4] ?? 2);
const profDir = resolve(process.argv[5] ?? 'bench/results/profile-incr');
const mode = { ...MODES.quick, corpus: { ...MODES.quick.corpus, accounts, messagesPerAccount: messages } };
const scratch = await scratchDir();
const server = await startBenchServer(mode);
note(`seeded ${accounts} x ${messages} in ${server.seedMs.toFixed(0)} ms`);
/** Records every backend call with its start and duration (ms), when `on`. */
class TracingBackend implements StorageBackend {
  on = false;
  t0 = 0;
  log: string[] = [];
  constructor(private readonly inner: StorageBackend) {}
  get properties() {
    return this.inner.properties;
  }
  async #t<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const s = performance.now();
    try {
      return await fn();
    } finally {
      if (this.on)
        this.log.push(
          `${(s - this.t0).toFixed(0).padStart(5)} +${(performance.now() - s).toFixed(0).padStart(4)} ${what}`,
        );
    }
  }
  put(key: string, body: ReplayableBody, opts?: IoOptions) {
    return this.#t(`put ${key} ${body.size ?? '?'}`, () => this.inner.put(key, body, opts));
  }
  get(key: string, opts?: IoOptions & { offset?: number; length?: number }) {
    return this.#t(`get ${key}`, () => this.inner.get(key, opts));
  }
  stat(key: string, opts?: IoOptions) {
    return this.#t(`stat ${key}`, () => this.inner.stat(key, opts));
  }
  async *list(prefix: string, opts?: IoOptions): AsyncIterable<ObjectInfo> {
    const s = performance.now();
    let n = 0;
    for await (const o of this.inner.list(prefix, opts)) {
      n++;
      yield o;
    }
    if (this.on)
      this.log.push(
        `${(s - this.t0).toFixed(0).padStart(5)} +${(performance.now() - s).toFixed(0).padStart(4)} list ${prefix} (${n})`,
      );
  }
  delete(key: string, opts?: IoOptions) {
    return this.#t(`delete ${key}`, () => this.inner.delete(key, opts));
  }
}
const session = new Session();
session.connect();
try {
  const root = await mkdtemp(join(scratch, 'repo-'));
  const r0 = await childBackup(server, server.accounts, root, 'gzip');
  note(`initial backup: ${JSON.stringify(r0)}`);
  const tracing = new TracingBackend(new LocalBackend({ root }));
  const repository = await openRepository({ backend: tracing });
  await mkdir(profDir, { recursive: true });
  for (let round = 0; round < rounds; round++) {
    const change = applyChange(server.emu, server.accounts, 0.01, `prof${round}`);
    const engine = new BackupEngine({ client: server.client, repository, accounts: server.accounts, logger: false });
    const prof = process.env['PROFILE'] !== '0';
    if (prof) {
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    tracing.on = process.env['TRACE'] === '1';
    tracing.t0 = performance.now();
    tracing.log = [];
    const run = await timed(() => engine.run());
    tracing.on = false;
    if (tracing.log.length) note(`backend calls:\n${tracing.log.join('\n')}`);
    if (prof) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(join(profDir, `incr-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    }
    const tgz = await timed(() => exportAll(server));
    note(
      `round ${round}: ${change.total} changes: incremental ${run.ms.toFixed(0)} ms wall, ${run.cpuMs.toFixed(0)} CPU-ms ` +
        `(${run.value.itemsNew}/${run.value.itemsChanged}/${run.value.itemsDeleted}); tgz ${tgz.ms.toFixed(0)} ms wall, ` +
        `${tgz.cpuMs.toFixed(0)} CPU-ms; ratio ${(tgz.ms / run.ms).toFixed(1)}x wall, ${(tgz.cpuMs / run.cpuMs).toFixed(1)}x CPU`,
    );
  }
} finally {
  session.disconnect();
  server.client.close();
  await server.emu.close();
  await rm(scratch, { recursive: true, force: true });
}
