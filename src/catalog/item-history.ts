/**
 * An item's life in the backup (every captured version and its deletion), and how far back and
 * up to when an account's backup reaches. Readers: never take the lock.
 * @module
 */
import { safeItemId } from '../internal/safe-id.js';
import type { DeleteRecord, ItemRecord } from '../journal/types.js';
import type { Repository } from '../repository/repository.js';
import { resolveAccount } from './list-items.js';

/** Options of {@link itemHistory}. */
export interface ItemHistoryOptions {
  repository: Repository;
  /** Account name or zimbraId. */
  account: string;
  /** Item id (decimal). */
  itemId: string;
  signal?: AbortSignal;
}

/** Result of {@link itemHistory}. */
export interface ItemHistory {
  accountId: string;
  accountName: string;
  itemId: string;
  /**
   * Every version and deletion, oldest first (a deletion that came with its folder has
   * `viaFolderId`). Empty when the backup never saw the item.
   */
  entries: (ItemRecord | DeleteRecord)[];
}

/**
 * Every captured version and deletion of one item. Cost: one pass over the account's journal.
 * @throws `ZB_NOT_FOUND` for an unknown account; `ZB_UNSAFE_PATH` for a malformed item id.
 */
export async function itemHistory(opts: ItemHistoryOptions): Promise<ItemHistory> {
  const { repository, signal } = opts;
  const itemId = safeItemId(opts.itemId);
  const account = await resolveAccount(repository, opts.account, signal);
  const journal = await repository.journal(account.id, { readOnly: true, ...(signal ? { signal } : {}) });
  try {
    const entries = await journal.history(itemId, signal ? { signal } : {});
    return { accountId: account.id, accountName: account.name, itemId, entries };
  } finally {
    await journal.close();
  }
}

/** Result of {@link accountCoverage}. */
export interface AccountCoverage {
  accountId: string;
  accountName: string;
  /** Capture time of the oldest record kept, ms; undefined when nothing was committed yet. */
  firstCaptureMs?: number;
  /** Capture time of the last commit, ms (0 when nothing was committed yet). */
  lastCaptureMs: number;
}

/**
 * The instants an account's backup covers: from its oldest kept record to its last commit (an
 * instant outside shows the nearest state, which may surprise a user). Cost: opening the journal
 * and reading its first record.
 * @throws `ZB_NOT_FOUND` for an unknown account.
 */
export async function accountCoverage(opts: {
  repository: Repository;
  account: string;
  signal?: AbortSignal;
}): Promise<AccountCoverage> {
  const { repository, signal } = opts;
  const account = await resolveAccount(repository, opts.account, signal);
  const journal = await repository.journal(account.id, { readOnly: true, ...(signal ? { signal } : {}) });
  try {
    const out: AccountCoverage = {
      accountId: account.id,
      accountName: account.name,
      lastCaptureMs: journal.stats().lastCaptureMs,
    };
    for await (const r of journal.records(signal ? { signal } : {})) {
      out.firstCaptureMs = r.captureMs;
      break;
    }
    return out;
  } finally {
    await journal.close();
  }
}
