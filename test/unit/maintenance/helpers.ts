import { Readable } from 'node:stream';
import { Journal } from '../../../src/journal/journal.js';
import type { JournalRecordInput, MailboxState } from '../../../src/journal/types.js';
import { accountPrefix } from '../../../src/repository/layout.js';
import { initRepository, openRepository, type Repository } from '../../../src/repository/repository.js';
import type { StorageBackend } from '../../../src/store/backends/backend.js';
import type { Compression } from '../../../src/store/blob-codec.js';

export const A = '0a000000-0000-4000-8000-00000000000a';
export const B = '0b000000-0000-4000-8000-00000000000b';

/** A repository; format 1 by default, since these suites corrupt v1 blob objects by key (v2: check-packs/purge-packs tests). */
export async function newRepo(
  backend: StorageBackend,
  compression: Compression = 'none',
  formatVersion: 1 | 2 = 1,
): Promise<Repository> {
  return initRepository({ backend, compression, formatVersion, packSize: 4096 });
}

/** Re-opens the same storage (e.g. through a FaultyBackend wrapper). */
export function reopen(backend: StorageBackend): Promise<Repository> {
  return openRepository({ backend });
}

/** Stores a message-like blob and returns its digest and size. */
export async function blob(repo: Repository, text: string): Promise<{ digest: string; size: number }> {
  const data = Buffer.from(`Subject: ${text}\r\n\r\n${text.repeat(20)}\r\n`);
  const r = await repo.blobs.put({ size: data.length, open: () => Readable.from([data]) });
  // Format v2: durable before a commit references it (the engine's journals do this on commit).
  await repo.blobs.flush();
  return { digest: r.digest, size: r.size };
}

/** A message record referencing a blob. */
export function msg(id: string, ms: number, b: { digest: string; size: number }, folderId = '2'): JournalRecordInput {
  return { type: 'item', kind: 'message', id, folderId, modifiedSequence: ms, size: b.size, digest: b.digest };
}

/** A folder record. */
export function folder(id: string, parent: string, name: string, ms: number): JournalRecordInput {
  return { type: 'item', kind: 'folder', id, folderId: parent, name, modifiedSequence: ms };
}

/** Commits batches at given capture times: [[captureMs, records], ...]. */
export async function commitAt(
  repo: Repository,
  accountId: string,
  batches: Array<[number, JournalRecordInput[]]>,
  state?: object,
  checkpointMinRecords?: number,
): Promise<void> {
  const j = await Journal.open({
    backend: repo.backend,
    prefix: accountPrefix(accountId),
    ...(checkpointMinRecords !== undefined ? { checkpointMinRecords } : {}),
  });
  try {
    for (const [captureMs, records] of batches)
      await j.commit(records, { captureMs, ...(state ? { state: state as never } : {}) });
  } finally {
    await j.close();
  }
}

/** Read-only journal view. */
export async function withJournal<T>(repo: Repository, accountId: string, fn: (j: Journal) => Promise<T>): Promise<T> {
  const j = await Journal.open({ backend: repo.backend, prefix: accountPrefix(accountId), readOnly: true });
  try {
    return await fn(j);
  } finally {
    await j.close();
  }
}

/** A state's items as comparable JSON (captureMs included). */
export function itemsJson(s: MailboxState): string {
  return JSON.stringify([...s.items.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** Reads a whole object. */
export async function readObject(backend: StorageBackend, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await backend.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Replaces an object with transformed bytes. */
export async function rewrite(backend: StorageBackend, key: string, fn: (b: Buffer) => Buffer): Promise<void> {
  const next = fn(await readObject(backend, key));
  await backend.put(key, { size: next.length, open: () => Readable.from([next]) });
}

/** Every key under a prefix. */
export async function keys(backend: StorageBackend, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const { key } of backend.list(prefix)) out.push(key);
  return out.sort();
}
