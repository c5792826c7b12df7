/**
 * Item encoders after `ToXML.java`: ids and folder ids as strings, counters and dates as
 * numbers, `md` in seconds, `d` in ms, subject and fragment as content-disposition attributes.
 */
import type { Grant } from '../model/acl.js';
import { ELEMENT_NAME, FOLDER, type MailItem } from '../model/item.js';
import type { Mailbox } from '../model/mailbox.js';
import { tagNames } from '../model/folder-ops.js';
import { header, parseHeaders } from '../model/mime-headers.js';
import { mimeTree, type MimePart } from '../model/mime-parts.js';
import type { Element } from '../wire/element.js';

/** `cid`: a real conversation id, or -id for a virtual one. */
export function convIdOf(item: MailItem): string {
  return item.convId !== undefined ? String(item.convId) : String(-item.id);
}

const md = (item: MailItem): number => Math.floor(item.changeDate / 1000);

/** Full folder encoding (`Change.ALL_FIELDS`). */
export function encodeFolder(parent: Element, mbox: Mailbox, f: MailItem): Element {
  const c = mbox.folderContents(f.id);
  const el = parent.add('folder');
  el.attr('id', String(f.id))
    .attr('uuid', f.uuid)
    .attr('name', f.name ?? '')
    .attr('absFolderPath', mbox.folderPath(f.id));
  if (f.id !== FOLDER.ROOT) {
    el.attr('l', String(f.folderId)).attr('luuid', mbox.get(f.folderId)?.uuid);
  }
  if (f.flags) el.attr('f', f.flags);
  if (f.color !== undefined) el.attr('color', f.color);
  el.attr('u', c.unread)
    .attr('view', f.view)
    .attr('rev', f.savedSequence)
    .attr('ms', f.modifiedSequence)
    .attr('md', md(f));
  el.attr('n', c.ids.size).attr('s', c.size).attr('i4ms', f.modifiedSequence).attr('i4next', mbox.nextId);
  el.attr('activesyncdisabled', false).attr('webOfflineSyncDays', 0);
  if (f.acl) encodeAcl(el, f.acl);
  return el;
}

/**
 * `<acl><grant zid gt perm expiry? d? pw|key/></acl>` as `ToXML.encodeACL` writes it for a folder
 * with its own grants (the owner administers it); guest secrets as `pw`, access keys as `key`.
 */
export function encodeAcl(folderEl: Element, acl: Grant[]): Element {
  const el = folderEl.addUnique('acl');
  for (const g of acl) {
    const ge = el.add('grant').attr('zid', g.zid).attr('gt', g.gt).attr('perm', g.perm);
    if (g.expiry) ge.attr('expiry', g.expiry);
    ge.attr('d', g.d);
    if (g.gt === 'key') ge.attr('key', g.secret);
    else ge.attr('pw', g.secret);
  }
  return el;
}

/** Per-tag item and unread counts in one pass over the mailbox. */
export function tagCounts(mbox: Mailbox): Map<number, { n: number; u: number }> {
  const out = new Map<number, { n: number; u: number }>();
  for (const item of mbox.items.values()) {
    for (const t of item.tagIds) {
      const c = out.get(t) ?? { n: 0, u: 0 };
      c.n++;
      if (item.flags.includes('u')) c.u++;
      out.set(t, c);
    }
  }
  return out;
}

/** Full tag encoding. */
export function encodeTag(parent: Element, t: MailItem, counts?: { n: number; u: number }): Element {
  // ToXML.encodeTag: id, name, color, u, n, d, rev, md, ms (tags carry no uuid on the wire)
  const el = parent
    .add('tag')
    .attr('id', String(t.id))
    .attr('name', t.name ?? '');
  if (t.color !== undefined) el.attr('color', t.color);
  if (counts && counts.u > 0) el.attr('u', counts.u);
  if (counts) el.attr('n', counts.n);
  return el.attr('d', t.date).attr('rev', t.savedSequence).attr('md', md(t)).attr('ms', t.modifiedSequence);
}

