/**
 * SyncRequest (urn:zimbraMail; sync.txt, Sync.java, PROTOCOL.md 2): the backbone of incremental
 * backup. Without a token the response is the nested folder tree with per-type id lists; with
 * one it is a delta: deletes, changed folders, tags and items, and `more` when paged.
 * @module
 */
import { ZimbraBackupError } from '../../errors.js';
import { attrIdList, attrNum, attrStr, children, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import {
  boolAttr,
  flattenFolders,
  parseFolder,
  parseItem,
  parseTag,
  WIRE_ITEM_TYPES,
  type FolderInfo,
  type ItemSummary,
  type ItemType,
  type TagInfo,
} from './items.js';

/** Params of {@link Sync}. */
export interface SyncParams {
  /** The opaque token of the last response; absent for an initial sync. */
  token?: string;
  /** Root folder id of the synced subtree (server default 11, the whole mailbox). */
  folderId?: string;
  /** Split deletes by type (default true). */
  typed?: boolean;
  /** Max changed items per delta response (the server caps it at 3990). */
  changeLimit?: number;
  /** Max deleted ids per delta response. */
  deleteLimit?: number;
  /** Initial sync: leave out appointments/tasks that ended before this time (ms). */
  calendarCutoffMs?: number;
  /** Leave out messages older than this time (seconds). */
  messageCutoffSeconds?: number;
}

/** Deleted ids of a delta. */
export interface SyncDeleted {
  /** All deleted ids (top-level `ids`, plus any that only appear in typed lists). */
  ids: string[];
  /** Deleted ids per type (with `typed`); may hold ids missing from `ids` (PROTOCOL.md 2c). */
  byType: Partial<Record<ItemType, string[]>>;
}

/** Result of {@link Sync}. */
export interface SyncResult {
  /** True when this was an initial sync (no token sent): `root` holds the whole tree. */
  initial: boolean;
  /** The new token, always as an opaque string (the wire gives a number on initial sync). */
  token: string;
  /** Server time of the response, in seconds (`md`). */
  changeDateSeconds: number | undefined;
  /** Mailbox size in bytes (`s`, initial sync only). */
  mailboxSize: number | undefined;
  /** More changes are queued: call again at once with `token`. */
  more: boolean;
  /** Initial sync: the folder tree from the sync root (with per-type id lists). */
  root: FolderInfo | undefined;
  /** Deleted items (delta only; empty on initial sync). */
  deleted: SyncDeleted;
  /** Delta: changed folders, searches and links (flat). Initial: every folder of `root`, depth first. */
  folders: FolderInfo[];
  /** Changed tags (delta), or every tag (initial). */
  tags: TagInfo[];
  /** Delta: changed items other than folders and tags (created ones lack `flags`). Initial: empty. */
  items: ItemSummary[];
}

function parseDeleted(resp: SoapElement): SyncDeleted {
  const ids: string[] = [];
  const seen = new Set<string>();
  const byType: Partial<Record<ItemType, string[]>> = {};
  const add = (id: string): void => {
    if (!seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  };
  for (const d of children(resp, 'deleted')) {
    attrIdList(d, 'ids').forEach(add);
    for (const [wire, type] of Object.entries(WIRE_ITEM_TYPES)) {
      const typed = children(d, wire).flatMap((c) => attrIdList(c, 'ids'));
      if (typed.length === 0) continue;
      (byType[type] ??= []).push(...typed);
      typed.forEach(add);
    }
  }
  return { ids, byType };
}

function parseSync(resp: SoapElement, params: SyncParams): SyncResult {
  const token = attrStr(resp, 'token');
  if (token === undefined || token === '') {
    throw new ZimbraBackupError('malformed SyncResponse: no token', {
      code: 'ZB_PROTOCOL',
      data: { request: 'SyncRequest' },
    });
  }
  const initial = params.token === undefined || params.token === '';
  const base = {
    initial,
    token,
    changeDateSeconds: attrNum(resp, 'md'),
    mailboxSize: attrNum(resp, 's'),
    more: boolAttr(resp, 'more'),
  };
  if (initial) {
    const top = (['folder', 'search', 'link'] as const).flatMap((k) => children(resp, k).map((c) => parseFolder(c, k)));
    const root = top[0];
    const folders = root ? flattenFolders(root) : [];
    const tags = [...folders.flatMap((f) => f.tags), ...children(resp, 'tag').map(parseTag)];
    return { ...base, root, deleted: { ids: [], byType: {} }, folders, tags, items: [] };
  }
  const folders: FolderInfo[] = [];
  const tags: TagInfo[] = [];
  const items: ItemSummary[] = [];
  for (const [wire, type] of Object.entries(WIRE_ITEM_TYPES)) {
    for (const el of children(resp, wire)) {
      if (type === 'folder' || type === 'search' || type === 'link')
        folders.push(...flattenFolders(parseFolder(el, type)));
      else if (type === 'tag') tags.push(parseTag(el));
      else items.push(parseItem(el, type));
    }
  }
  return { ...base, root: undefined, deleted: parseDeleted(resp), folders, tags, items };
}

/** SyncRequest. */
export const Sync: SoapRequestDefinition<SyncParams, SyncResult> = {
  name: 'SyncRequest',
  namespace: 'urn:zimbraMail',
  build: (p) => {
    const el: SoapElement = { typed: p.typed === false ? 0 : 1 };
    if (p.token !== undefined && p.token !== '') el['token'] = p.token;
    if (p.folderId !== undefined) el['l'] = p.folderId;
    if (p.changeLimit !== undefined) el['changeLimit'] = p.changeLimit;
    if (p.deleteLimit !== undefined) el['deleteLimit'] = p.deleteLimit;
    if (p.calendarCutoffMs !== undefined) el['calCutoff'] = p.calendarCutoffMs;
    if (p.messageCutoffSeconds !== undefined) el['msgCutoff'] = p.messageCutoffSeconds;
    return el;
  },
  parse: parseSync,
};
