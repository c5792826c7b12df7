/**
 * ItemActionRequest and its typed variants (MsgAction, ContactAction, FolderAction):
 * `op` = move, trash, delete, read, flag, tag, update, rename, color, empty, with a leading `!`
 * negating read/flag/tag. With `op="update"` the given flags and tags replace the old ones.
 */
import { FOLDER } from '../model/item.js';
import type { Mailbox } from '../model/mailbox.js';
import {
  decodeTags,
  deleteFolderIn,
  emptyFolderIn,
  renameFolder,
  resolveFolder,
  moveFolder,
} from '../model/folder-ops.js';
import { deleteItems, getItem, moveItems, setFlags, setTags, toggleFlag, toggleTag } from '../model/item-ops.js';
import type { Element } from '../wire/element.js';
import { faults } from '../wire/soap-fault.js';
import { NS, idList, response, targetAccount, type HandlerSpec } from './context.js';
import { resolveConv } from './conversations.js';
import { GRANT_OPS, applyGrantOp } from './folder-grants.js';

function tagName(mbox: Mailbox, action: Element): string {
  const tn = action.get('tn');
  if (tn) return tn;
  const tag = mbox.get(Number(action.get('tag') ?? action.get('t')));
  if (tag?.type !== 'tag') throw faults.invalidRequest('missing tag');
  return tag.name ?? '';
}

function move(mbox: Mailbox, ids: number[], to: string | number): void {
  for (const id of ids) {
    const item = getItem(mbox, id);
    if (item.type === 'folder') moveFolder(mbox, id, to);
    else moveItems(mbox, [id], to);
  }
}

function apply(mbox: Mailbox, ids: number[], action: Element): void {
  // ItemAction.handleCommon lower-cases the operation
  const rawOp = (action.get('op') ?? '').toLowerCase();
  const negate = rawOp.startsWith('!');
  const op = negate ? rawOp.slice(1) : rawOp;
  switch (op) {
    case 'move':
      return move(mbox, ids, resolveFolder(mbox, action.get('l') ?? '').id);
    case 'trash':
      return move(mbox, ids, FOLDER.TRASH);
    case 'delete':
      return deleteItems(mbox, ids);
    case 'read':
      return toggleFlag(mbox, ids, 'u', negate);
    case 'flag':
      return toggleFlag(mbox, ids, 'f', !negate);
    case 'tag':
      return toggleTag(mbox, ids, tagName(mbox, action), !negate);
    case 'rename': {
      const name = action.get('name');
      if (!name) throw faults.invalidRequest('missing name');
      for (const id of ids) {
        const item = getItem(mbox, id);
        if (item.type === 'folder') renameFolder(mbox, id, name);
        else mbox.transaction((txn) => txn.modify(item, (i) => void (i.name = name)));
      }
      return;
    }
    case 'color': {
      const color = Number(action.get('color'));
      const items = ids.map((id) => getItem(mbox, id));
      mbox.transaction((txn) => items.forEach((it) => txn.modify(it, (i) => void (i.color = color))));
      return;
    }
    case 'empty':
      for (const id of ids) {
        const folder = resolveFolder(mbox, id);
        mbox.transaction((txn) => {
          emptyFolderIn(mbox, txn, folder.id);
          if (action.getBool('recursive', true))
            for (const sub of mbox.subfolders(folder.id)) deleteFolderIn(mbox, txn, sub);
        });
      }
      return;
    case 'update': {
      const l = action.get('l');
      if (l) move(mbox, ids, resolveFolder(mbox, l).id);
      const f = action.get('f');
      if (f !== undefined) setFlags(mbox, ids, f);
      const tn = action.get('tn');
      const t = action.get('t');
      if (tn !== undefined)
        setTags(
          mbox,
          ids,
          decodeTags(tn), // TagUtil.parseTags
        );
      else if (t !== undefined)
        setTags(
          mbox,
          ids,
          t
            .split(',')
            .filter((x) => x)
            .map((id) => mbox.get(Number(id))?.name ?? ''),
        );
      const name = action.get('name');
      if (name) apply(mbox, ids, withOp(action, 'rename'));
      if (action.get('color') !== undefined) apply(mbox, ids, withOp(action, 'color'));
      return;
    }
    default:
      throw faults.invalidRequest(`unknown operation: ${rawOp}`);
  }
}

function withOp(action: Element, op: string): Element {
  const copy = Object.create(Object.getPrototypeOf(action) as object) as Element;
  Object.assign(copy, action);
  (copy as { attrs: Record<string, unknown> }).attrs = { ...action.attrs, op };
  return copy;
}

function actionHandler(name: string): HandlerSpec {
  return {
    name,
    ns: NS.mail,
    handle(req, ctx) {
      const mbox = targetAccount(ctx).mailbox;
      const action = req.child('action');
      if (!action) throw faults.invalidRequest('missing action');
      const op = (action.get('op') ?? '').toLowerCase();
      if (name === 'FolderActionRequest' && GRANT_OPS.has(op)) {
        const r = response(req, NS.mail);
        const result = r.addUnique('action');
        const id = mbox.transaction(() => applyGrantOp(ctx.state.directory, mbox, op, action, result));
        result.attr('id', id).attr('op', op);
        return r;
      }
      const ids = idList(action.get('id'));
      // one operation is one change, as in Zimbra (op=update touches folder, flags and tags at once)
      mbox.transaction(() => apply(mbox, ids, action));
      const r = response(req, NS.mail);
      r.addUnique('action')
        .attr('id', ids.join(','))
        .attr('op', (action.get('op') ?? '').toLowerCase());
      return r;
    },
  };
}

/**
 * ConvActionRequest (`service/mail/ConvAction.java`): the ids are conversations, real or virtual
 * (the negated id of a lone message, as Search returns them); the operation applies to all their
 * messages, and the response echoes the conversation ids with the operation in lower case.
 */
const convAction: HandlerSpec = {
  name: 'ConvActionRequest',
  ns: NS.mail,
  handle(req, ctx) {
    const mbox = targetAccount(ctx).mailbox;
    const action = req.child('action');
    if (!action) throw faults.invalidRequest('missing action');
    const convIds = idList(action.get('id'));
    const msgIds = convIds.flatMap((id) => resolveConv(mbox, id).msgs.map((m) => m.id));
    mbox.transaction(() => apply(mbox, msgIds, action));
    const r = response(req, NS.mail);
    r.addUnique('action')
      .attr('id', convIds.join(','))
      .attr('op', (action.get('op') ?? '').toLowerCase());
    return r;
  },
};

/** ItemAction family handlers. */
export const itemActionHandlers: HandlerSpec[] = [
  ...['ItemActionRequest', 'MsgActionRequest', 'ContactActionRequest', 'FolderActionRequest'].map(actionHandler),
  convAction,
];
