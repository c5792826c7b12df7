/**
 * Reading the source side of a restore: which account (by zimbraId or name, through the
 * repository's account index) and its journal, opened read-only (restores never take the lock).
 * @module
 */
import { type Journal } from '../journal/journal.js';
import type { ItemKind, ItemRecord, MailboxState } from '../journal/types.js';
import type { Repository } from '../repository/repository.js';
import { RESTORE_ITEM_KINDS, type PlannedFolder, type RestorePlan } from './types.js';

/** The source account of a restore. */
export interface SourceAccount {
  /** zimbraId. */
  id: string;
  /** Name when last seen by the backup. */
  name: string;
}

/**
 * Finds an account of the repository by zimbraId or name.
 * @throws `ZB_NOT_FOUND` when the repository never backed it up.
 */
export async function resolveSourceAccount(
  repository: Repository,
  account: string,
  signal?: AbortSignal,
): Promise<SourceAccount> {
  const hit = await repository.requireAccount(account, signal);
  return { id: hit.id, name: hit.name };
}

/** Opens an account's journal read-only; close it when done. */
export function openSourceJournal(repository: Repository, accountId: string, signal?: AbortSignal): Promise<Journal> {
  return repository.journal(accountId, { readOnly: true, ...(signal ? { signal } : {}) });
}

/** Kinds a restore writes as items: {@link RESTORE_ITEM_KINDS} as a set of journal kinds. */
export const ITEM_KINDS_RESTORABLE: ReadonlySet<ItemKind> = new Set<ItemKind>(RESTORE_ITEM_KINDS);

/** True for the folders that are not user content: the root(s) themselves. */
export function isRootFolder(rec: ItemRecord, path: string): boolean {
  return path === '/' || rec.id === '1' || rec.id === '11';
}

/** A planned folder for a state's folder record placed at `path`. */
export function plannedFolder(rec: ItemRecord, path: string): PlannedFolder {
  const view = typeof rec.meta?.['view'] === 'string' ? rec.meta['view'] : undefined;
  const color = typeof rec.meta?.['color'] === 'number' ? rec.meta['color'] : undefined;
  return { sourceId: rec.id, path, ...(view ? { view } : {}), ...(color !== undefined ? { color } : {}) };
}

/**
 * The plan that recreates a whole mailbox state: every folder at its path, every tag, every item
 * in its folder. Saved searches and mountpoints are listed as unsupported.
 */
export function planFromState(state: MailboxState, opts: { keep?: (rec: ItemRecord) => boolean } = {}): RestorePlan {
  const plan: RestorePlan = { folders: [], tags: [], items: [], unsupported: [] };
  // Zimbra's true root (11) holds system folders outside the user tree (Tags, Conversations): the
  // server makes those, and they have no path a restore could recreate.
  const hidden = [...state.folders.values()].filter((f) => f.record.id === '11' && f.path !== '/').map((f) => f.path);
  const outsideUserTree = (path: string): boolean => hidden.some((h) => path === h || path.startsWith(`${h}/`));
  for (const [, f] of state.folders) {
    if (Number(f.record.id) < 256 && outsideUserTree(f.path)) continue;
    if (f.record.kind !== 'folder') {
      plan.unsupported.push({
        id: f.record.id,
        kind: f.record.kind,
        reason: `${f.record.kind} folders are not restored yet`,
      });
      continue;
    }
    if (!isRootFolder(f.record, f.path)) plan.folders.push(plannedFolder(f.record, f.path));
  }
  for (const [, t] of state.tags) {
    if (!t.name) continue;
    const color = typeof t.meta?.['color'] === 'number' ? t.meta['color'] : undefined;
    plan.tags.push({ name: t.name, ...(color !== undefined ? { color } : {}) });
  }
  for (const [, rec] of state.items) {
    if (!ITEM_KINDS_RESTORABLE.has(rec.kind)) continue;
    if (opts.keep && !opts.keep(rec)) continue;
    const path = state.folders.get(rec.folderId ?? '')?.path;
    if (path === undefined) {
      plan.unsupported.push({ id: rec.id, kind: rec.kind, reason: `folder ${rec.folderId} unknown in the backup` });
      continue;
    }
    plan.items.push({ record: rec, path });
  }
  plan.items.sort((a, b) => Number(a.record.id) - Number(b.record.id));
  return plan;
}
