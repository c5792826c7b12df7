/**
 * One mailbox: its items, its single change counter, the change index that makes delta sync
 * cost proportional to the change, and tombstones. Every mutation runs inside
 * {@link Mailbox.transaction}, which takes the next change id, as Zimbra's mailbox
 * transactions do; every item it touches gets `ms` = that id (PROTOCOL.md 2f).
 */
import { randomUUID } from 'node:crypto';
import { REAL_CLOCK, type MailboxClock } from './clock.js';
import { FIRST_USER_ID, FOLDER, INTEREST, newItem, type ItemType, type MailItem } from './item.js';

/** A deleted item remembered for delta sync (`mail_item_tombstone`). */
export interface Tombstone {
  changeId: number;
  id: number;
  type: ItemType;
  /** When the item was deleted (the `date` column of `tombstone`: purged by age). */
  dateMs: number;
}

/** What one committed transaction changed, for WaitSets. */
export interface ChangeEvent {
  accountId: string;
  changeId: number;
  /** WaitSet interest letters touched (`f m c a t d`). */
  interests: Set<string>;
}

/** The handle a transaction body uses to create, modify and delete items. */
export interface Txn {
  readonly changeId: number;
  create(init: Partial<MailItem> & Pick<MailItem, 'type' | 'folderId'>): MailItem;
  modify(item: MailItem, edit: (item: MailItem) => void, content?: boolean): void;
  remove(item: MailItem): void;
}

const SYSTEM_FOLDERS: Array<[number, string, number, string | undefined]> = [
  [FOLDER.ROOT, 'ROOT', FOLDER.ROOT, undefined],
  [FOLDER.USER_ROOT, 'USER_ROOT', FOLDER.ROOT, undefined],
  [FOLDER.INBOX, 'Inbox', FOLDER.USER_ROOT, 'message'],
  [FOLDER.TRASH, 'Trash', FOLDER.USER_ROOT, undefined],
  [FOLDER.JUNK, 'Junk', FOLDER.USER_ROOT, 'message'],
  [FOLDER.SENT, 'Sent', FOLDER.USER_ROOT, 'message'],
  [FOLDER.DRAFTS, 'Drafts', FOLDER.USER_ROOT, 'message'],
  [FOLDER.CONTACTS, 'Contacts', FOLDER.USER_ROOT, 'contact'],
  [FOLDER.TAGS, 'Tags', FOLDER.ROOT, undefined],
  [FOLDER.CONVERSATIONS, 'Conversations', FOLDER.ROOT, undefined],
  [FOLDER.CALENDAR, 'Calendar', FOLDER.USER_ROOT, 'appointment'],
  [FOLDER.AUTO_CONTACTS, 'Emailed Contacts', FOLDER.USER_ROOT, 'contact'],
  // Mailbox.java creates Chats (ID_FOLDER_IM_LOGS) with the message view; zm-mailbox's captured GetFolderResponses agree
  [FOLDER.CHATS, 'Chats', FOLDER.USER_ROOT, 'message'],
  [FOLDER.TASKS, 'Tasks', FOLDER.USER_ROOT, 'task'],
  [FOLDER.BRIEFCASE, 'Briefcase', FOLDER.USER_ROOT, 'document'],
];

/** An account's mailbox. */
export class Mailbox {
  lastChangeId = 0;
  nextId = FIRST_USER_ID;
  /** Sum of item sizes in bytes. */
  size = 0;
  /** Set by the first SyncRequest (`beginTrackingSync`); deletes are tombstoned only after that. */
  trackingSync = false;
  /** Tokens (or delete cutoffs) below this get `mail.MUST_RESYNC`. */
  syncCutoff = 0;
  readonly items = new Map<number, MailItem>();
  readonly folderIds = new Set<number>();
  readonly tagIds = new Set<number>();
  /** Non-folder, non-tag item ids by modifiedSequence. */
  private readonly byChange = new Map<number, Set<number>>();
  /** Non-folder item ids per folder, with unread and size totals. */
  private readonly contents = new Map<number, { ids: Set<number>; unread: number; size: number }>();
  readonly tombstones: Tombstone[] = [];
  /** Message-ID header to message id, for conversation threading. */
  readonly messageIds = new Map<string, number>();
  /** Message ids of each real conversation. */
  readonly convMembers = new Map<number, Set<number>>();
  private listener: ((e: ChangeEvent) => void) | undefined;

