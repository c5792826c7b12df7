/**
 * The SyncRequest algorithm of `Sync.java`, as data: what an initial or delta sync returns.
 * Encoding to SOAP is the handler's job. PROTOCOL.md 2b-2e.
 *
 * Delta, in Zimbra's order: tombstones after the delete cutoff (MUST_RESYNC below the mailbox's
 * sync cutoff); folders and tags modified after C (never paged); other items modified after C in
 * (ms, id) order, skipping those already sent within change C+1, cut at `changeLimit` with a
 * compound token; then deletes, cut at `deleteLimit` with a compound delete cursor.
 */
import { faults } from '../wire/soap-fault.js';
import { FOLDER, type ItemType, type MailItem } from './item.js';
import type { Mailbox, Tombstone } from './mailbox.js';
import { formatSyncToken, parseSyncToken, type SyncToken } from './sync-token.js';

/** LC `sync_maximum_change_count`. */
export const MAX_CHANGE_COUNT = 3990;

/** SyncRequest parameters. */
export interface SyncParams {
  token?: string | undefined;
  /** Root folder id (`l`, default 11). */
  rootId?: number | undefined;
  changeLimit?: number | undefined;
  deleteLimit?: number | undefined;
  /** Seconds: leave out messages older than this. */
  msgCutoff?: number | undefined;
}

/** An initial sync: the folder tree to encode with per-type id lists. */
export interface InitialSync {
  kind: 'initial';
  token: number;
  size: number;
  root: MailItem;
  /** Folder children by parent id. */
  children: Map<number, MailItem[]>;
  /** Per-folder item ids by type. */
  idsOf(folderId: number): Map<ItemType, number[]>;
  tags: MailItem[];
}

/** A delta sync. */
export interface DeltaSync {
  kind: 'delta';
  token: string;
  more: boolean;
  deletes: Tombstone[];
  folders: MailItem[];
  tags: MailItem[];
  /** Items with `created` = rev > C. */
  items: Array<{ item: MailItem; created: boolean }>;
}

/** Runs a SyncRequest against a mailbox. */
export function runSync(mbox: Mailbox, p: SyncParams): InitialSync | DeltaSync {
  const parsed: SyncToken | undefined = p.token === undefined || p.token === '' ? undefined : parseSyncToken(p.token);
  const root = mbox.get(p.rootId ?? FOLDER.ROOT);
  if (p.rootId !== undefined && (!root || root.type !== 'folder')) throw faults.noSuchFolder(p.rootId);
  mbox.beginTrackingSync();
  if (!parsed || parsed.changeId <= 0) return initialSync(mbox, root ?? mbox.get(FOLDER.ROOT)!, p.msgCutoff);
  return deltaSync(mbox, parsed, root, p);
}

