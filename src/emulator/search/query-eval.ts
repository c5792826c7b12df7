/**
 * Evaluates a parsed search query against one mail item, the way Zimbra's index answers it for
 * the fields the emulator supports: folders (`in:`, `under:`), addresses (`from:` `to:` `cc:` and
 * their combinations, matched per address token as the address analyzer splits them), `subject:`, `msgid:`,
 * bare words and `content:` over subject and body text (word match, `*` for a prefix, quoted
 * phrases), `is:`, `has:attachment`, `tag:`, `item:`, and `before:`/`after:`/`date:`
 * (`index/query/DateQuery.java`: epoch milliseconds, `+/-N[unit]` relative, or a `M/d/yyyy`
 * date in the account's time zone). Any other field of the grammar raises `service.UNSUPPORTED`
 * rather than matching silently.
 */
import type { MailItem } from '../model/item.js';
import type { Mailbox } from '../model/mailbox.js';
import { header, parseHeaders } from '../model/mime-headers.js';
import { decodedBody, mimeTree, type MimePart } from '../model/mime-parts.js';
import { SoapFault } from '../wire/soap-fault.js';
import { queryParseError, type QueryNode } from './query-parser.js';

/** What evaluation needs besides the item. */
export interface EvalContext {
  mbox: Mailbox;
  query: string;
  /** "Now" for relative dates, ms. */
  now: number;
  /** IANA time zone for absolute dates. */
  timeZone: string;
}

/** The searchable text of a message, computed once per item revision. */
interface Indexed {
  rev: number;
  from: string[];
  to: string[];
  cc: string[];
  subjectWords: string[];
  contentWords: string[];
  content: string;
}

const cache = new WeakMap<MailItem, Indexed>();

/** Lower-case words, as the standard analyzer splits text. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_']+/gu) ?? [];
}

/** The tokens an address header yields: whole addresses, local parts, domains, name words. */
function addressTokens(value: string | undefined): string[] {
  if (!value) return [];
  const out = new Set<string>();
  for (const addr of value.toLowerCase().match(/[^\s<>",;()]+@[^\s<>",;()]+/g) ?? []) {
    const [local = '', domain = ''] = addr.split('@');
    for (const t of [addr, local, domain, `@${domain}`, ...local.split(/[._+-]/), ...domain.split('.')]) out.add(t);
  }
  for (const w of words(value.replace(/[^\s<>",;()]+@[^\s<>",;()]+/g, ' '))) out.add(w);
  out.delete('');
  return [...out];
}

function textOf(part: MimePart, out: string[]): void {
  if (part.children.length > 0) for (const c of part.children) textOf(c, out);
  else if (/^text\/(plain|html)/i.test(part.contentType) && part.disposition !== 'attachment') {
    const text = decodedBody(part).toString('utf8');
    out.push(/html/i.test(part.contentType) ? text.replace(/<[^>]*>/g, ' ') : text);
  }
}

function indexed(item: MailItem): Indexed {
  const hit = cache.get(item);
  if (hit && hit.rev === item.savedSequence) return hit;
  const blob = item.blob ?? Buffer.alloc(0);
  const h = parseHeaders(blob);
  const body: string[] = [];
  if (item.type === 'message') textOf(mimeTree(blob), body);
  else if (item.fields) body.push(Object.values(item.fields).join(' '));
  const subject = item.subject ?? item.name ?? '';
  const content = `${subject} ${body.join(' ')}`;
  const ix: Indexed = {
    rev: item.savedSequence,
    from: addressTokens(header(h, 'from') ?? item.sender),
    to: addressTokens(h.get('to')?.join(', ')),
    cc: addressTokens(h.get('cc')?.join(', ')),
    subjectWords: words(subject),
    contentWords: words(content),
    content: words(content).join(' '),
  };
  cache.set(item, ix);
  return ix;
}