  constructor(
    readonly accountId: string,
    readonly mailboxId: number,
    /** Dates of items, changes and tombstones (clock.ts). */
    readonly clock: MailboxClock = REAL_CLOCK,
  ) {
    this.transaction((txn) => {
      for (const [id, name, parent, view] of SYSTEM_FOLDERS) {
        txn.create({ id, type: 'folder', name, folderId: parent, view });
      }
    });
  }

  /** Registers the one change listener (the WaitSet manager). */
  onChange(listener: ((e: ChangeEvent) => void) | undefined): void {
    this.listener = listener;
  }

  /** The open transaction, so nested calls join it (one change id for a composite operation). */
  private current: { txn: Txn; interests: Set<string> } | undefined;

  /** Runs `body` as one change: all items it touches share the new change id; nested calls join the open one. */
  transaction<T>(body: (txn: Txn) => T): T {
    if (this.current) return body(this.current.txn);
    const changeId = this.lastChangeId + 1;
    const interests = new Set<string>();
    const now = this.clock.now();
    const txn: Txn = {
      changeId,
      create: (init) => {
        const id = init.id ?? this.nextId++;
        const item = newItem({
          uuid: randomUUID(),
          date: now,
          ...init,
          id,
          modifiedSequence: changeId,
          savedSequence: changeId,
          changeDate: now,
        });
        this.items.set(id, item);
        this.index(item);
        interests.add(INTEREST[item.type]);
        return item;
      },
      modify: (item, edit, content = false) => {
        this.unindex(item);
        edit(item);
        item.modifiedSequence = changeId;
        if (content) item.savedSequence = changeId;
        item.changeDate = now;
        this.index(item);
        interests.add(INTEREST[item.type]);
      },
      remove: (item) => {
        if (!this.items.has(item.id)) return;
        this.unindex(item);
        this.items.delete(item.id);
        if (item.messageId && this.messageIds.get(item.messageId) === item.id) this.messageIds.delete(item.messageId);
        if (this.trackingSync) this.tombstones.push({ changeId, id: item.id, type: item.type, dateMs: now });
        interests.add(INTEREST[item.type]);
      },
    };
    this.lastChangeId = changeId;
    this.current = { txn, interests };
    let result: T;
    try {
      result = body(txn);
    } finally {
      this.current = undefined;
    }
    if (interests.size > 0) this.listener?.({ accountId: this.accountId, changeId, interests });
    return result;
  }

  private index(item: MailItem): void {
    this.size += item.size;
    if (item.type === 'folder') return void this.folderIds.add(item.id);
    if (item.type === 'tag') return void this.tagIds.add(item.id);
    let set = this.byChange.get(item.modifiedSequence);
    if (!set) this.byChange.set(item.modifiedSequence, (set = new Set()));
    set.add(item.id);
    const c = this.folderContents(item.folderId);
    c.ids.add(item.id);
    c.size += item.size;
    if (item.flags.includes('u')) c.unread++;
  }

  private unindex(item: MailItem): void {
    this.size -= item.size;
    if (item.type === 'folder') return void this.folderIds.delete(item.id);
    if (item.type === 'tag') return void this.tagIds.delete(item.id);
    const set = this.byChange.get(item.modifiedSequence);
    set?.delete(item.id);
    if (set?.size === 0) this.byChange.delete(item.modifiedSequence);
    const c = this.folderContents(item.folderId);
    c.ids.delete(item.id);
    c.size -= item.size;
    if (item.flags.includes('u')) c.unread--;
  }

  /** Ids, unread count and total size of the non-folder items directly in a folder. */
  folderContents(folderId: number): { ids: Set<number>; unread: number; size: number } {
    let c = this.contents.get(folderId);
    if (!c) this.contents.set(folderId, (c = { ids: new Set(), unread: 0, size: 0 }));
    return c;
  }

