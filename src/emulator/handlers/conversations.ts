/**
 * Conversations on the wire: the `<c>` summary of `ToXML.encodeConversationSummary` /
 * `encodeConversationCommon` (flags and tags as the union over its messages), GetConvRequest
 * (`service/mail/GetConv.java`, messages oldest first) and ConvActionRequest
 * (`service/mail/ConvAction.java`). A single message without a thread is a virtual conversation
 * whose id is the message id negated; both kinds are accepted wherever a conversation id is.
 */
import { normalizeFlags, type MailItem } from '../model/item.js';
import type { Mailbox } from '../model/mailbox.js';
import { encodeTags, tagNames } from '../model/folder-ops.js';
import type { Element } from '../wire/element.js';
import { SoapFault, faults } from '../wire/soap-fault.js';
import { NS, response, targetAccount, type HandlerSpec } from './context.js';
import { encodeMessage, fragment } from './encode-items.js';

/** `mail.NO_SUCH_CONV` (`MailServiceException.NO_SUCH_CONV`). */
export function noSuchConv(id: number | string): SoapFault {
  return new SoapFault('mail.NO_SUCH_CONV', `no such conversation: ${id}`, true, [
    { n: 'itemId', t: 'IID', value: String(id) },
  ]);
}

/**
 * The conversation an id names, with its messages newest first (`Mailbox.getItemById`): a
 * negative id is the virtual conversation of that message, or, once the message has joined a
 * thread, that thread; a missing message is `mail.NO_SUCH_MSG`, a missing conversation
 * `mail.NO_SUCH_CONV`.
 */
export function resolveConv(mbox: Mailbox, convId: number): { id: number; msgs: MailItem[] } {
  let id = convId;
  if (convId < 0) {
    const m = mbox.get(-convId);
    if (m?.type !== 'message') throw faults.noSuchMsg(-convId);
    if (m.convId === undefined) return { id, msgs: [m] };
    id = m.convId;
  }
  const conv = mbox.get(id);
  if (conv?.type !== 'conversation') throw noSuchConv(convId);
  const msgs = [...(mbox.convMembers.get(id) ?? [])]
    .map((mid) => mbox.get(mid))
    .filter((m): m is MailItem => m?.type === 'message')
    .sort((a, b) => b.date - a.date || b.id - a.id);
  return { id, msgs };
}

function emailOf(sender: string | undefined): { a: string; p: string | undefined } | undefined {
  const match = /^\s*(?:"?([^"<]*?)"?\s*)?<([^>]+)>\s*$/.exec(sender ?? '');
  const a = match?.[2] ?? sender?.trim();
  return a ? { a, p: match?.[1] || undefined } : undefined;
}

/**
 * `<c id u n f t tn d su fr e...>`: counts, the union of the messages' flags and tags, the date and
 * subject of `hit` (the matched message) or else of the newest message, and distinct senders.
 */
export function encodeConvSummary(
  parent: Element,
  mbox: Mailbox,
  convId: number,
  msgs: MailItem[],
  hit?: MailItem,
): Element {
  const newest = msgs[0];
  const c = parent.add('c').attr('id', String(convId));
  c.attr('u', msgs.filter((m) => m.flags.includes('u')).length).attr('n', msgs.length);
  const flags = normalizeFlags(msgs.map((m) => m.flags).join(''));
  if (flags) c.attr('f', flags);
  const tagIds = [...new Set(msgs.flatMap((m) => m.tagIds))].sort((a, b) => a - b);
  if (tagIds.length > 0) {
    const names = [...new Set(tagIds.map((id) => mbox.get(id)?.name ?? '').filter((x) => x))];
    c.attr('tn', encodeTags(names)).attr('t', tagIds.join(','));
  }
  const dated = hit ?? newest;
  if (dated) c.attr('d', dated.date).text('su', dated.subject ?? '');
  // the fragment only with a matched message (search hits), as encodeConversationSummary does
  if (hit) c.text('fr', fragment((newest ?? hit).blob ?? Buffer.alloc(0)));
  const seen = new Set<string>();
  for (const m of msgs) {
    const e = emailOf(m.sender);
    if (!e || seen.has(e.a)) continue;
    seen.add(e.a);
    c.add('e').attr('t', 'f').attr('a', e.a).attr('p', e.p);
  }
  return c;
}

/** GetConvRequest `<c id fetch>`: the summary, then every message oldest first. */
const getConv: HandlerSpec = {
  name: 'GetConvRequest',
  ns: NS.mail,
  handle(req, ctx) {
    const mbox = targetAccount(ctx).mailbox;
    const spec = req.child('c');
    const rawId = spec?.get('id');
    if (rawId === undefined) throw faults.invalidRequest('missing required attribute: id');
    const id = Number(rawId);
    if (!Number.isInteger(id)) throw faults.invalidRequest(`invalid item id: ${rawId}`);
    const { id: realId, msgs } = resolveConv(mbox, id);
    const r = response(req, NS.mail);
    const c = encodeConvSummary(r, mbox, realId, msgs);
    const oldestFirst = [...msgs].reverse();
    if (oldestFirst[0]) c.text('su', oldestFirst[0].subject ?? '');
    // fetch: "1"/"first" expands the first message, "all" every one, an id that message
    let fetch = spec?.get('fetch') ?? '';
    for (const m of oldestFirst) {
      const expand = fetch === 'all' || fetch === '1' || fetch === 'first' || fetch === String(m.id);
      if (expand) {
        encodeMessage(c, mbox, m, { full: true });
        if (fetch === '1' || fetch === 'first') fetch = '';
        continue;
      }
      const el = c
        .add('m')
        .attr('id', String(m.id))
        .attr('d', m.date)
        .attr('s', m.size)
        .text('su', m.subject ?? '')
        .attr('l', String(m.folderId));
      if (m.flags) el.attr('f', m.flags);
      if (m.tagIds.length > 0) el.attr('tn', tagNames(mbox, m)).attr('t', m.tagIds.join(','));
      el.text('fr', fragment(m.blob ?? Buffer.alloc(0)));
      const e = emailOf(m.sender);
      if (e) el.add('e').attr('t', 'f').attr('a', e.a).attr('p', e.p);
    }
    return r;
  },
};

/** Conversation handlers (ConvActionRequest lives with the other actions in item-action.ts). */
export const conversationHandlers: HandlerSpec[] = [getConv];
