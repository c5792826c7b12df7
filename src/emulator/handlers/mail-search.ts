/**
 * urn:zimbraMail SearchRequest (`service/mail/Search.java`, `SearchResponse.java`,
 * `index/SearchParams.java`): the query language of search/query-parser.ts, `types` with
 * `conversation` as the default (message hits grouped into `<c>` hits with their matching `<m>`),
 * the default query `in:inbox` (`zimbraPrefMailInitialSearch`), sort orders, `limit` (10 when
 * absent or not positive, at most 1000), `offset`, `more`, and `sf` on every hit. Trash and Junk
 * are left out unless the query names a folder.
 */
import { FOLDER, type ItemType, type MailItem } from '../model/item.js';
import type { Mailbox } from '../model/mailbox.js';
import { parseQuery } from '../search/query-parser.js';
import { matches, mentionsFolder, type EvalContext } from '../search/query-eval.js';
import type { Element } from '../wire/element.js';
import { faults } from '../wire/soap-fault.js';
import { DEFAULT_PREFS } from './account-prefs.js';
import { NS, response, targetAccount, type HandlerSpec } from './context.js';
import { encodeConvSummary, resolveConv } from './conversations.js';
import { convIdOf, encodeAny } from './encode-items.js';

const SEARCH_TYPES: Record<string, ItemType[]> = {
  conversation: ['message'],
  message: ['message'],
  contact: ['contact'],
  appointment: ['appointment'],
  task: ['task'],
  document: ['document'],
  wiki: ['document'],
  // MailItem.Type.NOTE: searchable whatever notes_enabled says (only the note commands depend on it)
  note: ['note'],
};

/** `SortBy.java` orders the emulator implements, with the key each hit sorts on. */
const SORTS: Record<string, { key: (h: Hit) => number | string; desc: boolean }> = {
  none: { key: (h) => h.item.id, desc: false },
  dateAsc: { key: (h) => h.item.date, desc: false },
  dateDesc: { key: (h) => h.item.date, desc: true },
  subjAsc: { key: (h) => (h.item.subject ?? h.item.name ?? '').toLowerCase(), desc: false },
  subjDesc: { key: (h) => (h.item.subject ?? h.item.name ?? '').toLowerCase(), desc: true },
  nameAsc: { key: (h) => (h.item.sender ?? '').toLowerCase(), desc: false },
  nameDesc: { key: (h) => (h.item.sender ?? '').toLowerCase(), desc: true },
  sizeAsc: { key: (h) => h.item.size, desc: false },
  sizeDesc: { key: (h) => h.item.size, desc: true },
  idAsc: { key: (h) => h.item.id, desc: false },
  idDesc: { key: (h) => h.item.id, desc: true },
};

/** One hit: an item, or for conversations the newest matching message and all matching ones. */
interface Hit {
  item: MailItem;
  conv?: { id: string; messages: MailItem[] };
}

/** `SearchParams.parseLimit`: 10 when absent or not positive, at most 1000. */
export function searchLimit(requested: number | undefined): number {
  if (requested === undefined || !Number.isFinite(requested) || requested <= 0) return 10;
  return Math.min(requested, 1000);
}

function compare(sort: (typeof SORTS)[string]): (a: Hit, b: Hit) => number {
  return (a, b) => {
    const x = sort.key(a);
    const y = sort.key(b);
    const c = x < y ? -1 : x > y ? 1 : 0;
    return (sort.desc ? -c : c) || (sort.desc ? b.item.id - a.item.id : a.item.id - b.item.id);
  };
}

/** Groups message hits by conversation; the conversation's hit message is its newest match. */
function groupConversations(messages: MailItem[]): Hit[] {
  const byConv = new Map<string, MailItem[]>();
  for (const m of messages) byConv.set(convIdOf(m), [...(byConv.get(convIdOf(m)) ?? []), m]);
  return [...byConv].map(([id, ms]) => {
    ms.sort((a, b) => b.date - a.date || b.id - a.id);
    return { item: ms[0]!, conv: { id, messages: ms } };
  });
}

/** `<c>` as `ToXML.encodeConversationSummary` with the matched `<m>` of `SearchResponse.add(ConversationHit)`. */
function encodeConvHit(parent: Element, mbox: Mailbox, hit: Hit): Element {
  const conv = hit.conv!;
  const id = Number(conv.id);
  const all = resolveConv(mbox, id).msgs;
  const c = encodeConvSummary(parent, mbox, id, all, hit.item);
  for (const m of conv.messages) {
    const el = c.add('m').attr('id', String(m.id)).attr('l', String(m.folderId));
    if (all.length === 1) el.attr('s', m.size);
    if (m.flags) el.attr('f', m.flags);
  }
  return c;
}

function sortField(sortBy: string, hit: Hit): string {
  return String(SORTS[sortBy]!.key(hit));
}

const search: HandlerSpec = {
  name: 'SearchRequest',
  ns: NS.mail,
  handle(req, ctx) {
    const acct = targetAccount(ctx);
    const mbox = acct.mailbox;
    const typeNames = (req.get('types') ?? req.get('groupBy') ?? 'conversation')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '');
    for (const t of typeNames) if (!SEARCH_TYPES[t]) throw faults.invalidRequest(`unknown type: ${t}`);
    const types = new Set(typeNames.flatMap((t) => SEARCH_TYPES[t]!));
    const byConversation = typeNames.includes('conversation');
    const queryText = req.get('query') ?? acct.attrs['zimbraPrefMailInitialSearch']?.[0] ?? 'in:inbox';
    const parsed = parseQuery(queryText);
    const sortBy = [req.get('sortBy'), parsed.sortBy, 'dateDesc'].find((s) => s !== undefined && SORTS[s])!;
    const evalCtx: EvalContext = {
      mbox,
      query: queryText,
      now: Date.now(),
      // absolute dates are days in the account's time zone (the stock default when unset)
      timeZone: acct.attrs['zimbraPrefTimeZoneId']?.[0] ?? DEFAULT_PREFS['zimbraPrefTimeZoneId']!,
    };
    const anyFolder = mentionsFolder(parsed.root);
    const found: MailItem[] = [];
    for (const item of mbox.items.values()) {
      if (!types.has(item.type)) continue;
      if (!anyFolder && (item.folderId === FOLDER.TRASH || item.folderId === FOLDER.JUNK)) continue;
      if (matches(parsed.root, item, evalCtx)) found.push(item);
    }
    const hits: Hit[] = byConversation
      ? [
          ...groupConversations(found.filter((i) => i.type === 'message')),
          ...found.filter((i) => i.type !== 'message').map((item) => ({ item })),
        ]
      : found.map((item) => ({ item }));
    hits.sort(compare(SORTS[sortBy]!));
    const offset = Math.max(0, req.getInt('offset') ?? 0) || 0;
    const limit = searchLimit(req.getInt('limit'));
    const r = response(req, NS.mail).attr('sortBy', sortBy).attr('offset', offset);
    for (const hit of hits.slice(offset, offset + limit)) {
      const el = hit.conv ? encodeConvHit(r, mbox, hit) : encodeAny(r, mbox, hit.item);
      el.attr('sf', sortField(sortBy, hit));
    }
    return r.attr('more', offset + limit < hits.length);
  },
};

/** Search handlers. */
export const mailSearchHandlers: HandlerSpec[] = [search];
