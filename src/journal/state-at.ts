import type { Batch } from './segment.js';
import {
  FOLDER_KINDS,
  type AccountRecord,
  type DeletedItem,
  type FolderEntry,
  type ItemRecord,
  type JournalRecord,
  type JournalRecordInput,
  type JsonValue,
  type MailboxState,
} from './types.js';
import { canonicalJson } from '../internal/canonical-json.js';

/** Zimbra's root folder id (USER_ROOT); its path is `/`. */
const ROOT_FOLDER_ID = '1';

/** Sequence stored for a tombstone whose item had no known modified sequence. */
const UNKNOWN_SEQUENCE = -1;

/** Deep equality of JSON values, whatever their key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function sameVersion(a: Omit<ItemRecord, 'captureMs'>, b: Omit<ItemRecord, 'captureMs'>): boolean {
  const { captureMs: _a, ...ra } = a as ItemRecord;
  const { captureMs: _b, ...rb } = b as ItemRecord;
  return sameJson(ra, rb);
}

/**
 * The mutable mailbox state a replay builds: live items by id, tombstones (deleted ids with their
 * last modified sequence, for idempotent replays), the account snapshot and the last cursor.
 * Metadata only, so one account's state fits in memory.
 */
export class StateBuilder {
  /** Live items by id. */
  readonly items = new Map<string, ItemRecord>();
  /** Deleted ids and their modified sequence at deletion ({@link UNKNOWN_SEQUENCE} when unknown). */
  readonly tombstones = new Map<string, number>();
  account: AccountRecord | undefined;
  accountDeleted = false;
  seq = 0;
  captureMs = 0;
  cursor: JsonValue | undefined;
  /** Records applied (including those from a checkpoint's count). */
  records = 0;

  /** Applies one committed batch. */
  applyBatch(batch: Batch, onDelete?: (d: DeletedItem) => void): void {
    for (const record of batch.records) this.apply(record, onDelete);
    this.seq = batch.seq;
    this.captureMs = batch.captureMs;
    this.cursor = batch.state;
  }

  /** Applies one record; `onDelete` hears every live item removed (cascades included). */
  apply(record: JournalRecord, onDelete?: (d: DeletedItem) => void): void {
    this.records += 1;
    switch (record.type) {
      case 'item':
        this.items.set(record.id, record);
        this.tombstones.delete(record.id);
        break;
      case 'delete':
        this.remove(record.id, record.modifiedSequence, record, undefined, onDelete);
        break;
      case 'account':
        this.account = record;
        this.accountDeleted = false;
        break;
      case 'account-deleted':
        this.accountDeleted = true;
        break;
      case 'resync':
        break;
    }
  }

  private remove(
    id: string,
    sequence: number | undefined,
    cause: JournalRecord,
    viaFolderId: string | undefined,
    onDelete?: (d: DeletedItem) => void,
  ): void {
    const version = this.items.get(id);
    this.tombstones.set(id, sequence ?? version?.modifiedSequence ?? UNKNOWN_SEQUENCE);
    if (!version) return;
    this.items.delete(id);
    if (onDelete) {
      const d: DeletedItem = { id, kind: version.kind, lastVersion: version, deletedCaptureMs: cause.captureMs };
      if (cause.changeMs !== undefined) d.deletedChangeMs = cause.changeMs;
      if (viaFolderId !== undefined) d.viaFolderId = viaFolderId;
      onDelete(d);
    }
    // A deleted folder takes its subtree with it (Zimbra hard-deletes a folder's contents); the
    // server usually lists those ids too, and then their own deletes are replays.
    if (FOLDER_KINDS.has(version.kind)) {
      const children = [...this.items.values()].filter((it) => it.folderId === id && it.id !== id);
      for (const child of children) this.remove(child.id, child.modifiedSequence, cause, viaFolderId ?? id, onDelete);
    }
  }