  /**
   * Non-folder, non-tag items with `ms` in (after, upTo], sorted by (ms, id) as
   * `DbMailItem.getModifiedItems` returns them. Cost: the number of change ids in the range.
   */
  *modifiedItems(after: number): Generator<MailItem> {
    for (let cid = after + 1; cid <= this.lastChangeId; cid++) {
      const set = this.byChange.get(cid);
      if (!set) continue;
      const ids = [...set].sort((a, b) => a - b);
      for (const id of ids) {
        const item = this.items.get(id);
        if (item) yield item;
      }
    }
  }

  /** Tombstones with changeId > after, in (changeId, id) order. Binary search: they are appended in change order. */
  tombstonesAfter(after: number): Tombstone[] {
    let lo = 0;
    let hi = this.tombstones.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.tombstones[mid]?.changeId ?? 0) <= after) lo = mid + 1;
      else hi = mid;
    }
    return this.tombstones.slice(lo).sort((a, b) => a.changeId - b.changeId || a.id - b.id);
  }

  /**
   * DbMailItem.purgeTombstones: drops the tombstones written at or before `beforeMs` and raises
   * the sync cutoff to the newest change among them, so a token older than that answers
   * `mail.MUST_RESYNC`. Returns that change (0: none dropped).
   */
  purgeTombstonesBefore(beforeMs: number): number {
    let keep = 0;
    let largest = 0;
    // appended in change order, and change dates only grow: the old ones are a prefix
    while (keep < this.tombstones.length && (this.tombstones[keep]?.dateMs ?? 0) <= beforeMs) {
      largest = Math.max(largest, this.tombstones[keep]?.changeId ?? 0);
      keep++;
    }
    this.tombstones.splice(0, keep);
    if (largest > this.syncCutoff) this.syncCutoff = largest;
    return largest;
  }

  /** Drops tombstones up to `upTo` and raises the sync cutoff (the purge hook). */
  expireTombstones(upTo = this.lastChangeId): void {
    let keep = 0;
    while (keep < this.tombstones.length && (this.tombstones[keep]?.changeId ?? 0) <= upTo) keep++;
    this.tombstones.splice(0, keep);
    this.syncCutoff = Math.max(this.syncCutoff, upTo);
  }

  /** Starts tombstone tracking on the first sync (`Mailbox.beginTrackingSync`). */
  beginTrackingSync(): void {
    if (this.trackingSync) return;
    this.trackingSync = true;
    this.syncCutoff = this.lastChangeId;
  }

  /** The item or undefined. */
  get(id: number): MailItem | undefined {
    return this.items.get(id);
  }

  /** Direct subfolders of a folder, by id. */
  subfolders(id: number): MailItem[] {
    const out: MailItem[] = [];
    for (const fid of this.folderIds) {
      const f = this.items.get(fid);
      if (f && f.folderId === id && f.id !== id) out.push(f);
    }
    return out.sort((a, b) => a.id - b.id);
  }

  /** Absolute folder path (`/Inbox/sub`); the user root is `/`. */
  folderPath(id: number): string {
    const names: string[] = [];
    let cur = this.items.get(id);
    while (cur && cur.id !== FOLDER.USER_ROOT && cur.id !== FOLDER.ROOT) {
      names.unshift(cur.name ?? '');
      cur = this.items.get(cur.folderId);
    }
    return '/' + names.join('/');
  }

  /** Looks a folder up by absolute path (case-insensitive, as Zimbra folder names are). */
  folderByPath(path: string): MailItem | undefined {
    const parts = path.split('/').filter((p) => p !== '');
    let cur = this.items.get(FOLDER.USER_ROOT);
    for (const part of parts) {
      if (!cur) return undefined;
      const lower = part.toLowerCase();
      cur = this.subfolders(cur.id).find((f) => (f.name ?? '').toLowerCase() === lower);
    }
    return cur;
  }

  /** Tag by name (case-insensitive). */
  tagByName(name: string): MailItem | undefined {
    const lower = name.toLowerCase();
    for (const id of this.tagIds) {
      const t = this.items.get(id);
      if (t && (t.name ?? '').toLowerCase() === lower) return t;
    }
    return undefined;
  }
}
