/**
 * SyncRequest encoding (PROTOCOL.md 2b-2d): initial = nested folder tree with per-type id
 * lists and the token as a number; delta = `deleted` first, then folders, tags and items, with
 * the token as a string and `more` as a boolean.
 */
import { ELEMENT_NAME, FOLDER, type ItemType, type MailItem } from '../model/item.js';
import type { Mailbox } from '../model/mailbox.js';
import { runSync, type InitialSync } from '../model/sync.js';
import type { Element } from '../wire/element.js';
import { NS, response, targetAccount, type HandlerSpec } from './context.js';
import { encodeFolder, encodeSyncItem, encodeTag, tagCounts } from './encode-items.js';

// order of the id lists inside a folder (Sync.folderSync)
const LIST_ORDER: ItemType[] = [
  'message',
  'contact',
  'appointment',
  'task',
  'document',
  'chat',
  'note',
  'conversation',
];

function encodeTree(
  parent: Element,
  mbox: Mailbox,
  sync: InitialSync,
  folder: MailItem,
  counts: Map<number, { n: number; u: number }>,
): void {
  const el = encodeFolder(parent, mbox, folder);
  if (folder.id === FOLDER.TAGS) {
    for (const t of sync.tags) encodeTag(el, t, counts.get(t.id) ?? { n: 0, u: 0 });
  } else {
    const ids = sync.idsOf(folder.id);
    for (const type of LIST_ORDER) {
      const list = ids.get(type);
      if (list && list.length > 0) el.add(ELEMENT_NAME[type]).attr('ids', list.join(','));
    }
  }
  for (const sub of sync.children.get(folder.id) ?? []) encodeTree(el, mbox, sync, sub, counts);
}

const sync: HandlerSpec = {
  name: 'SyncRequest',
  ns: NS.mail,
  handle(req, ctx) {
    const mbox = targetAccount(ctx).mailbox;
    const rootId = req.getInt('l');
    const result = runSync(mbox, {
      token: req.get('token'),
      rootId: rootId !== undefined && Number.isInteger(rootId) ? rootId : undefined,
      changeLimit: req.getInt('changeLimit'),
      deleteLimit: req.getInt('deleteLimit'),
      msgCutoff: req.getInt('msgCutoff'),
    });
    const r = response(req, NS.mail).attr('md', Math.floor(mbox.clock.now() / 1000));
    if (result.kind === 'initial') {
      r.attr('token', result.token).attr('s', result.size);
      encodeTree(r, mbox, result, result.root, tagCounts(mbox));
      return r;
    }
    if (result.more) r.attr('more', true);
    r.attr('token', result.token);
    if (result.deletes.length > 0) {
      const del = r.add('deleted').attr('ids', result.deletes.map((d) => d.id).join(','));
      if (req.getBool('typed')) {
        const byType = new Map<string, number[]>();
        for (const d of result.deletes) {
          const name = ELEMENT_NAME[d.type];
          const list = byType.get(name) ?? [];
          list.push(d.id);
          byType.set(name, list);
        }
        for (const [name, ids] of byType) del.add(name).attr('ids', ids.join(','));
      }
    }
    for (const f of result.folders) encodeFolder(r, mbox, f);
    for (const t of result.tags) encodeTag(r, t);
    for (const { item, created } of result.items) encodeSyncItem(r, mbox, item, created);
    return r;
  },
};

/** Sync handler. */
export const syncHandlers: HandlerSpec[] = [sync];
