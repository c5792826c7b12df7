/**
 * Read-only views of a mailbox for tests: folders with paths, tags, and items with the
 * fields a backup must reproduce (hex SHA-256 of the blob).
 */
import { createHash } from 'node:crypto';
import type { ItemType } from './model/item.js';
import type { Mailbox } from './model/mailbox.js';

/** A folder in a snapshot. */
export interface SnapshotFolder {
  id: number;
  parentId: number;
  name: string;
  path: string;
  view: string | undefined;
  modifiedSequence: number;
}

/** An item in a snapshot. */
export interface SnapshotItem {
  id: number;
  type: ItemType;
  folderId: number;
  flags: string;
  /** Tag names. */
  tags: string[];
  dateMs: number;
  modifiedSequence: number;
  savedSequence: number;
  size: number;
  /** Lower-case hex SHA-256 of the blob (messages, documents, calendar items). */
  sha256: string | undefined;
  subject: string | undefined;
  name: string | undefined;
  uid: string | undefined;
  fields: Record<string, string> | undefined;
  /** Contact attachments (photo = field `image`): field, content type, file name and SHA-256 of the bytes. */
  parts?: Array<{ field: string; contentType: string; filename: string; sha256: string }>;
  /** Contact-group members. */
  members?: Array<{ type: string; value: string }>;
}

/** A whole mailbox snapshot. */
export interface MailboxSnapshot {
  lastChangeId: number;
  folders: SnapshotFolder[];
  tags: Array<{ id: number; name: string; color: number | undefined }>;
  items: SnapshotItem[];
}

/** Builds a snapshot (sorted by id). */
export function snapshotOf(mbox: Mailbox): MailboxSnapshot {
  const folders: SnapshotFolder[] = [];
  const tags: MailboxSnapshot['tags'] = [];
  const items: SnapshotItem[] = [];
  for (const item of [...mbox.items.values()].sort((a, b) => a.id - b.id)) {
    if (item.type === 'folder') {
      folders.push({
        id: item.id,
        parentId: item.folderId,
        name: item.name ?? '',
        path: mbox.folderPath(item.id),
        view: item.view,
        modifiedSequence: item.modifiedSequence,
      });
    } else if (item.type === 'tag') {
      tags.push({ id: item.id, name: item.name ?? '', color: item.color });
    } else if (item.type !== 'conversation') {
      items.push({
        id: item.id,
        type: item.type,
        folderId: item.folderId,
        flags: item.flags,
        tags: item.tagIds.map((id) => mbox.get(id)?.name ?? '').filter((t) => t !== ''),
        dateMs: item.date,
        modifiedSequence: item.modifiedSequence,
        savedSequence: item.savedSequence,
        size: item.size,
        sha256: item.digest,
        subject: item.subject,
        name: item.name,
        uid: item.uid,
        fields: item.fields ? { ...item.fields } : undefined,
        ...(item.parts?.length
          ? {
              parts: item.parts.map((p) => ({
                field: p.field,
                contentType: p.contentType,
                filename: p.filename,
                sha256: createHash('sha256').update(p.bytes).digest('hex'),
              })),
            }
          : {}),
        ...(item.members?.length ? { members: item.members.map((m) => ({ ...m })) } : {}),
      });
    }
  }
  return { lastChangeId: mbox.lastChangeId, folders, tags, items };
}
