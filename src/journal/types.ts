import type { Logger } from '../internal/logger.js';
import type { StorageBackend } from '../store/backends/backend.js';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- imported for a TSDoc {@link} (typedoc resolves it through the import)
import type { Journal } from './journal.js';

/** A JSON value: what the opaque cursor state of a commit may hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Kinds of mailbox item the journal records (Zimbra's item types, readable names). */
export type ItemKind =
  | 'folder'
  | 'tag'
  | 'message'
  | 'contact'
  | 'appointment'
  | 'task'
  | 'document'
  | 'search'
  | 'mountpoint'
  /** A sticky note (MailItem.Type.NOTE): metadata only (`meta.content`, `meta.bounds`), no blob. */
  | 'note';

/** Every {@link ItemKind}, for validation. */
export const ITEM_KINDS: readonly ItemKind[] = [
  'folder',
  'tag',
  'message',
  'contact',
  'appointment',
  'task',
  'document',
  'search',
  'mountpoint',
  'note',
];

/** Item kinds that form the folder tree (Zimbra's Folder subclasses). */
export const FOLDER_KINDS: ReadonlySet<ItemKind> = new Set<ItemKind>(['folder', 'search', 'mountpoint']);

/** Times and sequence every record carries. */
export interface RecordTimes {
  /**
   * Capture time in ms since the epoch: when this repository committed the record. Stamped by
   * {@link Journal.commit} (one value per batch), never decreasing along the journal; `stateAt(t)`
   * compares against it.
   */
  captureMs: number;
  /**
   * The server's change time in ms since the epoch, when known. Zimbra reports item change dates
   * (`md`) in seconds: the parser multiplies by 1000, so this is coarse to the second.
   */
  changeMs?: number;
  /** The server's modified sequence (Zimbra `ms`): with the item id, the idempotence key. */
  modifiedSequence?: number;
}

/** A new version of an item (created, modified, moved, retagged...). */
export interface ItemRecord extends RecordTimes {
  type: 'item';
  /** What the item is. */
  kind: ItemKind;
  /** The server's item id (a string: shared items may be `accountId:id`). */
  id: string;
  /** Id of the containing folder (for folders: the parent folder). */
  folderId?: string;
  /** Name of folders, tags, searches, mountpoints and documents. Data, never a path segment. */
  name?: string;
  /** Zimbra flag letters (`u` unread, `f` flagged, ...). */
  flags?: string;
  /** Tag names. */
  tags?: string[];
  /** Tag ids, when the server reports ids rather than names. */
  tagIds?: string[];
  /** The item's own date (a message's received date), ms since the epoch. */
  dateMs?: number;
  /** Content size in bytes. */
  size?: number;
  /** Lower-case hex SHA-256 of the item's content blob in the blob store, when it has content. */
  digest?: string;
  /** The server's saved sequence (content revision, Zimbra `rev`/`s`). */
  savedSequence?: number;
  /**
   * Type-specific metadata: contact fields and part digests, the calendar UID and the digest of
   * the lossless iCalendar/MIME blob, folder view and color, tag color, search query, mountpoint owner...
   */
  meta?: { [key: string]: JsonValue };
}

/** An item deletion reported by the server. */
export interface DeleteRecord extends RecordTimes {
  type: 'delete';
  /** The deleted item's id. */
  id: string;
  /** Its kind, when the server said. */
  kind?: ItemKind;
  /**
   * Only on deletions synthesized by {@link Journal.history} for an item that went with its
   * folder: that folder's id. Never stored.
   */
  viaFolderId?: string;
}

/** A snapshot of the account's attributes (zimbraPrefs, COS, quota...). */
export interface AccountRecord extends RecordTimes {
  type: 'account';
  /** Attribute name to value(s). */
  attrs: { [name: string]: string | string[] };
}

/** The account no longer exists on the server. A later `account` record revives it. */
export interface AccountDeletedRecord extends RecordTimes {
  type: 'account-deleted';
}

/** A full resync started (the server refused the sync token); informational. */
export interface ResyncRecord extends RecordTimes {
  type: 'resync';
  /** Why, e.g. `mail.MUST_RESYNC`. */
  reason?: string;
}

/** One journal record: a discriminated union on `type`. */
export type JournalRecord = ItemRecord | DeleteRecord | AccountRecord | AccountDeletedRecord | ResyncRecord;

/** A record as given to {@link Journal.commit}: the journal stamps `captureMs`. */
export type JournalRecordInput = {
  [K in JournalRecord['type']]: Omit<Extract<JournalRecord, { type: K }>, 'captureMs'> & { captureMs?: number };
}[JournalRecord['type']];

/** A folder-like item of a {@link MailboxState} with its computed path. */
export interface FolderEntry {
  /** The folder's current version. */
  record: ItemRecord;
  /** Slash-separated path from the root (`/` for the root, `/Inbox/Sub` below it). */
  path: string;
}

/** The mailbox as it was after some commit: folder tree, tags and every live item. */
export interface MailboxState {
  /** Batch sequence number of the last commit included (0: nothing). */
  seq: number;
  /** Capture time of that commit, ms since the epoch (0: nothing). */
  captureMs: number;
  /** The cursor state stored with that commit. */
  cursor: JsonValue | undefined;
  /** Every live item (folders and tags included) by id, at its current version. */
  items: ReadonlyMap<string, ItemRecord>;
  /** Folders, search folders and mountpoints by id, with paths. */
  folders: ReadonlyMap<string, FolderEntry>;
  /** Tags by id. */
  tags: ReadonlyMap<string, ItemRecord>;
  /** The last account attribute snapshot, if any. */
  account: AccountRecord | undefined;
  /** True when the last account event is an `account-deleted` marker. */
  accountDeleted: boolean;
}

