// Issue 12, "Reads": restore, export and `check --full` read blobs pack by pack, each pack from its
// start to its end. A backend wrapper records every read of a pack; the order must be pack order.
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import { exportArchive } from '../../src/export/export-archive.js';
import { checkRepository } from '../../src/maintenance/check.js';
import { openRepository, type Repository } from '../../src/repository/repository.js';
import { restoreAccount } from '../../src/restore/restore-account.js';
import type { IoOptions, ObjectInfo, ReplayableBody, StorageBackend } from '../../src/store/backends/backend.js';
import { inPackOrder } from '../../src/store/read-order.js';
import tar from 'tar-stream';
import { backupFixture, type BackupFixture } from './backup-helpers.js';

interface Read {
  key: string;
  offset: number | undefined;
  length: number | undefined;
}

/** Delegates to `inner` and records the reads of pack objects. */
class RecordingBackend implements StorageBackend {
  readonly reads: Read[] = [];
  constructor(
    readonly inner: StorageBackend,
    readonly prefix: string,
  ) {}
  get properties(): StorageBackend['properties'] {
    return this.inner.properties;
  }
  put(key: string, body: ReplayableBody, opts?: IoOptions): Promise<void> {
    return this.inner.put(key, body, opts);
  }
  get(key: string, opts: IoOptions & { offset?: number; length?: number } = {}): Promise<Readable> {
    if (key.startsWith(this.prefix)) this.reads.push({ key, offset: opts.offset, length: opts.length });
    return this.inner.get(key, opts);
  }
  stat(key: string, opts?: IoOptions): Promise<{ size: number } | undefined> {
    return this.inner.stat(key, opts);
  }
  list(prefix: string, opts?: IoOptions): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, opts);
  }
  delete(key: string, opts?: IoOptions): Promise<void> {
    return this.inner.delete(key, opts);
  }
}

/** True when every read starts at or after the previous one: same pack and a later offset, or a later pack. */
function inOrder(reads: readonly Read[]): boolean {
  for (let i = 1; i < reads.length; i++) {
    const a = reads[i - 1]!;
    const b = reads[i]!;
    if (a.key > b.key) return false;
    if (a.key === b.key && (b.offset ?? 0) < (a.offset ?? 0)) return false;
  }
  return true;
}

let fx: BackupFixture;
let user: string;
let recorder: RecordingBackend;
let repo: Repository;

beforeAll(async () => {
  // Small packs: the mailbox spreads over many of them.
  fx = await backupFixture({ packSize: 8 * 1024 });
  await fx.emu.seed(
    buildCorpus({
      seed: 12,
      accounts: 1,
      messagesPerAccount: 40,
      contactsPerAccount: 2,
      calendarPerAccount: 2,
      documentsPerAccount: 2,
      domain: 'example.test',
    }),
  );
  user = fx.emu.accounts().find((a) => a.name.startsWith('user'))!.name;
  const r = await new BackupEngine({ client: fx.client, repository: fx.repo }).run();
  expect(r.failures).toEqual([]);
  recorder = new RecordingBackend(fx.repo.backend, fx.repo.blobs.packs!.layout.packsPrefix);
  repo = await openRepository({ backend: recorder });
});
afterAll(async () => {
  await fx?.close();
});

describe('reads in pack order (format v2)', () => {
  it('inPackOrder sorts by pack id then offset, items without a located blob first, stably', async () => {
    await repo.blobs.packs!.load();
    const located = [...repo.blobs.packs!.table.entries()].map(([d]) => d);
    expect(new Set(located.map((d) => repo.blobs.packs!.locate(d)!.pack)).size).toBeGreaterThan(3);
    const shuffled = [...located].sort().reverse();
    const items = [undefined, ...shuffled, '0'.repeat(64), undefined].map((d, i) => ({ d, i }));
    const out = await inPackOrder(repo.blobs, items, (x) => x.d);
    expect(out.slice(0, 3).map((x) => x.i)).toEqual([0, shuffled.length + 1, shuffled.length + 2]);
    const locs = out.slice(3).map((x) => repo.blobs.packs!.locate(x.d!)!);
    for (let i = 1; i < locs.length; i++) {
      const [a, b] = [locs[i - 1]!, locs[i]!];
      expect(a.pack < b.pack || (a.pack === b.pack && a.offset < b.offset)).toBe(true);
    }
  });

  it('a restore reads its blobs in pack order', async () => {
    recorder.reads.length = 0;
    const r = await restoreAccount({
      repository: repo,
      client: fx.client,
      account: user,
      toAccount: 'ordered@example.test',
      at: Date.now(),
      concurrency: 1,
    });
    expect(r.failures).toEqual([]);
    // Every blob of the mailbox was read (the order is only meaningful over many reads).
    expect(recorder.reads.length).toBeGreaterThan(40);
    expect(recorder.reads.every((x) => x.offset !== undefined)).toBe(true);
    expect(inOrder(recorder.reads)).toBe(true);
  });

  it('an export reads its blobs in pack order, and writes them in that order', async () => {
    recorder.reads.length = 0;
    const chunks: Buffer[] = [];
    await exportArchive({
      repo,
      compression: 'none',
      out: new Writable({
        write(c: Buffer, _e, cb) {
          chunks.push(c);
          cb();
        },
      }),
    });
    expect(recorder.reads.length).toBeGreaterThan(40);
    expect(inOrder(recorder.reads)).toBe(true);
    const names: string[] = [];
    const ex = tar.extract();
    Readable.from([Buffer.concat(chunks)]).pipe(ex as unknown as Writable);
    for await (const e of ex) {
      names.push(e.header.name);
      e.resume();
    }
    const digests = names.filter((n) => n.startsWith('blobs/')).map((n) => n.slice('blobs/'.length));
    const locs = digests.map((d) => repo.blobs.packs!.locate(d)!);
    const order = locs.map((l) => `${l.pack}:${String(l.offset).padStart(12, '0')}`);
    expect(order).toEqual([...order].sort());
  });

  it('check --full reads each pack once, whole, in pack order', async () => {
    recorder.reads.length = 0;
    const r = await checkRepository({ repository: repo, full: true });
    expect(r.ok).toBe(true);
    const keys = recorder.reads.map((x) => x.key);
    expect(keys.length).toBeGreaterThan(3);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual([...keys].sort());
    expect(recorder.reads.every((x) => x.offset === undefined || x.offset === 0)).toBe(true);
  });
});
