/**
 * Mail item records and the constants Zimbra attaches to them: types (with their SOAP element
 * names, `.meta` type numbers and WaitSet interest letters), system folder ids and flag letters.
 * PROTOCOL.md section 2f.
 */

import type { Grant } from './acl.js';

/** Item types the emulator stores. */
export type ItemType =
  | 'folder'
  | 'tag'
  | 'conversation'
  | 'message'
  | 'contact'
  | 'appointment'
  | 'task'
  | 'document'
  // MailItem.Type.CHAT: a Message subclass (Chat.java), kept in the Chats folder; no SOAP request creates one
  | 'chat'
  // MailItem.Type.NOTE: a sticky note (Note.java): text, bounds and color, no blob
  | 'note';

/** SOAP element name per type (`Sync.elementNameForType`). */
export const ELEMENT_NAME: Record<ItemType, string> = {
  folder: 'folder',
  tag: 'tag',
  conversation: 'c',
  message: 'm',
  contact: 'cn',
  appointment: 'appt',
  task: 'task',
  document: 'doc',
  chat: 'chat',
  note: 'note',
};

/** `MailItem.Type` byte values, as written in `.meta` files. */
export const TYPE_NUMBER: Record<ItemType, number> = {
  folder: 1,
  tag: 3,
  conversation: 4,
  message: 5,
  contact: 6,
  document: 8,
  note: 9,
  appointment: 11,
  task: 15,
  chat: 16,
};

/** WaitSet interest letter per type (`f m c a t d`); tags and conversations count as folders/messages. */
export const INTEREST: Record<ItemType, string> = {
  folder: 'f',
  tag: 'f',
  conversation: 'm',
  message: 'm',
  contact: 'c',
  appointment: 'a',
  task: 't',
  document: 'd',
  // a chat is a message to a WaitSet (PendingModifications counts Message subclasses as messages)
  chat: 'm',
  // no interest letter covers notes: only `all` hears them
  note: '',
};

/** System folder ids (`Mailbox.ID_FOLDER_*`). */
export const FOLDER = {
  USER_ROOT: 1,
  INBOX: 2,
  TRASH: 3,
  JUNK: 4,
  SENT: 5,
  DRAFTS: 6,
  CONTACTS: 7,
  TAGS: 8,
  CONVERSATIONS: 9,
  CALENDAR: 10,
  ROOT: 11,
  AUTO_CONTACTS: 13,
  CHATS: 14,
  TASKS: 15,
  BRIEFCASE: 16,
} as const;

/** First id given to a user item (`Mailbox.FIRST_USER_ID` + 1). */
export const FIRST_USER_ID = 257;

/** Canonical order of flag letters (`Flag.java` bit order), so `f` strings are stable. */
const FLAG_ORDER = 'sarwfdxnu!?/tp+^v@(*#biy~og';

/** Normalises a flag string: known letters only, each once, in Zimbra's order. */
export function normalizeFlags(flags: string): string {
  let out = '';
  for (const c of FLAG_ORDER) if (flags.includes(c)) out += c;
  return out;
}

/** A contact-group member (ContactGroup.Member: `C` contact id, `G` GAL entry, `I` inline address). */
export interface ContactMember {
  type: string;
  value: string;
}

/** A contact image or attachment part. */
export interface ContactPart {
  field: string;
  bytes: Buffer;
  contentType: string;
  filename: string;
}

/** One stored item. Folders, tags and conversations are items too, as in Zimbra. */
export interface MailItem {
  id: number;
  uuid: string;
  type: ItemType;
  /** Folder id (`l`); folders: parent folder id. */
  folderId: number;
  /** Real conversation id for messages, undefined for a virtual conversation (`cid` = -id). */
  convId: number | undefined;
  /** Normalised flag string. */
  flags: string;
  /** Tag ids. */
  tagIds: number[];
  /** Item date in ms (messages: received date). */
  date: number;
  size: number;
  /** Change id of the last change of any kind (`ms`). */
  modifiedSequence: number;
  /** Change id of the last content save (`rev`). */
  savedSequence: number;
  /** Time of the last change in ms (`md` is this / 1000). */
  changeDate: number;
  /** Folder, tag and document name. */
  name: string | undefined;
  subject: string | undefined;
  sender: string | undefined;
  /** Blob bytes (messages, documents, calendar items' MIME). */
  blob: Buffer | undefined;
  /** Lower-case hex SHA-256 of the blob. */
  digest: string | undefined;
  color: number | undefined;
  /** A note's bounds, `x,y,width,height` (Note.Rectangle; the `pos` attribute). */
  bounds?: string;
  /** Folder view (`message`, `contact`...). */
  view: string | undefined;
  contentType: string | undefined;
  /** Contact fields. */
  fields: Record<string, string> | undefined;
  parts: ContactPart[] | undefined;
  /** Contact-group members (`<m type value>`). */
  members: ContactMember[] | undefined;
  /** iCalendar UID of appointments and tasks. */
  uid: string | undefined;
  messageId: string | undefined;
  /** Folder grants (folders with their own ACL only). */
  acl?: Grant[] | undefined;
}

/** A fresh item record with every optional field unset. */
export function newItem(
  init: Pick<MailItem, 'id' | 'uuid' | 'type' | 'folderId' | 'date'> & Partial<MailItem>,
): MailItem {
  return {
    convId: undefined,
    flags: '',
    tagIds: [],
    size: 0,
    modifiedSequence: 0,
    savedSequence: 0,
    changeDate: 0,
    name: undefined,
    subject: undefined,
    sender: undefined,
    blob: undefined,
    digest: undefined,
    color: undefined,
    view: undefined,
    contentType: undefined,
    fields: undefined,
    parts: undefined,
    members: undefined,
    uid: undefined,
    messageId: undefined,
    ...init,
  };
}