/** Delta-sync encoding: the created field set, or the mutable set with empty `f`/`t`/`tn`. */
export function encodeSyncItem(parent: Element, mbox: Mailbox, item: MailItem, created: boolean): Element {
  const el = parent.add(ELEMENT_NAME[item.type]).attr('id', String(item.id));
  if (item.type === 'conversation') return el.attr('md', md(item)).attr('ms', item.modifiedSequence);
  el.attr('l', String(item.folderId));
  if (!created) {
    el.attr('f', item.flags).attr('t', item.tagIds.join(',')).attr('tn', tagNames(mbox, item));
  }
  if (item.type === 'message' || item.type === 'chat') el.attr('cid', convIdOf(item));
  if (!created && item.type === 'document') el.attr('name', item.name);
  if (!created && item.color !== undefined) el.attr('color', item.color);
  return el.attr('d', item.date).attr('rev', item.savedSequence).attr('md', md(item)).attr('ms', item.modifiedSequence);
}

function common(el: Element, mbox: Mailbox, item: MailItem): Element {
  el.attr('id', String(item.id)).attr('l', String(item.folderId));
  if (item.flags) el.attr('f', item.flags);
  if (item.tagIds.length > 0) el.attr('t', item.tagIds.join(',')).attr('tn', tagNames(mbox, item));
  return el;
}

function stamps(el: Element, item: MailItem): Element {
  return el.attr('rev', item.savedSequence).attr('md', md(item)).attr('ms', item.modifiedSequence);
}

/** `GetMsgMetadataRequest` encoding: `id f t tn s d l cid rev md ms`. */
export function encodeMsgMetadata(parent: Element, mbox: Mailbox, m: MailItem): Element {
  // ToXML.encodeMessageCommon: a Chat is serialized as <chat>, every other message as <m>
  const el = common(parent.add(m.type === 'chat' ? 'chat' : 'm'), mbox, m);
  el.attr('s', m.size).attr('d', m.date).attr('cid', convIdOf(m));
  return stamps(el, m);
}

/** The first characters of the body text (`fr`). */
export function fragment(raw: Buffer): string {
  let start = raw.indexOf('\r\n\r\n');
  start = start < 0 ? raw.indexOf('\n\n') : start;
  if (start < 0) return '';
  const text = raw.subarray(start, start + 2048).toString('utf8');
  return text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 100);
}

/** Message summary (Search hits, GetMsg without raw). */
export function encodeMessage(
  parent: Element,
  mbox: Mailbox,
  m: MailItem,
  opts: { raw?: boolean; full?: boolean } = {},
): Element {
  const el = encodeMsgMetadata(parent, mbox, m);
  const blob = m.blob ?? Buffer.alloc(0);
  if (m.sender) {
    const match = /^\s*(?:"?([^"<]*?)"?\s*)?<([^>]+)>\s*$/.exec(m.sender);
    const e = el
      .add('e')
      .attr('a', match?.[2] ?? m.sender.trim())
      .attr('t', 'f');
    if (match?.[1]) e.attr('p', match[1]);
  }
  el.text('su', m.subject ?? '').text('fr', fragment(blob));
  if (!opts.full) return el;
  const h = parseHeaders(blob);
  el.text('mid', header(h, 'message-id'));
  if (opts.raw) {
    // ToXML.encodeMessageAsMIME: inline only small, pure-ASCII messages
    const content = el.addUnique('content');
    if (m.size + 2048 <= 40000 && !/[^\x00-\x7f]/.test(blob.toString('latin1')))
      content.setContent(blob.toString('latin1'));
    else content.attr('url', `/service/content/get?id=${m.id}`);
  } else encodeParts(el, mimeTree(blob));
  return el;
}

function encodeParts(parent: Element, p: MimePart): void {
  const mp = parent.add('mp').attr('part', p.part).attr('ct', p.contentType).attr('s', p.body.length);
  if (p.disposition) mp.attr('cd', p.disposition);
  if (p.filename) mp.attr('filename', p.filename);
  for (const c of p.children) encodeParts(mp, c);
}

/** Contact.getFileAsString with the default file-as (last, first): `fileAsStr`, and archive entry names. */
export function fileAsString(c: MailItem): string {
  const f = c.fields ?? {};
  return [f['lastName'], f['firstName']].filter((x) => x).join(', ') || f['company'] || f['email'] || '';
}