/** One item that disappeared, as reported by {@link Journal.deletedBetween}. */
export interface DeletedItem {
  /** Item id. */
  id: string;
  /** Its kind. */
  kind: ItemKind;
  /** Its last version before the deletion. */
  lastVersion: ItemRecord;
  /** Capture time of the deletion, ms since the epoch. */
  deletedCaptureMs: number;
  /** Server change time of the deletion, when known. */
  deletedChangeMs?: number;
  /** Set when the item went with a deleted folder rather than by its own delete record. */
  viaFolderId?: string;
}

/** Options of {@link Journal.open}. */
export interface JournalOptions {
  /** Where the objects live. */
  backend: StorageBackend;
  /** The account's directory in the repository, e.g. `accounts/<zimbraId>/`; the journal owns `journal/` below it. */
  prefix: string;
  /** Logger for recovery warnings. Default: silent. */
  logger?: Logger | false;
  /** Clock for capture times, ms since the epoch. Default: `Date.now`. */
  clock?: () => number;
  /** Open for reading only: never deletes torn tails or leftovers, and refuses commits. Default false. */
  readOnly?: boolean;
  /**
   * Minimum number of records between checkpoints. A checkpoint is written once the records since
   * the last one reach max(this, live items at the last checkpoint). Default 10,000; 0 disables.
   */
  checkpointMinRecords?: number;
  /**
   * Minimum records since the newest checkpoint before {@link Journal.checkpointIfBehind} writes
   * one (it also waits for an eighth of the live items). Default 2,000 (a smaller account replays
   * in a few milliseconds, and one checkpoint object per account would weigh on the objects per
   * 10,000 items of small repositories); 0 disables.
   */
  headCheckpointMinRecords?: number;
  /**
   * Open without reading the whole state (issue 12): the newest checkpoint's page table only, plus
   * the segments after it. {@link Journal.lookup} and commits then read the checkpoint pages of
   * the ids they name; {@link Journal.current} needs {@link Journal.load} first. A checkpoint
   * without a page table, a folder deletion after it or a damaged page mean a full open. Default false.
   */
  lazy?: boolean;
  /** Merge the single-commit segments at the tail once there are this many (bounds the objects an open reads). Default 64; 0 disables. */
  compactAfterSegments?: number;
  /**
   * Awaited before every commit writes its segment: the blob store's flush (format v2 packs), so a
   * commit never references a blob that is not durable and indexed yet (DESIGN invariant 1).
   */
  beforeCommit?: (signal?: AbortSignal) => Promise<void>;
  /** Aborts the open. */
  signal?: AbortSignal;
}

/** Options of {@link Journal.commit}. */
export interface CommitOptions {
  /** Opaque cursor state (e.g. the sync token) stored with this commit (DESIGN invariant 3). */
  state?: JsonValue;
  /** Capture time, ms since the epoch. Default: the clock. Raised to the last commit's if smaller. */
  captureMs?: number;
  /** Aborts the commit before its segment is written. */
  signal?: AbortSignal;
  /**
   * The mailbox's modified sequences started anew since the versions in the journal were
   * recorded (the account moved to another server: a new mailbox with its own change counter).
   * A record then replays a version only when it is identical to it, never because its sequence
   * is lower. Default false: a version whose modified sequence is at or below the recorded one
   * is a replay (DESIGN invariant 3).
   */
  newSequences?: boolean;
}

/** What {@link Journal.commit} did. */
export interface CommitResult {
  /** Batch sequence number of the commit (the previous one when nothing was written). */
  seq: number;
  /** Capture time stamped on the records. */
  captureMs: number;
  /** Records written. */
  written: number;
  /** Records dropped as replays of versions already in the journal. */
  skipped: number;
  /** True when nothing was written (every record a replay and the state unchanged). */
  noop: boolean;
}

/** A segment or checkpoint ignored on open, and why. */
export interface RecoveredObject {
  /** Object key. */
  key: string;
  /** What was wrong (truncated, bad checksum, no commit marker...). */
  reason: string;
  /** True when the object was deleted (writable open only). */
  removed: boolean;
}

/** Options of {@link Journal.compact}. */
export interface CompactOptions {
  /**
   * Retention hook: return false to drop a record. Never asked about the current version of a
   * live item nor the current account snapshot, which are always kept. Default: keep everything.
   */
  keep?: (record: JournalRecord) => boolean;
  /** Aborts the compaction (nothing is deleted before the new segment is verified). */
  signal?: AbortSignal;
}

/** What {@link Journal.compact} did. */
export interface CompactResult {
  /** Segments merged (0 when there was nothing to do). */
  merged: number;
  /** Records kept. */
  kept: number;
  /** Records dropped by `keep`. */
  dropped: number;
  /** Key of the new segment, when one was written. */
  key?: string;
}

/** Counters of {@link Journal.stats}. */
export interface JournalStats {
  /** Sequence number of the last commit. */
  lastSeq: number;
  /** Capture time of the last commit (ms; 0: none). */
  lastCaptureMs: number;
  /** Records in the journal (after compaction drops). */
  records: number;
  /** Live items in the current state. */
  liveItems: number;
  /** Ids known to be deleted. */
  tombstones: number;
  /** Visible segment objects. */
  segments: number;
  /** Checkpoint objects. */
  checkpoints: number;
  /** Segment objects read since open. */
  segmentReads: number;
  /** Checkpoint pages decoded by a lazily opened journal (0 once it read its whole state). */
  checkpointPagesDecoded: number;
  /** Bytes of segments and checkpoints written since open. */
  bytesWritten: number;
  /** Objects ignored on open. */
  recovered: number;
}