  /**
   * Splits `records` into those that add something and those that replay what the state already
   * holds (DESIGN invariant 3): an item version with a modified sequence at or below the current
   * (or deleted) one, an identical version when sequences are unknown, a delete of an item already
   * gone, an unchanged account snapshot. Earlier records of the same batch count. Without
   * `bySequence` (sequences restarted after a mailbox move) only identical versions are replays.
   */
  filterReplays(
    records: readonly JournalRecordInput[],
    opts: { bySequence?: boolean } = {},
  ): { fresh: JournalRecordInput[]; skipped: number } {
    const bySequence = opts.bySequence !== false;
    type Slot = { live: Omit<ItemRecord, 'captureMs'> } | { dead: number };
    const overlay = new Map<string, Slot>();
    const lookup = (id: string): Slot | undefined => {
      const o = overlay.get(id);
      if (o) return o;
      const it = this.items.get(id);
      if (it) return { live: it };
      const tomb = this.tombstones.get(id);
      return tomb === undefined ? undefined : { dead: tomb };
    };
    let attrs: unknown = this.account?.attrs;
    let deleted = this.accountDeleted;
    const fresh: JournalRecordInput[] = [];
    for (const rec of records) {
      let replay = false;
      if (rec.type === 'item') {
        const slot = lookup(rec.id);
        if (slot && 'live' in slot) {
          const cur = slot.live;
          replay =
            bySequence && rec.modifiedSequence !== undefined && cur.modifiedSequence !== undefined
              ? rec.modifiedSequence <= cur.modifiedSequence
              : sameVersion(cur, rec);
        } else if (slot && bySequence && rec.modifiedSequence !== undefined) {
          replay = rec.modifiedSequence <= slot.dead;
        }
        if (!replay) overlay.set(rec.id, { live: rec });
      } else if (rec.type === 'delete') {
        const slot = lookup(rec.id);
        replay = slot !== undefined && 'dead' in slot;
        if (!replay) {
          const last = slot && 'live' in slot ? slot.live.modifiedSequence : undefined;
          overlay.set(rec.id, { dead: rec.modifiedSequence ?? last ?? UNKNOWN_SEQUENCE });
        }
      } else if (rec.type === 'account') {
        replay = !deleted && sameJson(attrs, rec.attrs);
        attrs = rec.attrs;
        deleted = false;
      } else if (rec.type === 'account-deleted') {
        replay = deleted;
        deleted = true;
      }
      if (!replay) fresh.push(rec);
    }
    return { fresh, skipped: records.length - fresh.length };
  }

  /** An immutable view of the state with folder paths computed. */
  snapshot(): MailboxState {
    const items = new Map(this.items);
    const folders = new Map<string, FolderEntry>();
    const tags = new Map<string, ItemRecord>();
    for (const it of items.values()) {
      if (it.kind === 'tag') tags.set(it.id, it);
    }
    const pathOf = folderPaths(items);
    for (const it of items.values()) {
      if (FOLDER_KINDS.has(it.kind)) folders.set(it.id, { record: it, path: pathOf(it.id) });
    }
    return {
      seq: this.seq,
      captureMs: this.captureMs,
      cursor: this.cursor,
      items,
      folders,
      tags,
      account: this.account,
      accountDeleted: this.accountDeleted,
    };
  }
}

/**
 * Path computation from folder records: the root is `/`, a child of the root `/name`, and a folder
 * whose parent is unknown hangs below the root. Cycles (never sent by a server, but data is data)
 * are cut at the repeated folder.
 */
function folderPaths(items: ReadonlyMap<string, ItemRecord>): (id: string) => string {
  const memo = new Map<string, string>();
  const resolve = (id: string, seen: Set<string>): string => {
    const cached = memo.get(id);
    if (cached !== undefined) return cached;
    const rec = items.get(id);
    let path: string;
    if (!rec || id === ROOT_FOLDER_ID) path = '/';
    else {
      const parent = rec.folderId;
      const name = rec.name ?? id;
      if (parent === undefined || parent === id || seen.has(parent) || !items.has(parent)) path = `/${name}`;
      else {
        seen.add(id);
        const base = resolve(parent, seen);
        path = base === '/' ? `/${name}` : `${base}/${name}`;
      }
    }
    memo.set(id, path);
    return path;
  };
  return (id) => resolve(id, new Set());
}
