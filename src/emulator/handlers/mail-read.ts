/**
 * urn:zimbraMail readers: GetFolder, GetTag, GetMsgMetadata, GetMsg, GetContacts,
 * GetAppointment, GetItem, Search (PROTOCOL.md 4a).
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

const SEARCH_TYPES: Record<string, ItemType[]> = {
  message: ['message'],
  conversation: ['message'],
  contact: ['contact'],
  appointment: ['appointment'],
  task: ['task'],
  document: ['document'],
};

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
        if (m?.type === 'message') encodeMsgMetadata(r, mbox, m);
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
  {
    name: 'SearchRequest',
    ns: NS.mail,
    handle(req, ctx) {
      const mbox = targetAccount(ctx).mailbox;
      const types = (req.get('types') ?? 'conversation').split(',').flatMap((t) => SEARCH_TYPES[t.trim()] ?? []);
      const query = req.get('query') ?? '';
      const inFolder = /\bin:(?:"([^"]+)"|(\S+))/i.exec(query);
      let candidates: Iterable<number>;
      if (inFolder) {
        const path = inFolder[1] ?? inFolder[2] ?? '';
        const folder = mbox.folderByPath(path.startsWith('/') ? path : `/${path}`);
        if (!folder) throw faults.noSuchFolderPath(path);
        candidates = mbox.folderContents(folder.id).ids;
      } else candidates = mbox.items.keys();
      const hits: MailItem[] = [];
      for (const id of candidates) {
        const item = mbox.get(id);
        if (item && types.includes(item.type) && item.folderId !== FOLDER.TRASH && item.folderId !== FOLDER.JUNK)
          hits.push(item);
        else if (item && inFolder && types.includes(item.type)) hits.push(item);
      }
      const asc = (req.get('sortBy') ?? 'dateDesc') === 'dateAsc';
      hits.sort((a, b) => (asc ? a.date - b.date : b.date - a.date) || a.id - b.id);
      const offset = Math.max(0, req.getInt('offset') ?? 0);
      const limit = Math.min(Math.max(1, req.getInt('limit') ?? 10), 1000);
      const r = response(req, NS.mail)
        .attr('sortBy', asc ? 'dateAsc' : 'dateDesc')
        .attr('offset', offset);
      for (const item of hits.slice(offset, offset + limit)) encodeAny(r, mbox, item);
      return r.attr('more', offset + limit < hits.length);
    },
  },
];

/** Mail reader handlers. */
export const mailReadHandlers: HandlerSpec[] = handlers;
