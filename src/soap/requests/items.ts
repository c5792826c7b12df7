/**
 * Shared readers for mailbox items (messages, contacts, appointments, documents, folders, tags):
 * Zimbra's wire names are mapped here, once (PROTOCOL.md 2f).
 * @module
 */
import {
  attrBool,
  attrIdList,
  attrNum,
  attrStr,
  children,
  requireStr,
  type SoapElement,
  type ZimbraAttrs,
} from '../element.js';
import { decodeTagNames } from '../tag-names.js';

/** Mailbox item types, named for what they are. */
export type ItemType =
  | 'folder'
  | 'search'
  | 'link'
  | 'tag'
  | 'conversation'
  | 'message'
  | 'contact'
  | 'appointment'
  | 'task'
  | 'document'
  | 'wiki'
  | 'chat'
  | 'note';

/** Wire element name -> item type (Sync.java; same names in typed deletes). */
export const WIRE_ITEM_TYPES: Readonly<Record<string, ItemType>> = {
  folder: 'folder',
  search: 'search',
  link: 'link',
  tag: 'tag',
  c: 'conversation',
  m: 'message',
  cn: 'contact',
  appt: 'appointment',
  task: 'task',
  doc: 'document',
  w: 'wiki',
  chat: 'chat',
  note: 'note',
};

/** Item type -> wire element name. */
export const ITEM_TYPE_WIRE: Readonly<Record<ItemType, string>> = Object.fromEntries(
  Object.entries(WIRE_ITEM_TYPES).map(([w, t]) => [t, w]),
) as Record<ItemType, string>;

/** The fields common to every item, with readable names. Absent on the wire means `undefined`. */
export interface ItemSummary {
  /** Item type. */
  type: ItemType;
  /** Item id (string, as Zimbra formats it; may be `zimbraId:id` for remote items). */
  id: string;
  /** Folder id (`l`). */
  folderId?: string;
  /** Flag letters (`f`); `''` means "no flags", `undefined` means "not sent". */
  flags?: string;
  /** Tag ids (`t`). */
  tagIds?: string[];
  /** Tag names (`tn`). */
  tagNames?: string[];
  /** Item date in ms (`d`); the received date for messages. */
  dateMs?: number;
  /** Change id of the last change of any kind (`ms`). */
  modifiedSequence?: number;
  /** Change id of the last content save (`rev`): the savedSequence. */
  savedSequence?: number;
  /** Same as {@link ItemSummary.savedSequence}, by its other name. */
  revision?: number;
  /** Time of the last change in seconds (`md`). */
  changeDateSeconds?: number;
  /** Size in bytes (`s`). */
  size?: number;
  /** Conversation id (`cid`; negative for a virtual conversation). */
  conversationId?: string;
  /** Item name (`name`: folder, tag, document). */
  name?: string;
  /** Colour index (`color`). */
  color?: number;
  /** RGB colour (`rgb`). */
  rgb?: string;
  /** Item UUID (`uuid`). */
  uuid?: string;
  /** Subject (`su`), on messages and search hits. */
  subject?: string;
  /** Fragment (`fr`), on search hits. */
  fragment?: string;
  /** A note's text (`<content>`, ToXML.encodeNote). */
  content?: string;
  /** A note's bounds `x,y,width,height` (`pos`). */
  bounds?: string;
}