/** Contact encoding: fields as key/value pairs (`_attrs` in JSON), parts as `<a n part ct s filename>`. */
export function encodeContact(parent: Element, mbox: Mailbox, c: MailItem): Element {
  const el = common(parent.add('cn'), mbox, c);
  el.attr('d', c.date);
  stamps(el, c);
  const f = c.fields ?? {};
  el.attr('fileAsStr', fileAsString(c));
  for (const [k, v] of Object.entries(f)) el.pair(k, v);
  // ToXML.encodeContactAttachment: a key/value pair with part/ct/s/filename attributes (an object
  // under _attrs in JSON); ToXML.encodeContactGroupMemberBasic: <m type value> per group member.
  (c.parts ?? []).forEach((p, i) => {
    const a: Record<string, string | number> = { part: String(i + 1), ct: p.contentType, s: p.bytes.length };
    if (p.filename) a['filename'] = p.filename;
    el.pairWithAttrs(p.field, a);
  });
  for (const m of c.members ?? []) el.add('m').attr('type', m.type).attr('value', m.value);
  return el;
}

/** Appointment or task encoding with one `inv` summarising the iCalendar object. */
export function encodeCalItem(parent: Element, mbox: Mailbox, a: MailItem, includeContent = false): Element {
  const el = parent.add(ELEMENT_NAME[a.type]).attr('uid', a.uid);
  common(el, mbox, a);
  el.attr('s', a.size).attr('d', a.date);
  stamps(el, a);
  const inv = el
    .add('inv')
    .attr('type', a.type === 'task' ? 'task' : 'appt')
    .attr('id', String(a.id))
    .attr('compNum', 0)
    .attr('seq', 0);
  inv
    .add('comp')
    .attr('uid', a.uid)
    .attr('name', a.subject ?? '')
    .attr('method', 'PUBLISH');
  if (includeContent && a.blob) el.addUnique('content').setContent(a.blob.toString('utf8'));
  return el;
}

/** Document encoding. */
export function encodeDocument(parent: Element, mbox: Mailbox, d: MailItem): Element {
  const el = common(parent.add('doc'), mbox, d);
  el.attr('uuid', d.uuid)
    .attr('name', d.name ?? '')
    .attr('s', d.size)
    .attr('d', d.date)
    .attr('ct', d.contentType)
    .attr('ver', 1);
  return stamps(el, d);
}

/** ToXML.encodeNote: `id rev l d [t tn] pos color <content> md ms`. */
export function encodeNote(parent: Element, mbox: Mailbox, n: MailItem): Element {
  const el = parent.add('note').attr('id', String(n.id)).attr('rev', n.savedSequence).attr('l', String(n.folderId));
  el.attr('d', n.date);
  if (n.flags) el.attr('f', n.flags);
  if (n.tagIds.length > 0) el.attr('t', n.tagIds.join(',')).attr('tn', tagNames(mbox, n));
  el.attr('pos', n.bounds ?? '0,0,0,0');
  if (n.color !== undefined) el.attr('color', n.color);
  el.text('content', n.subject ?? '');
  return el.attr('md', md(n)).attr('ms', n.modifiedSequence);
}

/** Any item by type (GetItem, Search). */
export function encodeAny(parent: Element, mbox: Mailbox, item: MailItem): Element {
  switch (item.type) {
    case 'folder':
      return encodeFolder(parent, mbox, item);
    case 'tag':
      return encodeTag(parent, item);
    case 'message':
    case 'chat':
      return encodeMessage(parent, mbox, item);
    case 'note':
      return encodeNote(parent, mbox, item);
    case 'contact':
      return encodeContact(parent, mbox, item);
    case 'appointment':
    case 'task':
      return encodeCalItem(parent, mbox, item);
    case 'document':
      return encodeDocument(parent, mbox, item);
    case 'conversation': {
      const el = parent
        .add('c')
        .attr('id', String(item.id))
        .attr('n', mbox.convMembers.get(item.id)?.size ?? 0);
      return el
        .attr('d', item.date)
        .text('su', item.subject ?? '')
        .attr('md', md(item))
        .attr('ms', item.modifiedSequence);
    }
  }
}
