/**
 * urn:zimbraMail readers: GetFolder, GetTag, GetMsgMetadata, GetMsg, GetContacts,
 * GetAppointment, GetItem (PROTOCOL.md 4a); SearchRequest is in mail-search.ts.
 */
import { FOLDER, type ItemType, type MailItem } from '../model/item.js';
import type { Mailbox } from '../model/mailbox.js';
import { resolveFolder } from '../model/folder-ops.js';
import type { Element } from '../wire/element.js';
import { faults } from '../wire/soap-fault.js';
import { NS, idList, response, targetAccount, type HandlerSpec } from './context.js';
import {
  encodeAny,
  encodeCalItem,
  encodeContact,
  encodeFolder,
  encodeMessage,
  encodeMsgMetadata,
  encodeTag,
  tagCounts,
} from './encode-items.js';

function folderTree(parent: Element, mbox: Mailbox, folder: MailItem, depth: number): void {
  const el = encodeFolder(parent, mbox, folder);
  if (depth === 0) return;
  for (const sub of mbox.subfolders(folder.id)) folderTree(el, mbox, sub, depth - 1);
}

function ofType(mbox: Mailbox, id: number, types: ItemType[], notFound: (id: number) => Error): MailItem {
  const item = mbox.get(id);
  if (!item || !types.includes(item.type)) throw notFound(id);
  return item;
}

const handlers: HandlerSpec[] = [
  {
    name: 'GetFolderRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const mbox = targetAccount(ctx).mailbox;
      const spec = req.child('folder');
      const ref = spec?.get('l') ?? spec?.get('path') ?? String(FOLDER.USER_ROOT);
      const root = resolveFolder(mbox, ref);
      const depth = req.getInt('depth');
      const r = response(req, NS.mail);
      folderTree(r, mbox, root, depth === undefined || depth < 0 ? Infinity : depth);
      return r;
    },
  },
  {
    name: 'GetTagRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const mbox = targetAccount(ctx).mailbox;
      const counts = tagCounts(mbox);
      const r = response(req, NS.mail);
      for (const id of [...mbox.tagIds].sort((a, b) => a - b))
        encodeTag(r, mbox.get(id)!, counts.get(id) ?? { n: 0, u: 0 });
      return r;
    },
  },
  {
    name: 'GetMsgMetadataRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const mbox = targetAccount(ctx).mailbox;
      const r = response(req, NS.mail);
      for (const id of idList(req.child('m')?.get('ids'))) {
        const m = mbox.get(id);
        // GetMsg.getMsgs asks for MESSAGE, which a CHAT satisfies (MailItem.isAcceptableType)
        if (m?.type === 'message' || m?.type === 'chat') encodeMsgMetadata(r, mbox, m);
      }
      return r;
    },
  },
  {
    name: 'GetMsgRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const mbox = targetAccount(ctx).mailbox;
      const spec = req.child('m');
      const [id] = idList(spec?.get('id'));
      const m = ofType(mbox, id!, ['message'], (x) => faults.noSuchMsg(x));
      const r = response(req, NS.mail);
      encodeMessage(r, mbox, m, { raw: spec?.getBool('raw') ?? false, full: true });
      return r;
    },
  },
  {
    name: 'GetContactsRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const mbox = targetAccount(ctx).mailbox;
      const r = response(req, NS.mail);
      const wanted = req
        .all('cn')
        .map((c) => idList(c.get('id')))
        .flat();
      let list: MailItem[];
      if (wanted.length > 0) list = wanted.map((id) => ofType(mbox, id, ['contact'], (x) => faults.noSuchContact(x)));
      else {
        const l = req.get('l');
        const folderIds = l !== undefined ? [resolveFolder(mbox, l).id] : [...mbox.folderIds];
        list = folderIds.flatMap((fid) =>
          [...mbox.folderContents(fid).ids].map((id) => mbox.get(id)!).filter((i) => i.type === 'contact'),
        );
        list.sort((a, b) => a.id - b.id);
      }
      const only = new Set(req.all('a').map((a) => a.get('n') ?? ''));
      for (const c of list) {
        const el = encodeContact(r, mbox, c);
        if (only.size > 0) el.kv.splice(0, el.kv.length, ...el.kv.filter(([k]) => only.has(k)));
      }
      return r;
    },
  },
  {
    name: 'GetAppointmentRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const mbox = targetAccount(ctx).mailbox;
      const uid = req.get('uid');
      let item: MailItem | undefined;
      if (uid !== undefined) {
        for (const it of mbox.items.values())
          if ((it.type === 'appointment' || it.type === 'task') && it.uid === uid) item = it;
        if (!item) throw faults.noSuchAppt(uid);
      } else item = ofType(mbox, Number(req.get('id')), ['appointment', 'task'], (x) => faults.noSuchAppt(x));
      const r = response(req, NS.mail);
      encodeCalItem(r, mbox, item, req.getBool('includeContent'));
      return r;
    },
  },
  {
    name: 'GetItemRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const mbox = targetAccount(ctx).mailbox;
      const spec = req.child('item');
      let item: MailItem | undefined;
      const path = spec?.get('path');
      if (spec?.get('id') !== undefined) item = mbox.get(Number(spec.get('id')));
      else if (path !== undefined) item = mbox.folderByPath(path);
      if (!item) throw faults.noSuchItem(spec?.get('id') ?? path ?? '');
      const r = response(req, NS.mail);
      encodeAny(r, mbox, item);
      return r;
    },
  },
];

/** Mail reader handlers. */
export const mailReadHandlers: HandlerSpec[] = handlers;