/** Word or prefix (`abc*`) match of a term against a token list; quoted terms match a phrase. */
function matchWords(tokens: string[], phraseText: string | undefined, value: string, quoted: boolean): boolean {
  const v = value.toLowerCase();
  if (v.endsWith('*') && !quoted) {
    const prefix = v.slice(0, -1);
    return tokens.some((t) => t.startsWith(prefix));
  }
  const ws = words(v);
  if (ws.length === 0) return false;
  if (ws.length === 1 && !/\s/.test(v)) return tokens.includes(ws[0]!) || tokens.includes(v);
  const phrase = ws.join(' ');
  const text = phraseText ?? tokens.join(' ');
  return ` ${text} `.includes(` ${phrase} `);
}

function matchAddress(tokens: string[], value: string): boolean {
  const v = value.toLowerCase();
  if (v.endsWith('*')) return tokens.some((t) => t.startsWith(v.slice(0, -1)));
  if (tokens.includes(v)) return true;
  const ws = words(v);
  return ws.length > 1 && ws.every((w) => tokens.includes(w));
}

const UNIT_MS: Record<string, number> = { mi: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Midnight of a calendar date in a time zone, in ms. */
function zonedMidnight(y: number, m: number, d: number, timeZone: string): number {
  const guess = Date.UTC(y, m - 1, d);
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const parts = Object.fromEntries(fmt.formatToParts(guess).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts['year']!, +parts['month']! - 1, +parts['day']!, +parts['hour']!, +parts['minute']!);
  return guess - (asUtc - guess);
}

/** The `[begin, end)` range a date term names. */
export function dateRange(value: string, ctx: EvalContext): [number, number] {
  if (/^[0-9]+$/.test(value)) return [Number(value), Number(value) + 1000];
  const rel = /^([+-])([0-9]+)(mi|minutes?|h|hours?|d|days?|w|weeks?|m|months?|y|years?)?$/.exec(value);
  if (rel) {
    const sign = rel[1] === '-' ? -1 : 1;
    const n = Number(rel[2]) * sign;
    const unit = rel[3] ?? 'd';
    const key = unit.startsWith('mi') ? 'mi' : unit[0]!;
    if (key === 'm' || key === 'y') {
      const d = new Date(ctx.now);
      if (key === 'm') d.setUTCMonth(d.getUTCMonth() + n);
      else d.setUTCFullYear(d.getUTCFullYear() + n);
      const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      return [start, start + 86_400_000];
    }
    const at = ctx.now + n * UNIT_MS[key]!;
    const size = key === 'w' ? 86_400_000 : UNIT_MS[key]!;
    const start = at - (((at % size) + size) % size);
    return [start, start + size];
  }
  const abs = /^([0-9]{1,2})\/([0-9]{1,2})\/([0-9]{2}|[0-9]{4})$/.exec(value);
  if (abs) {
    const y = abs[3]!.length === 2 ? 2000 + Number(abs[3]) : Number(abs[3]);
    const [mm, dd] = [Number(abs[1]), Number(abs[2])];
    return [zonedMidnight(y, mm, dd, ctx.timeZone), zonedMidnight(y, mm, dd + 1, ctx.timeZone)];
  }
  throw queryParseError(ctx.query, value, 0, `invalid date: ${value}`);
}

const IS: Record<string, (i: MailItem) => boolean> = {
  unread: (i) => i.flags.includes('u'),
  read: (i) => !i.flags.includes('u'),
  flagged: (i) => i.flags.includes('f'),
  unflagged: (i) => !i.flags.includes('f'),
  replied: (i) => i.flags.includes('r'),
  unreplied: (i) => !i.flags.includes('r'),
  forwarded: (i) => i.flags.includes('w'),
  unforwarded: (i) => !i.flags.includes('w'),
  draft: (i) => i.flags.includes('d'),
  sent: (i) => i.flags.includes('s'),
  received: (i) => !i.flags.includes('s'),
  anywhere: () => true,
  local: () => true,
  remote: () => false,
};

function folderMatches(ctx: EvalContext, item: MailItem, path: string, under: boolean): boolean {
  const folder = ctx.mbox.folderByPath(path.startsWith('/') ? path : `/${path}`);
  if (!folder)
    throw new SoapFault('mail.NO_SUCH_FOLDER', `no such folder path: ${path}`, true, [
      { n: 'path', t: 'STR', value: path },
    ]);
  if (item.folderId === folder.id) return true;
  if (!under) return false;
  for (let f = ctx.mbox.get(item.folderId); f && f.id !== f.folderId; f = ctx.mbox.get(f.folderId))
    if (f.folderId === folder.id) return true;
  return false;
}

function matchTerm(node: Extract<QueryNode, { kind: 'term' }>, item: MailItem, ctx: EvalContext): boolean {
  const { field, value, quoted } = node;
  const v = value.toLowerCase();
  switch (field) {
    case undefined:
    case 'content':
      return matchWords(indexed(item).contentWords, indexed(item).content, value, quoted);
    case 'subject':
      return matchWords(indexed(item).subjectWords, undefined, value, quoted);
    case 'from':
      return matchAddress(indexed(item).from, value);
    case 'to':
      return matchAddress(indexed(item).to, value);
    case 'cc':
      return matchAddress(indexed(item).cc, value);
    case 'tofrom':
      return matchAddress([...indexed(item).to, ...indexed(item).from], value);
    case 'tocc':
      return matchAddress([...indexed(item).to, ...indexed(item).cc], value);
    case 'fromcc':
      return matchAddress([...indexed(item).from, ...indexed(item).cc], value);
    case 'tofromcc':
      return matchAddress([...indexed(item).to, ...indexed(item).from, ...indexed(item).cc], value);
    case 'in':
      return folderMatches(ctx, item, value, false);
    case 'under':
      return folderMatches(ctx, item, value, true);
    case 'inid':
      return item.folderId === Number(value);
    case 'is': {
      const test = IS[v];
      if (!test) throw queryParseError(ctx.query, value, 0, `UNKNOWN_TEXT_AFTER_IS: ${value}`);
      return test(item);
    }
    case 'has':
      if (v === 'attachment') return item.flags.includes('a');
      throw new SoapFault('service.UNSUPPORTED', `unsupported: has:${value} is not implemented by the emulator`);
    case 'msgid': {
      // the Message-ID header, with or without its angle brackets
      const bare = (x: string): string => x.trim().replace(/^<|>$/g, '').toLowerCase();
      return item.messageId !== undefined && bare(item.messageId) === bare(value);
    }
    case 'tag':
      return item.tagIds.some((t) => (ctx.mbox.get(t)?.name ?? '').toLowerCase() === v);
    case 'item': {
      if (v === 'all') return true;
      if (v === 'none') return false;
      return v.split(',').some((s) => Number(s.trim()) === item.id);
    }
    case 'before':
      return item.date < dateRange(value, ctx)[0];
    case 'after':
      return item.date >= dateRange(value, ctx)[1];
    case 'date': {
      const [b, e] = dateRange(value, ctx);
      return item.date >= b && item.date < e;
    }
    default:
      throw new SoapFault('service.UNSUPPORTED', `unsupported: ${field}: is not implemented by the emulator`);
  }
}

/** Whether an item matches a query tree. */
export function matches(node: QueryNode, item: MailItem, ctx: EvalContext): boolean {
  switch (node.kind) {
    case 'and':
      return node.items.every((n) => matches(n, item, ctx));
    case 'or':
      return node.items.some((n) => matches(n, item, ctx));
    case 'not':
      return !matches(node.item, item, ctx);
    case 'term':
      return matchTerm(node, item, ctx);
  }
}

/** Whether the query names a folder itself (then Trash and Junk are not left out). */
export function mentionsFolder(node: QueryNode): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.items.some(mentionsFolder);
    case 'not':
      return mentionsFolder(node.item);
    case 'term':
      return ['in', 'under', 'inid', 'underid', 'item'].includes(node.field ?? '') || node.value === 'anywhere';
  }
}
