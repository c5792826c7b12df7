/**
 * The message envelope without postal-mime for plain header blocks (issue 12: the postal-mime
 * parse was the largest cost of the initial backup's own code after storage, mostly fixed cost per
 * message, not per line). Every shortcut gives exactly what postal-mime gives for the same block,
 * and anything outside the plain grammar below goes to postal-mime (test/unit/backup/
 * envelope-fields.test.ts checks both on every message of the SpamAssassin dataset):
 *
 * ```text
 * block plain?   ASCII, CR only before LF, every line `name:` (no space before the colon) or a fold
 *                holding more than whitespace, the first line a field  -> else postal-mime, whole block
 * fields         Subject, From, To, Cc, Date, Message-ID with their folds; value = unfolded, SP/HTAB trimmed
 * values plain?  no `=?` (encoded words); addresses `a@b`, `<a@b>`, `Name <a@b>` (name of letters,
 *                digits, space . ' -), `"Name" <a@b>` (no quote, backslash, '@' or edge space inside),
 *                comma-separated  -> else postal-mime on the fields alone (same result: each field
 *                reads only its own lines; first Subject/From/Date/Message-ID, every To and Cc in order)
 * Date           new Date(value) as postal-mime converts it, then Date.parse as parseEnvelope does
 * ```
 * @module
 */
import type { MessageEnvelope } from './message-envelope.js';

/** One header field of the envelope: lower-case name and postal-mime's value. */
export interface PlainField {
  key: string;
  /** The field's lines as written (first line and folds), for the postal-mime fallback. */
  lines: string[];
  value: string;
}

/** The header fields postal-mime's `buildMessage` reads for the envelope. */
const ENVELOPE_FIELDS = new Set(['subject', 'from', 'to', 'cc', 'date', 'message-id']);
/** A field name as postal-mime's FIELD_START accepts it, without whitespace before the colon. */
const NAME = /^[!-9;-~]+$/;
/** What makes a block not plain: 8-bit bytes, DEL, a CR that does not end a line. */
const NOT_PLAIN = /[\x7f-\xff]|\r(?!\n)/;
const BLANK = /^[ \t]*$/;
/** Lines above this many could reach postal-mime's per-line header budget (64 bytes x 32768). */
const MAX_PLAIN_LINES = 4096;

/** postal-mime's trimWsp: SP and HTAB off both ends. */
function trimWsp(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** The envelope's fields of a plain header block (see the module doc); undefined when it is not plain. */
export function plainFields(head: Buffer): PlainField[] | undefined {
  const text = head.toString('latin1');
  // one native scan each instead of a loop over the bytes: 8-bit bytes, DEL, a CR not before LF
  if (NOT_PLAIN.test(text)) return undefined;
  const out: PlainField[] = [];
  let cur: PlainField | undefined;
  let start = 0;
  for (let n = 0; start < text.length; n++) {
    if (n >= MAX_PLAIN_LINES) return undefined;
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    if (end === start) break; // the end of the block (or of a block cut after a line break)
    const c = text.charCodeAt(start);
    if (c === 0x20 || c === 0x09) {
      const line = text.slice(start, end);
      if (n === 0 || BLANK.test(line)) return undefined;
      cur?.lines.push(line);
    } else {
      const colon = text.indexOf(':', start);
      if (colon < 0 || colon >= end || !NAME.test(text.slice(start, colon))) return undefined;
      const key = text.slice(start, colon).toLowerCase();
      cur = ENVELOPE_FIELDS.has(key) ? { key, lines: [text.slice(start, end)], value: '' } : undefined;
      if (cur) out.push(cur);
    }
    start = next;
  }
  for (const f of out) {
    const unfolded = f.lines.join('');
    f.value = trimWsp(unfolded.slice(unfolded.indexOf(':') + 1));
  }
  return out;
}

/** The fields alone as a header block for postal-mime. */
export function fieldsBlock(fields: PlainField[]): Buffer {
  return Buffer.from(`${fields.flatMap((f) => f.lines).join('\r\n')}\r\n\r\n`, 'latin1');
}

/** The header block of {@link plainFields}, or undefined when the block is not plain (tests). */
export function envelopeFields(head: Buffer): Buffer | undefined {
  const fields = plainFields(head);
  return fields ? fieldsBlock(fields) : undefined;
}

const ADDR = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+";
const BARE = new RegExp(`^(${ADDR})$`);
const ANGLE = new RegExp(`^([A-Za-z0-9 .'-]*?) *<(${ADDR})>$`);
const QUOTED = new RegExp(`^"([^"\\\\ \\t](?:[^"\\\\\\t]*[^"\\\\ \\t])?)" *<(${ADDR})>$`);

/** An address list of the plain grammar as postal-mime's addressParser reads it; null otherwise. */
function plainAddresses(value: string): Array<{ name: string; address: string }> | null {
  const out: Array<{ name: string; address: string }> = [];
  // commas inside quotes would split a name: only lists whose quoted names hold none
  for (const raw of value.split(',')) {
    const item = trimWsp(raw);
    let m = BARE.exec(item);
    if (m) {
      out.push({ name: '', address: m[1]! });
      continue;
    }
    m = ANGLE.exec(item) ?? QUOTED.exec(item);
    // postal-mime drops a name that repeats the address: names with '@' are left to it
    if (!m || m[1]!.includes('@')) return null;
    const name = m[1]!;
    if (name !== trimWsp(name) || /^[.'-]|[.'-]$/.test(name)) return null;
    out.push({ name, address: m[2]! });
  }
  return out;
}

/** `Name <address>` or the address, as parseEnvelope formats one. */
function fmt(a: { name: string; address: string }): string | undefined {
  const s = a.name && a.address ? `${a.name} <${a.address}>` : a.address || a.name;
  return s === '' ? undefined : s.slice(0, 998);
}

/**
 * The envelope of plain fields, exactly as parseEnvelope derives it from postal-mime; undefined
 * when there is none; null when a value is outside the plain grammar (postal-mime decides).
 */
export function plainEnvelope(fields: PlainField[]): MessageEnvelope | undefined | null {
  const first = (key: string): PlainField | undefined => fields.find((f) => f.key === key);
  const env: MessageEnvelope = {};
  for (const f of fields) if (f.key !== 'date' && f.value.includes('=?')) return null;
  const subject = first('subject');
  if (subject?.value) env.subject = subject.value.slice(0, 998);
  const from = first('from');
  if (from?.value) {
    const list = plainAddresses(from.value);
    if (list === null) return null;
    const s = list[0] ? fmt(list[0]) : undefined;
    if (s) env.from = s;
  }
  const to: string[] = [];
  for (const key of ['to', 'cc']) {
    for (const f of fields) {
      if (f.key !== key || !f.value) continue;
      const list = plainAddresses(f.value);
      if (list === null) return null;
      for (const a of list) {
        const s = fmt(a);
        if (s) to.push(s);
      }
    }
  }
  if (to.length > 0) env.to = to.slice(0, 50);
  const date = first('date');
  if (date) {
    const d = new Date(date.value);
    const iso = d.toString() === 'Invalid Date' ? date.value : d.toISOString();
    const sent = iso ? Date.parse(iso) : NaN;
    if (Number.isFinite(sent)) env.sentMs = sent;
  }
  const mid = first('message-id');
  if (mid?.value) env.messageId = mid.value.replace(/^<|>$/g, '').slice(0, 998);
  return Object.keys(env).length > 0 ? env : undefined;
}
