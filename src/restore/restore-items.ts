/**
 * `restoreItems`: one or more items by id, as they were at an instant (default: their last
 * backed-up version, also when they were deleted since), into their original folder or a given one.
 * @module
 */
import { ZimbraBackupError } from '../errors.js';
import type { ItemRecord } from '../journal/types.js';
import { restoreIdOf } from './restore-id.js';
import { ITEM_KINDS_RESTORABLE, openSourceJournal, plannedFolder, resolveSourceAccount } from './restore-source.js';
import { runPlan } from './run-plan.js';
import type { RestoreOperationOptions, RestorePlan, RestoreResult } from './types.js';

/** Options of {@link restoreItems}. */
export interface RestoreItemsOptions extends RestoreOperationOptions {
  /** Source item ids. */
  ids: string[];
  /** Version at this instant (Date or ms). Default: the last version in the backup. */
  at?: Date | number;
  /** Target folder path (created if missing). Default: each item's original folder path. */
  folder?: string;
  /** Restore into this account instead of the source. */
  toAccount?: string;
}

/**
 * Restores items by id. An id that is not in the backup (or has no version at `at`) is reported
 * in `failures` with `ZB_NOT_FOUND`; content already in the target folder is skipped.
 * @throws `ZB_NOT_FOUND` (account), `ZB_INVALID_ARGUMENT`, `ZB_ABORTED`, SOAP faults.
 * @example
 * ```ts
 * await restoreItems({ repository, client, account: 'user1@example.test', ids: ['257', '301'] });
 * ```
 */
export async function restoreItems(opts: RestoreItemsOptions): Promise<RestoreResult> {
  if (!Array.isArray(opts.ids) || opts.ids.length === 0 || opts.ids.some((id) => !/^[1-9][0-9]{0,9}$/.test(id))) {
    throw new ZimbraBackupError('ids must be a non-empty list of item ids', {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'ids' },
    });
  }
  const at = opts.at === undefined ? undefined : opts.at instanceof Date ? opts.at.getTime() : opts.at;
  if (at !== undefined && !Number.isFinite(at))
    throw new ZimbraBackupError('at must be a valid time', { code: 'ZB_INVALID_ARGUMENT', data: { field: 'at' } });
  const folder = opts.folder === undefined ? undefined : `/${opts.folder.replace(/^\/+|\/+$/g, '')}`;
  const source = await resolveSourceAccount(opts.repository, opts.account, opts.signal);
  const io = opts.signal ? { signal: opts.signal } : {};
  const journal = await openSourceJournal(opts.repository, source.id, opts.signal);
  const plan: RestorePlan = { folders: [], tags: [], items: [], unsupported: [] };
  const notFound: string[] = [];
  try {
    const state = at === undefined ? journal.current() : await journal.stateAt(at, io);
    for (const id of [...new Set(opts.ids)]) {
      let rec: ItemRecord | undefined = state.items.get(id);
      if (!rec) {
        // Deleted before `at` (or since): its last version at or before `at`.
        const versions = (await journal.history(id, io)).filter(
          (r): r is ItemRecord => r.type === 'item' && (at === undefined || r.captureMs <= at),
        );
        rec = versions[versions.length - 1];
      }
      if (!rec || !ITEM_KINDS_RESTORABLE.has(rec.kind)) {
        if (rec) plan.unsupported.push({ id, kind: rec.kind, reason: `${rec.kind} is not restored by id` });
        else notFound.push(id);
        continue;
      }
      let path = folder ?? state.folders.get(rec.folderId ?? '')?.path;
      if (path === undefined)
        path = (await journal.stateAt(rec.captureMs, io)).folders.get(rec.folderId ?? '')?.path ?? '/Restored items';
      if (!folder) {
        const f = state.folders.get(rec.folderId ?? '');
        if (f && f.path === path && path !== '/') plan.folders.push(plannedFolder(f.record, path));
      }
      plan.items.push({ record: rec, path });
    }
  } finally {
    await journal.close();
  }
  const target = (opts.toAccount ?? source.name).toLowerCase();
  const restoreId = restoreIdOf('restore-items', {
    account: source.id,
    ids: [...new Set(opts.ids)].sort(),
    at,
    folder,
    to: target,
  });
  const result = await runPlan(opts, {
    restoreId,
    sourceAccountId: source.id,
    targetAccount: target,
    plan,
    operation: {
      op: 'restore-items',
      account: source.id,
      ids: opts.ids,
      ...(at !== undefined ? { at } : {}),
      ...(folder ? { folder } : {}),
      to: target,
    },
  });
  for (const id of notFound)
    result.failures.push({
      id,
      kind: 'message',
      code: 'ZB_NOT_FOUND',
      message: `item ${id} is not in the backup${at !== undefined ? ' at that time' : ''}`,
    });
  return result;
}
