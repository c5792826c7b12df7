/**
 * Maps what the server reported (sync listings, metadata) to journal records, and decides
 * whether a record is already what the journal holds (so a replayed batch adds nothing).
 * @module
 */
import type { FolderInfo, ItemSummary, ItemType, TagInfo } from '../soap/requests/items.js';
import type { ItemKind, ItemRecord, JournalRecordInput, JsonValue } from '../journal/types.js';

/** Zimbra item type -> journal kind; undefined for types the backup does not keep. */
export function kindOf(type: ItemType): ItemKind | undefined {
  switch (type) {
    case 'folder':
    case 'search':
    case 'tag':
    case 'message':
    case 'contact':
    case 'appointment':
    case 'task':
    case 'document':
      return type;
    case 'link':
      return 'mountpoint';
    case 'wiki':
      return 'document';
    // Chat.java: a Message subclass with an RFC 822 blob; kept as a message (meta.zimbraType "chat")
    case 'chat':
      return 'message';
    case 'note':
      return 'note';
    default:
      return undefined;
  }
}

type ItemInput = Extract<JournalRecordInput, { type: 'item' }>;

function times(s: ItemSummary): Pick<ItemInput, 'changeMs' | 'modifiedSequence'> {
  const out: Pick<ItemInput, 'changeMs' | 'modifiedSequence'> = {};
  if (s.changeDateSeconds !== undefined) out.changeMs = s.changeDateSeconds * 1000;
  if (s.modifiedSequence !== undefined) out.modifiedSequence = s.modifiedSequence;
  return out;
}

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

/** A folder, saved search or mountpoint as a journal record. */
export function folderRecord(f: FolderInfo): ItemInput {
  const meta: { [k: string]: JsonValue } = {};
  if (f.view !== undefined) meta['view'] = f.view;
  if (f.color !== undefined) meta['color'] = f.color;
  if (f.rgb !== undefined) meta['rgb'] = f.rgb;
  if (f.url !== undefined) meta['url'] = f.url;
  if (f.query !== undefined) meta['query'] = f.query;
  if (f.ownerId !== undefined) meta['ownerId'] = f.ownerId;
  if (f.remoteId !== undefined) meta['remoteId'] = f.remoteId;
  if (f.grants.length > 0) meta['grants'] = f.grants;
  return defined<ItemInput>({
    type: 'item',
    kind: kindOf(f.type) ?? 'folder',
    id: f.id,
    folderId: f.parentId ?? f.folderId,
    name: f.name,
    flags: f.flags,
    dateMs: f.dateMs,
    savedSequence: f.savedSequence,
    ...times(f),
    ...(Object.keys(meta).length > 0 ? { meta } : {}),
  });
}

/** A tag as a journal record. */
export function tagRecord(t: TagInfo): ItemInput {
  const meta: { [k: string]: JsonValue } = {};
  if (t.color !== undefined) meta['color'] = t.color;
  if (t.rgb !== undefined) meta['rgb'] = t.rgb;
  return defined<ItemInput>({
    type: 'item',
    kind: 'tag',
    id: t.id,
    name: t.name,
    savedSequence: t.savedSequence,
    ...times(t),
    ...(Object.keys(meta).length > 0 ? { meta } : {}),
  });
}

/** Content facts of an item whose bytes are in the blob store. */
export interface ContentFacts {
  digest?: string;
  size?: number;
  meta?: { [k: string]: JsonValue };
}

/** A content-bearing item (message, contact, appointment, task, document) as a journal record. */
export function itemRecord(kind: ItemKind, s: ItemSummary, content: ContentFacts): ItemInput {
  return defined<ItemInput>({
    type: 'item',
    kind,
    id: s.id,
    folderId: s.folderId,
    name: s.name,
    flags: s.flags ?? '',
    tags: s.tagNames ?? [],
    tagIds: s.tagIds,
    dateMs: s.dateMs,
    size: content.size ?? s.size,
    digest: content.digest,
    savedSequence: s.savedSequence,
    ...times(s),
    ...(content.meta !== undefined ? { meta: content.meta } : {}),
  });
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * True when `next` adds nothing to `prev`: same modified sequence and the same visible state.
 * Keys replays idempotent (DESIGN invariant 3) without trusting sequences alone, since an
 * initial listing does not always carry them.
 */
export function sameVersion(prev: ItemRecord | undefined, next: ItemInput): boolean {
  if (!prev || prev.kind !== next.kind) return false;
  if (next.modifiedSequence !== undefined && prev.modifiedSequence !== next.modifiedSequence) return false;
  return (
    prev.folderId === next.folderId &&
    prev.name === next.name &&
    (prev.flags ?? '') === (next.flags ?? '') &&
    sameJson(prev.tags ?? [], next.tags ?? []) &&
    prev.digest === next.digest &&
    prev.dateMs === next.dateMs &&
    sameJson(prev.meta, next.meta)
  );
}