function initialSync(mbox: Mailbox, root: MailItem, msgCutoff: number | undefined): InitialSync {
  const children = new Map<number, MailItem[]>();
  for (const id of mbox.folderIds) {
    const f = mbox.get(id);
    if (!f || f.id === FOLDER.ROOT) continue;
    const list = children.get(f.folderId) ?? [];
    list.push(f);
    children.set(f.folderId, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.id - b.id);
  const tags = [...mbox.tagIds].sort((a, b) => a - b).map((id) => mbox.get(id)!);
  const idsOf = (folderId: number): Map<ItemType, number[]> => {
    const out = new Map<ItemType, number[]>();
    for (const id of mbox.folderContents(folderId).ids) {
      const item = mbox.get(id);
      if (!item) continue;
      if (msgCutoff !== undefined && msgCutoff > 0 && item.type === 'message' && item.date < msgCutoff * 1000) continue;
      const list = out.get(item.type) ?? [];
      list.push(id);
      out.set(item.type, list);
    }
    for (const list of out.values()) list.sort((a, b) => a - b);
    return out;
  };
  return { kind: 'initial', token: mbox.lastChangeId, size: mbox.size, root, children, idsOf, tags };
}

function subtree(mbox: Mailbox, root: MailItem | undefined): Set<number> | undefined {
  if (!root || root.id === FOLDER.ROOT || root.id === FOLDER.USER_ROOT) return undefined;
  const ids = new Set<number>([root.id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const fid of mbox.folderIds) {
      const f = mbox.get(fid);
      if (f && !ids.has(f.id) && ids.has(f.folderId)) {
        ids.add(f.id);
        grew = true;
      }
    }
  }
  return ids;
}

function deltaSync(mbox: Mailbox, t: SyncToken, root: MailItem | undefined, p: SyncParams): DeltaSync {
  const begin = t.changeId;
  const deleteCutoff = t.deleteModSeq !== undefined && t.deleteModSeq > 0 ? t.deleteModSeq : begin;
  const last = mbox.lastChangeId;
  const next: SyncToken = { changeId: last };
  const empty: DeltaSync = {
    kind: 'delta',
    token: formatSyncToken(next),
    more: false,
    deletes: [],
    folders: [],
    tags: [],
    items: [],
  };
  if (begin >= last && deleteCutoff >= last) return empty;
  // Mailbox.getTombstones: a cursor below the cutoff means tombstones were purged
  if (deleteCutoff < mbox.syncCutoff || begin < mbox.syncCutoff) throw faults.mustResync();
  const changeLimit =
    p.changeLimit === undefined || p.changeLimit <= 0 || p.changeLimit > MAX_CHANGE_COUNT
      ? MAX_CHANGE_COUNT
      : p.changeLimit;
  const deleteLimit = p.deleteLimit ?? 0;
  const targets = subtree(mbox, root);
  const deletes = mbox.tombstonesAfter(deleteCutoff);
  const out: DeltaSync = { ...empty, deletes: [] };

  for (const fid of mbox.folderIds) {
    const f = mbox.get(fid);
    if (!f || f.modifiedSequence <= begin) continue;
    if (!targets || targets.has(f.id)) out.folders.push(f);
    else deletes.push({ changeId: f.modifiedSequence, id: f.id, type: 'folder', dateMs: f.changeDate });
  }
  out.folders.sort((a, b) => a.modifiedSequence - b.modifiedSequence || a.id - b.id);
  for (const tid of mbox.tagIds) {
    const tag = mbox.get(tid);
    if (tag && tag.modifiedSequence > begin) out.tags.push(tag);
  }
  out.tags.sort((a, b) => a.id - b.id);

  const cutoffMs = p.msgCutoff !== undefined && p.msgCutoff > 0 ? p.msgCutoff * 1000 : undefined;
  for (const item of mbox.modifiedItems(Math.min(begin, deleteCutoff))) {
    const ms = item.modifiedSequence;
    if (ms <= begin || (ms === begin + 1 && item.id < (t.changeItemId ?? 0))) continue;
    if (cutoffMs !== undefined && item.type === 'message' && item.date < cutoffMs) continue;
    if (targets && !targets.has(item.folderId) && item.type !== 'conversation') {
      // an item that left the synced subtree is a "synthetic tombstone"
      deletes.push({ changeId: ms, id: item.id, type: item.type, dateMs: item.changeDate });
      continue;
    }
    if (out.items.length >= changeLimit) {
      out.more = true;
      next.changeId = ms - 1;
      next.changeItemId = item.id;
      next.deleteModSeq = last;
      break;
    }
    out.items.push({ item, created: item.savedSequence > begin });
  }

  pageDeletes(out, deletes, t, deleteCutoff, deleteLimit, next);
  out.token = formatSyncToken(next);
  return out;
}

function pageDeletes(
  out: DeltaSync,
  all: Tombstone[],
  t: SyncToken,
  deleteCutoff: number,
  limit: number,
  next: SyncToken,
): void {
  const skipBelow = t.deleteItemId ?? 0;
  let list = all;
  if (skipBelow > 0) list = list.filter((d) => !(d.changeId === deleteCutoff + 1 && d.id < skipBelow));
  if (limit > 0 && list.length > limit) {
    const first = list[limit]!;
    list = list.slice(0, limit);
    out.more = true;
    next.deleteModSeq = first.changeId - 1;
    next.deleteItemId = first.id;
  }
  out.deletes = list;
}
