/**
 * urn:zimbraMail writers used by restores: AddMsg, CreateFolder, CreateTag, CreateContact,
 * ModifyContact, SetAppointment/SetTask, SaveDocument (PROTOCOL.md 5b). Requests carry contact
 * fields as `a[{n,_content}]`; responses carry them as `_attrs`.
 */
import type { ContactPart } from '../model/item.js';
import { FOLDER } from '../model/item.js';
import type { AccountEntry } from '../model/directory.js';
import { createFolder, createFolderPath, createTag, decodeTags, resolveFolder } from '../model/folder-ops.js';
import { applyInvite } from '../model/invites.js';
import { addMessage, modifyContact, createContact, saveDocument, setCalendarItem } from '../model/item-ops.js';
import type { Element } from '../wire/element.js';
import { faults } from '../wire/soap-fault.js';
import { NS, response, takeUpload, targetAccount, type HandlerSpec, type SoapContext } from './context.js';
import { encodeContact, encodeFolder, encodeMsgMetadata, encodeTag } from './encode-items.js';

function tagNamesOf(acct: AccountEntry, el: Element): string[] | undefined {
  const tn = el.get('tn');
  if (tn !== undefined) return decodeTags(tn); // TagUtil.parseTags
  const t = el.get('t');
  if (t === undefined || t === '') return undefined;
  return t.split(',').map((id) => {
    const tag = acct.mailbox.get(Number(id));
    if (tag?.type !== 'tag') throw faults.invalidRequest(`unknown tag id ${id}`);
    return tag.name ?? '';
  });
}

function contactInput(
  ctx: SoapContext,
  acct: AccountEntry,
  cn: Element,
): { fields: Record<string, string>; parts: ContactPart[] } {
  const fields: Record<string, string> = {};
  const parts: ContactPart[] = [];
  for (const a of cn.all('a')) {
    const n = a.get('n');
    if (!n) continue;
    const aid = a.get('aid');
    if (aid) {
      const up = takeUpload(ctx, aid);
      parts.push({ field: n, bytes: up.bytes, contentType: up.contentType, filename: up.filename });
    } else fields[n] = a.content ?? '';
  }
  for (const [k, v] of cn.kv) fields[k] = v;
  return { fields, parts };
}

/** Extracts the VCALENDAR text from raw iCalendar or a MIME message holding it. */
export function extractIcs(text: string): string {
  const start = text.indexOf('BEGIN:VCALENDAR');
  const end = text.lastIndexOf('END:VCALENDAR');
  if (start < 0 || end < start) throw faults.invalidRequest('no text/calendar content');
  return text.slice(start, end + 'END:VCALENDAR'.length) + '\r\n';
}

function setCalendar(kind: 'appointment' | 'task'): HandlerSpec['handle'] {
  return (req, ctx) => {
    const acct = targetAccount(ctx);
    const m = req.child('default')?.child('m');
    if (!m) throw faults.invalidRequest('missing default/m');
    const aid = m.get('aid');
    let text: string;
    if (aid) text = takeUpload(ctx, aid).bytes.toString('utf8');
    else text = m.child('mp')?.get('content') ?? m.get('content') ?? '';
    const l = req.get('l');
    const item = setCalendarItem(acct.mailbox, extractIcs(text), kind, {
      ...(l !== undefined ? { folder: l } : {}),
      flags: req.get('f') ?? '',
      ...(tagNamesOf(acct, req) ? { tagNames: tagNamesOf(acct, req)! } : {}),
    });
    const r = response(req, NS.mail).attr('calItemId', String(item.id)).attr('apptId', String(item.id));
    r.add('default').attr('id', `${item.id}-${item.id}`);
    return r;
  };
}

