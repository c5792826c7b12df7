/**
 * The mailbox purge Zimbra's purge thread runs on every mailbox (Mailbox.java `purgeMessages`),
 * reduced to the parts a backup must survive:
 *
 * ```text
 * trash lifetime = pickTimeout(zimbraMailTrashLifetime (COS default 30d), zimbraPrefTrashLifetime)
 * junk  lifetime = pickTimeout(zimbraMailSpamLifetime  (COS default 30d), zimbraPrefJunkLifetime)
 *   pickTimeout: 0 means "keep"; otherwise the shorter one
 * Folder.purgeMessages(Trash | Junk, now - lifetime, useChangeDate):
 *   every leaf item (not folders, tags, searches, mountpoints) of the folder and its subfolders whose
 *   change date (zimbraMailPurgeUseChangeDateFor{Trash,Spam}, default TRUE) or date is older; a Trash
 *   subfolder changed since the cutoff is skipped; emptied Trash subfolders older than it go too
 * then, when sync is tracked: DbMailItem.purgeTombstones(now - LC tombstone_max_age_ms (3 months))
 *   raising the sync cutoff to the newest dropped tombstone's change: older tokens get MUST_RESYNC
 * ```
 * Not emulated: zimbraMailMessageLifetime, the Inbox/Sent user lifetimes, dumpster, file versions,
 * folder and tag retention policies, the batch size (`zimbraMailPurgeBatchSize`).
 */
import { FOLDER, type MailItem } from './item.js';
import type { Mailbox } from './mailbox.js';
import { removeItemIn } from './folder-ops.js';

/** LC `tombstone_max_age_ms` default: 3 months (Constants.MILLIS_PER_MONTH is 31 days). */
export const TOMBSTONE_MAX_AGE_MS = 3 * 31 * 24 * 3600 * 1000;

/** The COS default of `zimbraMailTrashLifetime` and `zimbraMailSpamLifetime` (zimbra-attrs.xml). */
export const DEFAULT_LIFETIME = '30d';

/** The attributes that steer a purge, as effective for the account (account value, else COS). */
export type PurgeAttrs = (name: string) => string | undefined;

/** What one purge removed. */
export interface PurgeResult {
  /** Ids of items removed from Trash and Junk. */
  purged: number[];
  /** The newest change whose tombstone was dropped (0: none); tokens below it get MUST_RESYNC. */
  tombstoneCutoff: number;
}

/** DateUtil.getTimeInterval: `NN[d|h|m|s|ms]`, seconds without a unit; an invalid value counts as 0 (keep). */
export function durationMs(value: string | undefined): number {
  const m = /^(\d+)(d|h|m|s|ms)?$/.exec((value ?? '').trim());
  if (!m) return 0;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'd':
      return n * 86_400_000;
    case 'h':
      return n * 3_600_000;
    case 'm':
      return n * 60_000;
    case 'ms':
      return n;
    default:
      return n * 1000;
  }
}

function pickTimeout(system: number, user: number): number {
  if (system === 0) return user;
  if (user === 0) return system;
  return Math.min(system, user);
}

const LEAF_EXCLUDED = new Set(['folder', 'tag', 'conversation']);

/** Runs the purge of one mailbox at the mailbox clock's time. */
export function purgeMailbox(mbox: Mailbox, attr: PurgeAttrs, opts: { tombstoneMaxAgeMs?: number } = {}): PurgeResult {
  const now = mbox.clock.now();
  const bool = (name: string): boolean => (attr(name) ?? 'TRUE').toUpperCase() === 'TRUE';
  const trash = pickTimeout(
    durationMs(attr('zimbraMailTrashLifetime') ?? DEFAULT_LIFETIME),
    durationMs(attr('zimbraPrefTrashLifetime')),
  );
  const junk = pickTimeout(
    durationMs(attr('zimbraMailSpamLifetime') ?? DEFAULT_LIFETIME),
    durationMs(attr('zimbraPrefJunkLifetime')),
  );
  const items: MailItem[] = [];
  const folders: MailItem[] = [];
  const collect = (root: number, lifetime: number, changeDateAttr: string, trashOnly: boolean): void => {
    if (lifetime > 0) purgeFolder(mbox, root, now - lifetime, bool(changeDateAttr), trashOnly, items, folders);
  };
  collect(FOLDER.TRASH, trash, 'zimbraMailPurgeUseChangeDateForTrash', true);
  collect(FOLDER.JUNK, junk, 'zimbraMailPurgeUseChangeDateForSpam', false);
  // one change for the whole purge, and none at all when nothing is old enough (Zimbra takes a
  // change number only when something is modified)
  if (items.length + folders.length > 0)
    mbox.transaction((txn) => {
      for (const item of items) removeItemIn(mbox, txn, item);
      for (const f of folders) txn.remove(f);
    });
  const purged = items.map((i) => i.id);
  let tombstoneCutoff = 0;
  if (mbox.trackingSync)
    tombstoneCutoff = mbox.purgeTombstonesBefore(now - (opts.tombstoneMaxAgeMs ?? TOMBSTONE_MAX_AGE_MS));
  return { purged, tombstoneCutoff };
}

/** Folder.purgeMessages for one system folder and its subfolder hierarchy. */
function purgeFolder(
  mbox: Mailbox,
  rootId: number,
  beforeMs: number,
  useChangeDate: boolean,
  deleteEmptySubfolders: boolean,
  items: MailItem[],
  emptied: MailItem[],
): void {
  const when = (i: MailItem): number => (useChangeDate ? i.changeDate : i.date);
  // the hierarchy, parents first; subfolders changed (moved to Trash) since the cutoff are skipped
  const folders: MailItem[] = [];
  const walk = (id: number, top: boolean): void => {
    const f = mbox.get(id);
    if (!f) return;
    if (!top && useChangeDate && f.changeDate >= beforeMs) return;
    folders.push(f);
    for (const sub of mbox.subfolders(id)) walk(sub.id, false);
  };
  walk(rootId, true);
  for (const f of folders)
    for (const id of [...mbox.folderContents(f.id).ids]) {
      const item = mbox.get(id);
      if (item && !LEAF_EXCLUDED.has(item.type) && when(item) < beforeMs) items.push(item);
    }
  if (!deleteEmptySubfolders) return;
  const leaving = new Set(items.map((i) => i.id));
  const gone = new Set<number>();
  // deepest first: a folder emptied by this purge (and whose subfolders go too) goes as well
  for (let i = folders.length - 1; i >= 1; i--) {
    const f = folders[i]!;
    const left = [...mbox.folderContents(f.id).ids].filter((id) => !leaving.has(id)).length;
    const subs = mbox.subfolders(f.id).filter((s) => !gone.has(s.id)).length;
    if (left === 0 && subs === 0 && when(f) < beforeMs) {
      gone.add(f.id);
      emptied.push(f);
    }
  }
}
