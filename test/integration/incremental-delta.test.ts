// Issue 12, "incremental after a 1 % change": the backup engine opens account journals lazily, so
// an account whose sync token shows a delta applies it after reading the newest checkpoint's page
// table, the pages of the ids in the delta and the segments after that checkpoint, never the
// segments before it (the account's history). The result and every point-in-time state are the
// ones a full replay gives. The emulator's SyncRequest with a token answers only what changed
// since it, as zm-mailbox service/mail/Sync.java does (changed items, deleted ids, the new token).
import { type Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import { Journal, type MailboxState } from '../../src/journal/index.js';
import { parseSegmentKey } from '../../src/journal/segment.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { openRepository } from '../../src/repository/repository.js';
import type { IoOptions, ObjectInfo, ReplayableBody, StorageBackend } from '../../src/store/backends/backend.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';

/** Delegates to `inner` and records every read with the range asked for. */
class ReadLog implements StorageBackend {
  reads: Array<{ key: string; ranged: boolean }> = [];
  constructor(readonly inner: StorageBackend) {}
  get properties(): StorageBackend['properties'] {
    return this.inner.properties;
  }
  put(key: string, body: ReplayableBody, opts?: IoOptions): Promise<void> {
    return this.inner.put(key, body, opts);
  }
  get(key: string, opts?: IoOptions & { offset?: number; length?: number }): Promise<Readable> {
    this.reads.push({ key, ranged: opts?.length !== undefined });
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

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const dump = (s: MailboxState): string => JSON.stringify([...s.items].sort(([a], [b]) => (a < b ? -1 : 1)));

describe('an incremental run after a small change (issue 12)', () => {
  it('reads no segment before the checkpoint, and every instant reads back as before', async () => {
    fx = await backupFixture();
    await fx.emu.seed(
      buildCorpus({ seed: 12, accounts: 1, messagesPerAccount: 2100, attachmentShare: 0, domain: 'example.test' }),
    );
    const log = new ReadLog(fx.repo.backend);
    const repo = await openRepository({ backend: log });
    const user = fx.emu.accounts().find((a) => a.name.startsWith('user'))!;
    const prefix = accountPrefix(user.id);
    expect((await new BackupEngine({ client: fx.client, repository: repo }).run()).failures).toEqual([]);
    const after1 = Date.now();
    const state1 = await journalState(repo, user.id);
    let checkpointSeq = 0;
    for await (const { key } of log.list(`${prefix}journal/checkpoints/`))
      checkpointSeq = Math.max(checkpointSeq, Number(/(\d{12})\.\d+\.jsonl$/.exec(key)![1]));
    // The run wrote a checkpoint of the current state after its last commit (checkpointIfBehind).
    expect(checkpointSeq).toBeGreaterThan(0);

    // About 1 %: moved, flagged, deleted and new messages.
    const ids = [...fx.emu.snapshot(user.name).items.values()]
      .filter((it) => it.type === 'message')
      .map((it) => it.id)
      .sort((a, b) => a - b);
    const target = fx.emu.createFolder(user.name, '/Moved', 'message');
    const pick = (k: number): number => ids[(k * 97 + 5) % ids.length]!;
    for (let k = 0; k < 3; k++) {
      fx.emu.move(user.name, pick(k), target);
      fx.emu.setFlags(user.name, pick(3 + k), 'f');
      fx.emu.deleteItem(user.name, pick(6 + k));
      fx.emu.deliver(user.name, `From: a@b.test\r\nSubject: new ${k}\r\n\r\nhello ${k}\r\n`, { folderPath: '/Inbox' });
    }
    await new Promise((r) => setTimeout(r, 5));
    log.reads = [];
    // A fresh engine (as a new CLI run): its journals are opened anew, lazily.
    const r = await new BackupEngine({ client: fx.client, repository: repo }).run();
    expect(r.failures).toEqual([]);
    expect({ n: r.itemsNew, c: r.itemsChanged, d: r.itemsDeleted }).toEqual({ n: 4, c: 6, d: 3 });

    const mine = log.reads.filter((x) => x.key.startsWith(`${prefix}journal/`));
    const segments = mine.filter((x) => x.key.includes('/segments/'));
    // Before the checkpoint: only the newest segment then, whose commit marker the no-change
    // check reads (quick-check.ts), once.
    const before = segments.map((s) => parseSegmentKey(prefix, s.key)!).filter((s) => s.first <= checkpointSeq);
    expect(before.length).toBeLessThanOrEqual(1);
    for (const s of before) expect(s.last).toBe(checkpointSeq);
    // The checkpoint: ranged reads only, never the whole object.
    const checkpointReads = mine.filter((x) => x.key.includes('/checkpoints/'));
    expect(checkpointReads.length).toBeGreaterThan(0);
    expect(checkpointReads.every((x) => x.ranged)).toBe(true);

    // The journal equals the server, the earlier instant reads as it was, and history keeps both
    // versions of a moved message.
    expect(diffMailbox(fx.emu, user.name, await journalState(repo, user.id))).toEqual([]);
    expect(dump(await journalState(repo, user.id, after1))).toBe(dump(state1));
    const j = await Journal.open({ backend: repo.backend, prefix, readOnly: true });
    const moved = await j.history(String(pick(0)));
    expect(moved.map((v) => (v.type === 'item' ? v.folderId : 'delete'))).toEqual([
      state1.items.get(String(pick(0)))!.folderId,
      String(target),
    ]);
    const gone = await j.deletedBetween(after1, Date.now());
    expect(gone.map((d) => d.id).sort()).toEqual([pick(6), pick(7), pick(8)].map(String).sort());
    await j.close();
  });
});