const handlers: HandlerSpec[] = [
  {
    name: 'AddMsgRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const acct = targetAccount(ctx);
      const m = req.child('m');
      if (!m) throw faults.invalidRequest('missing m');
      const aid = m.get('aid');
      const content = m.get('content');
      if (aid && content !== undefined) throw faults.invalidRequest('both aid and content');
      const raw = aid ? takeUpload(ctx, aid).bytes : content !== undefined ? Buffer.from(content, 'utf8') : undefined;
      if (!raw) throw faults.invalidRequest('missing message content');
      const d = m.getInt('d');
      const msg = addMessage(acct.mailbox, raw, {
        folder: m.get('l') ?? FOLDER.INBOX,
        flags: m.get('f') ?? '',
        tagNames: tagNamesOf(acct, m) ?? [],
        receivedMs: d !== undefined && Number.isFinite(d) ? d : undefined,
      });
      // noICal is an attribute of <m>, not of the request (AddMsg.java reads msgElem "noICal");
      // without it an invite changes the calendar (Mailbox.addMessage, invites.ts).
      if (!m.getBool('noICal')) applyInvite(acct, raw);
      const r = response(req, NS.mail);
      encodeMsgMetadata(r, acct.mailbox, msg);
      return r;
    },
  },
  {
    name: 'CreateFolderRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const mbox = targetAccount(ctx).mailbox;
      const f = req.child('folder');
      const name = f?.get('name');
      if (!f || !name) throw faults.invalidRequest('missing folder name');
      const color = f.getInt('color');
      const opts = {
        view: f.get('view'),
        color: color !== undefined && Number.isFinite(color) ? color : undefined,
        flags: f.get('f'),
        fetchIfExists: f.getBool('fie'),
      };
      const l = f.get('l');
      let folder;
      if (l !== undefined) folder = createFolder(mbox, resolveFolder(mbox, l).id, name, opts);
      else {
        // with l unset, name is a path; missing parents are created (fie applies to the last part)
        const parts = name.split('/').filter((p) => p !== '');
        const parent =
          parts.length > 1
            ? createFolderPath(mbox, '/' + parts.slice(0, -1).join('/'))
            : resolveFolder(mbox, FOLDER.USER_ROOT);
        folder = createFolder(mbox, parent.id, parts[parts.length - 1] ?? '', opts);
      }
      const r = response(req, NS.mail);
      encodeFolder(r, mbox, folder);
      return r;
    },
  },
  {
    name: 'CreateTagRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const mbox = targetAccount(ctx).mailbox;
      const t = req.child('tag');
      const color = t?.getInt('color');
      const tag = createTag(
        mbox,
        t?.get('name') ?? '',
        color !== undefined && Number.isFinite(color) ? color : undefined,
      );
      const r = response(req, NS.mail);
      encodeTag(r, tag);
      return r;
    },
  },
  {
    name: 'CreateContactRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const acct = targetAccount(ctx);
      const cn = req.child('cn');
      if (!cn) throw faults.invalidRequest('missing cn');
      const { fields, parts } = contactInput(ctx, acct, cn);
      const l = cn.get('l');
      // group members: <m type="C|G|I" value="…"/> (CreateContact.java E_CONTACT_GROUP_MEMBER)
      const members = cn.all('m').map((m) => {
        const type = m.get('type');
        const value = m.get('value');
        if (!type || !['C', 'G', 'I'].includes(type) || !value)
          throw faults.invalidRequest('invalid contact group member');
        return { type, value };
      });
      const c = createContact(acct.mailbox, {
        fields,
        parts,
        members,
        ...(l !== undefined ? { folder: l } : {}),
        tagNames: tagNamesOf(acct, cn) ?? [],
      });
      const r = response(req, NS.mail);
      encodeContact(r, acct.mailbox, c);
      return r;
    },
  },
  {
    name: 'ModifyContactRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const acct = targetAccount(ctx);
      const cn = req.child('cn');
      if (!cn) throw faults.invalidRequest('missing cn');
      const { fields, parts } = contactInput(ctx, acct, cn);
      const c = modifyContact(
        acct.mailbox,
        Number(cn.get('id')),
        fields,
        req.getBool('replace'),
        parts.length > 0 ? parts : undefined,
      );
      const r = response(req, NS.mail);
      encodeContact(r, acct.mailbox, c);
      return r;
    },
  },
  { name: 'SetAppointmentRequest', ns: NS.mail, handle: setCalendar('appointment') },
  { name: 'SetTaskRequest', ns: NS.mail, handle: setCalendar('task') },
  {
    name: 'SaveDocumentRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const acct = targetAccount(ctx);
      const doc = req.child('doc');
      const aid = doc?.child('upload')?.get('id') ?? doc?.get('aid');
      if (!doc || !aid) throw faults.invalidRequest('missing doc/upload');
      const up = takeUpload(ctx, aid);
      const d = saveDocument(
        acct.mailbox,
        doc.get('name') ?? up.filename,
        up.bytes,
        doc.get('ct') ?? up.contentType,
        doc.get('l') ?? FOLDER.BRIEFCASE,
      );
      // doc/SaveDocument.java answers <doc id ver name/> only
      const r = response(req, NS.mail);
      r.add('doc')
        .attr('id', String(d.id))
        .attr('ver', 1)
        .attr('name', d.name ?? '');
      return r;
    },
  },
];

/** Mail writer handlers. */
export const mailWriteHandlers: HandlerSpec[] = handlers;