function splitList(s: string | undefined): string[] | undefined {
  if (s === undefined) return undefined;
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

/** Reads the common item fields of an element of `type`. */
export function parseItem(el: SoapElement, type: ItemType): ItemSummary {
  const out: ItemSummary = { type, id: requireStr(el, 'id', type) };
  const set = <K extends keyof ItemSummary>(k: K, v: ItemSummary[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('folderId', attrStr(el, 'l'));
  set('flags', attrStr(el, 'f'));
  set('tagIds', splitList(attrStr(el, 't')));
  // TagUtil.encodeTags escapes `\\` and `,` inside names (tag-names.ts)
  const tn = attrStr(el, 'tn');
  if (tn !== undefined) out.tagNames = decodeTagNames(tn);
  set('dateMs', attrNum(el, 'd'));
  set('modifiedSequence', attrNum(el, 'ms'));
  const rev = attrNum(el, 'rev');
  set('savedSequence', rev);
  set('revision', rev);
  set('changeDateSeconds', attrNum(el, 'md'));
  set('size', attrNum(el, 's'));
  set('conversationId', attrStr(el, 'cid'));
  set('name', attrStr(el, 'name'));
  set('color', attrNum(el, 'color'));
  set('rgb', attrStr(el, 'rgb'));
  set('uuid', attrStr(el, 'uuid'));
  set('subject', attrStr(el, 'su'));
  set('fragment', attrStr(el, 'fr'));
  if (type === 'note') {
    // ToXML.encodeNote: the text as <content>, the bounds as `pos`
    set('content', attrStr(el, 'content'));
    set('bounds', attrStr(el, 'pos'));
  }
  return out;
}

/** A tag. */
export interface TagInfo extends ItemSummary {
  type: 'tag';
  /** Tag name. */
  name: string;
  /** Unread count (`u`). */
  unread?: number;
  /** Item count (`n`). */
  count?: number;
}

/** Reads a `tag` element. */
export function parseTag(el: SoapElement): TagInfo {
  const t = parseItem(el, 'tag') as TagInfo;
  t.name = requireStr(el, 'name', 'tag');
  const u = attrNum(el, 'u');
  if (u !== undefined) t.unread = u;
  const n = attrNum(el, 'n');
  if (n !== undefined) t.count = n;
  return t;
}

/** A folder, saved search or mountpoint, with its children when sent nested. */
export interface FolderInfo extends ItemSummary {
  type: 'folder' | 'search' | 'link';
  /** Parent folder id (`l`), same as `folderId`. */
  parentId?: string;
  /** Absolute path (`absFolderPath`), when sent. */
  absFolderPath?: string;
  /** Default item type (`view`): message, contact, appointment, task, document... */
  view?: string;
  /** Unread count (`u`). */
  unread?: number;
  /** Item count (`n`). */
  count?: number;
  /** Remote feed URL (`url`). */
  url?: string;
  /** Mountpoint owner zimbraId (`zid`) and remote folder id (`rid`). */
  ownerId?: string;
  /** Mountpoint remote folder id (`rid`). */
  remoteId?: string;
  /** Saved-search query (`query`). */
  query?: string;
  /** Sub-folders, searches and links (nested trees only). */
  children: FolderInfo[];
  /** Item ids per type held directly in this folder (initial sync only: `<m ids>`, `<cn ids>`...). */
  itemIds: Partial<Record<ItemType, string[]>>;
  /** Tags listed under this folder (initial sync: folder 8). */
  tags: TagInfo[];
  /** Grants (`acl/grant`), raw key/values: `gt`, `zid`, `perm`, `d`. */
  grants: Array<Record<string, string>>;
}

const FOLDER_KINDS: ReadonlyArray<'folder' | 'search' | 'link'> = ['folder', 'search', 'link'];

/** Reads a folder-like element and, recursively, its nested folders, id lists and tags. */
export function parseFolder(el: SoapElement, type: 'folder' | 'search' | 'link' = 'folder'): FolderInfo {
  const f = parseItem(el, type) as FolderInfo;
  const set = <K extends keyof FolderInfo>(k: K, v: FolderInfo[K] | undefined): void => {
    if (v !== undefined) f[k] = v;
  };
  set('parentId', f.folderId);
  set('absFolderPath', attrStr(el, 'absFolderPath'));
  set('view', attrStr(el, 'view'));
  set('unread', attrNum(el, 'u'));
  set('count', attrNum(el, 'n'));
  set('url', attrStr(el, 'url'));
  set('ownerId', attrStr(el, 'zid'));
  set('remoteId', attrStr(el, 'rid'));
  set('query', attrStr(el, 'query'));
  f.children = FOLDER_KINDS.flatMap((k) => children(el, k).map((c) => parseFolder(c, k)));
  f.itemIds = {};
  for (const [wire, itemType] of Object.entries(WIRE_ITEM_TYPES)) {
    if (wire === 'folder' || wire === 'search' || wire === 'link' || wire === 'tag') continue;
    const ids = children(el, wire).flatMap((c) => attrIdList(c, 'ids'));
    if (ids.length > 0) f.itemIds[itemType] = ids;
  }
  f.tags = children(el, 'tag').map(parseTag);
  f.grants = children(children(el, 'acl')[0], 'grant').map((g) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(g)) if (typeof v !== 'object') out[k] = String(v);
    return out;
  });
  return f;
}

/** Every folder of a tree, depth first, root included. */
export function flattenFolders(root: FolderInfo): FolderInfo[] {
  const out: FolderInfo[] = [];
  const walk = (f: FolderInfo): void => {
    out.push(f);
    f.children.forEach(walk);
  };
  walk(root);
  return out;
}

/**
 * A file attached to a contact (its photo is the field `image`): described by the contact, its
 * bytes fetched over REST as `?id=<contact>&part=<part>` (ToXML.java `encodeContactAttachment`).
 */
export interface ContactAttachment {
  /** The contact field holding the file (`image` for the photo). */
  field: string;
  /** MIME part name inside the contact's blob (`part`). */
  part: string;
  /** Content type (`ct`). */
  contentType?: string;
  /** Size in bytes (`s`). */
  size?: number;
  /** File name (`filename`). */
  filename?: string;
}

/**
 * A member of a contact group (`<m type value>` under `<cn>`, ToXML.java
 * `encodeContactGroupMemberBasic`): `C` a contact item id (may be qualified `acct:id` for a
 * shared contact), `G` a GAL entry, `I` an inline address.
 */
export interface ContactGroupMember {
  /** `C`, `G` or `I` (ContactGroup.Member.Type). */
  type: string;
  /** The contact id, GAL reference or address. */
  value: string;
}

/** A contact with its fields. */
export interface ContactInfo extends ItemSummary {
  type: 'contact';
  /** Contact fields (`_attrs` in JSON, `<a n>` in XML); attached files are not fields. */
  attrs: ZimbraAttrs;
  /** Attached files (photo and others); `[]` when none. */
  attachments: ContactAttachment[];
  /** Group members (contact groups only); `[]` when none. */
  members: ContactGroupMember[];
  /** The "file as" string (`fileAsStr`). */
  fileAs?: string;
}

function attachmentOf(field: string, el: SoapElement): ContactAttachment {
  const a: ContactAttachment = { field, part: String(attrStr(el, 'part')) };
  const ct = attrStr(el, 'ct');
  if (ct !== undefined) a.contentType = ct;
  const size = attrNum(el, 's');
  if (size !== undefined) a.size = size;
  const fn = attrStr(el, 'filename');
  if (fn !== undefined) a.filename = fn;
  return a;
}

/**
 * Reads a `cn` element. An attached file is a key/value pair with attributes: in JSON an object
 * under `_attrs` (`"image":{"part":"1","ct":…}`, Element.java JSONKeyValuePair), in XML
 * `<a n="image" part="1" ct=… s=… filename=…/>`; it is reported in `attachments`, never as a field.
 */
export function parseContact(el: SoapElement): ContactInfo {
  const c = parseItem(el, 'contact') as ContactInfo;
  const fields: ZimbraAttrs = {};
  const attachments: ContactAttachment[] = [];
  const add = (k: string, v: string): void => {
    const prev = fields[k];
    fields[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  };
  const kv = el['_attrs'];
  if (typeof kv === 'object' && kv !== null && !Array.isArray(kv)) {
    for (const [k, v] of Object.entries(kv)) {
      for (const one of Array.isArray(v) ? (v as unknown[]) : [v]) {
        if (one === undefined || one === null) continue;
        if (typeof one === 'object') {
          if (attrStr(one as SoapElement, 'part') !== undefined) attachments.push(attachmentOf(k, one as SoapElement));
        } else add(k, String(one));
      }
    }
  }
  for (const a of children(el, 'a')) {
    const n = attrStr(a, 'n');
    if (n === undefined) continue;
    if (attrStr(a, 'part') !== undefined) attachments.push(attachmentOf(n, a));
    else add(n, typeof a['_content'] === 'string' || typeof a['_content'] === 'number' ? String(a['_content']) : '');
  }
  c.attrs = fields;
  c.attachments = attachments;
  c.members = children(el, 'm').map((m) => ({ type: attrStr(m, 'type') ?? '', value: attrStr(m, 'value') ?? '' }));
  const fa = attrStr(el, 'fileAsStr');
  if (fa !== undefined) c.fileAs = fa;
  return c;
}

/** True when `x` is a boolean attribute set on `el` (helper for flags like `more`). */
export function boolAttr(el: SoapElement, name: string): boolean {
  return attrBool(el, name) === true;
}
