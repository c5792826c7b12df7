/**
 * One item as it was at an instant, live or already deleted then (its last version before the
 * deletion), and its content bytes. What the console's preview and download read.
 * @module
 */
import type { Readable } from 'node:stream';
import { ZimbraBackupError } from '../errors.js';
import { safeItemId } from '../internal/safe-id.js';
import type { ItemRecord } from '../journal/types.js';
import type { Repository } from '../repository/repository.js';
import { parseDigest } from '../store/digest.js';
import { resolveAccount } from './list-items.js';

/** Options of {@link itemVersion}. */
export interface ItemVersionOptions {
  repository: Repository;
  /** Account name or zimbraId. */
  account: string;
  /** Item id (decimal). */
  itemId: string;
  /** The instant, ms since the epoch. Default: now. */
  at?: number;
  signal?: AbortSignal;
}

/** The version found by {@link itemVersion}. */
export interface ItemVersionResult {
  accountId: string;
  accountName: string;
  record: ItemRecord;
  /** True when the item no longer existed at `at` (the version shown is its last one before). */
  deleted: boolean;
}

/**
 * The item's version at `at`; when the item was deleted by then, its last version before `at`.
 * @throws `ZB_UNSAFE_PATH` for a malformed id; `ZB_NOT_FOUND` when the journal never saw it by `at`.
 */
export async function itemVersion(opts: ItemVersionOptions): Promise<ItemVersionResult> {
  const itemId = safeItemId(opts.itemId);
  const { repository, signal } = opts;
  const account = await resolveAccount(repository, opts.account, signal);
  const io = signal ? { signal } : {};
  const journal = await repository.journal(account.id, { readOnly: true, ...io });
  try {
    const at = opts.at ?? Number.MAX_SAFE_INTEGER;
    const state = opts.at === undefined ? journal.current() : await journal.stateAt(at, io);
    const live = state.items.get(itemId);
    if (live) return { accountId: account.id, accountName: account.name, record: live, deleted: false };
    const versions = (await journal.history(itemId, io)).filter(
      (r): r is ItemRecord => r.type === 'item' && r.captureMs <= at,
    );
    const last = versions.at(-1);
    if (!last)
      throw new ZimbraBackupError(`item ${itemId} of ${account.name} is not in the backup at that time`, {
        code: 'ZB_NOT_FOUND',
        data: { account: account.id, itemId },
      });
    return { accountId: account.id, accountName: account.name, record: last, deleted: true };
  } finally {
    await journal.close();
  }
}

/**
 * Streams the content blob of a version (digest verified at the end of the stream).
 * @throws `ZB_NOT_FOUND` when the version has no content (folders, tags...).
 */
export async function openItemContent(
  repository: Repository,
  record: ItemRecord,
  signal?: AbortSignal,
): Promise<Readable> {
  if (record.digest === undefined)
    throw new ZimbraBackupError(`item ${record.id} has no content`, { code: 'ZB_NOT_FOUND', data: { id: record.id } });
  return repository.blobs.get(parseDigest(record.digest), signal ? { signal } : {});
}
