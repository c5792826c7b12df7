/**
 * `undelete`: every item deleted in a time window, in its last version before the deletion,
 * restored into `/Restored YYYY-MM-DD HH.MM/<original folder path>` of the same account (or
 * another one), deleted folders with their contents included.
 * @module
 */
import { ZimbraBackupError } from '../errors.js';
import type { DeletedItem, ItemRecord, MailboxState } from '../journal/types.js';
import { RestoreIdMap } from './restore-id-map.js';
import { restoreIdOf } from './restore-id.js';
import {
  ITEM_KINDS_RESTORABLE,
  isRootFolder,
  openSourceJournal,
  plannedFolder,
  resolveSourceAccount,
} from './restore-source.js';
import { runPlan } from './run-plan.js';
import type { RestoreOperationOptions, RestorePlan, RestoreResult } from './types.js';

/** Options of {@link undelete}. */
export interface UndeleteOptions extends RestoreOperationOptions {
  /** Start of the window (exclusive), Date or ms since the epoch. */
  from: Date | number;
  /** End of the window (inclusive), Date or ms since the epoch. */
  to: Date | number;
  /** Restore into this account instead of the source. */
  toAccount?: string;
  /** Name of the folder that receives the items. Default `Restored YYYY-MM-DD HH.MM` (UTC, time of the first run). */
  folderName?: string;
  /** Clock for the default folder name, ms. Default `Date.now`. */
  now?: () => number;
}

/** Result of {@link undelete}. */
export interface UndeleteResult extends RestoreResult {
  /** Path of the folder the items went into. */
  folder: string;
}

function ms(v: Date | number, field: string): number {
  const t = v instanceof Date ? v.getTime() : v;
  if (!Number.isFinite(t) || t < 0)
    throw new ZimbraBackupError(`${field} must be a valid time`, { code: 'ZB_INVALID_ARGUMENT', data: { field } });
  return t;
}

/**
 * `Restored 2026-11-26 14.03` for an instant (UTC). Zimbra refuses `:` in folder names
 * (`mail.INVALID_NAME`), so hours and minutes are separated by a dot.
 */
export function restoredFolderName(t: number): string {
  const iso = new Date(t).toISOString();
  return `Restored ${iso.slice(0, 10)} ${iso.slice(11, 13)}.${iso.slice(14, 16)}`;
}

/**
 * Folder paths as they were when the items went: deleted folders in their last version, other
 * folders as at the end of the window, falling back to the start of it.
 */
function pathResolver(
  before: MailboxState,
  after: MailboxState,
  deleted: DeletedItem[],
): (folderId: string | undefined) => string {
  const folders = new Map<string, ItemRecord>();
  for (const [id, f] of before.folders) folders.set(id, f.record);
  for (const [id, f] of after.folders) folders.set(id, f.record);
  for (const d of deleted) if (d.kind === 'folder') folders.set(d.id, d.lastVersion);
  const memo = new Map<string, string>();
  const pathOf = (id: string | undefined, depth = 0): string => {
    if (id === undefined || id === '1' || id === '11' || depth > 64) return '/';
    const cached = memo.get(id);
    if (cached !== undefined) return cached;
    const rec = folders.get(id);
    if (!rec) return '/';
    const parent = pathOf(rec.folderId === id ? undefined : rec.folderId, depth + 1);
    const path = parent === '/' ? `/${rec.name ?? id}` : `${parent}/${rec.name ?? id}`;
    memo.set(id, path);
    return path;
  };
  return (id) => pathOf(id);
}

/**
 * Restores every item deleted with a capture time in `(from, to]`.
 * @throws `ZB_NOT_FOUND` (account not in the repository), `ZB_INVALID_ARGUMENT`, `ZB_ABORTED`, SOAP faults.
 * @example
 * ```ts
 * const r = await undelete({ repository, client, account: 'user1@example.test', from: Date.now() - 86400_000, to: Date.now() });
 * console.log(r.folder, r.counts.message.restored);
 * ```
 */
export async function undelete(opts: UndeleteOptions): Promise<UndeleteResult> {
  const from = ms(opts.from, 'from');
  const to = ms(opts.to, 'to');
  if (to < from)
    throw new ZimbraBackupError('to must not be before from', { code: 'ZB_INVALID_ARGUMENT', data: { field: 'to' } });
  const source = await resolveSourceAccount(opts.repository, opts.account, opts.signal);
  const journal = await openSourceJournal(opts.repository, source.id, opts.signal);
  let deleted: DeletedItem[];
  let before: MailboxState;
  let after: MailboxState;
  try {
    const io = opts.signal ? { signal: opts.signal } : {};
    deleted = await journal.deletedBetween(from, to, io);
    before = await journal.stateAt(from, io);
    after = await journal.stateAt(to, io);
  } finally {
    await journal.close();
  }
  const target = (opts.toAccount ?? source.name).toLowerCase();
  const restoreId = restoreIdOf('undelete', {
    account: source.id,
    from,
    to,
    to_account: target,
    folder: opts.folderName,
  });
  const idMap = await RestoreIdMap.open({
    backend: opts.repository.backend,
    restoreId,
    readOnly: opts.dryRun === true,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  // A rerun keeps the folder name of the first run, so it resumes into the same folder.
  const op = await idMap.readOperation(opts.signal);
  const folderName =
    typeof op?.['folder'] === 'string'
      ? op['folder'].replace(/^\//, '')
      : (opts.folderName ?? restoredFolderName((opts.now ?? Date.now)()));
  const base = `/${folderName}`;
  const pathOf = pathResolver(before, after, deleted);
  const plan: RestorePlan = { folders: [{ path: base, view: 'message' }], tags: [], items: [], unsupported: [] };
  const under = (p: string): string => (p === '/' ? base : `${base}${p}`);
  for (const d of deleted) {
    const rec = d.lastVersion;
    if (d.kind === 'folder') {
      const p = pathOf(d.id);
      if (!isRootFolder(rec, p)) plan.folders.push(plannedFolder(rec, under(p)));
    } else if (ITEM_KINDS_RESTORABLE.has(d.kind)) plan.items.push({ record: rec, path: under(pathOf(rec.folderId)) });
    else if (d.kind !== 'tag')
      plan.unsupported.push({ id: d.id, kind: d.kind, reason: `${d.kind} is not restored by undelete` });
  }
  // Folders a deleted item sat in that were not deleted themselves still appear beneath the base.
  for (const it of plan.items)
    if (!plan.folders.some((f) => f.path.toLowerCase() === it.path.toLowerCase())) {
      const src = after.folders.get(it.record.folderId ?? '') ?? before.folders.get(it.record.folderId ?? '');
      plan.folders.push(src ? plannedFolder(src.record, it.path) : { path: it.path });
    }
  const result = await runPlan(opts, {
    restoreId,
    sourceAccountId: source.id,
    targetAccount: target,
    plan,
    idMap,
    operation: { op: 'undelete', account: source.id, from, to, to_account: target, folder: base },
  });
  return { ...result, folder: base };
}
