/**
 * LDIF (RFC 2849) content records: a writer whose output `ldapadd` and `slapadd` accept, and a
 * streaming parser for reading dumps back. Change records, `control:` lines and URL values
 * (`attr:< file:///…`) are refused: a dump never contains them, and a URL value in a file from
 * elsewhere would make the reader open local files.
 * @module
 */
import { StringDecoder } from 'node:string_decoder';
import { ZimbraBackupError } from '../errors.js';
import { normalizeValue, type DirectoryValue, type LdifRecord } from './directory-entry.js';

/** Maximum line length before folding (RFC 2849 "SHOULD NOT be longer than 76"). */
export const LDIF_LINE_WIDTH = 76;

/** RFC 2849 AttributeDescription: a name or OID, then `;options`. Nothing else may reach a line. */
const ATTR_DESC = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)(?:;[A-Za-z0-9-]+)*$/;

/**
 * True when `value` may be written after `: ` as is (RFC 2849 SAFE-STRING): ASCII without NUL,
 * CR or LF, not starting with space, `:` or `<`, and (RFC 2849 note 8) not ending with a space.
 */
export function isSafeString(value: string): boolean {
  if (value === '') return true;
  const first = value.charCodeAt(0);
  if (first === 0x20 || first === 0x3a || first === 0x3c) return false;
  if (value.charCodeAt(value.length - 1) === 0x20) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d || c > 0x7f) return false;
  }
  return true;
}

/** Folds one logical line: the first physical line holds `width` chars, each continuation a space plus `width - 1`. */
export function foldLdifLine(line: string, width: number = LDIF_LINE_WIDTH): string {
  if (line.length <= width) return line;
  const parts = [line.slice(0, width)];
  for (let i = width; i < line.length; i += width - 1) parts.push(` ${line.slice(i, i + width - 1)}`);
  return parts.join('\n');
}

/** One `name: value` or `name:: base64` line, folded. */
function valueLine(name: string, value: DirectoryValue): string {
  if (typeof value === 'string' && isSafeString(value))
    return foldLdifLine(value === '' ? `${name}:` : `${name}: ${value}`);
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return foldLdifLine(`${name}:: ${bytes.toString('base64')}`);
}

/** Options of {@link formatLdifRecord}. */
export interface FormatLdifOptions {
  /** Attribute names (case-insensitive) to leave out, e.g. operational ones `ldapadd` refuses. Default: none. */
  omit?: ReadonlySet<string>;
}

/**
 * Formats one content record, ending with the blank line that separates records.
 * @throws ZimbraBackupError `ZB_INVALID_ARGUMENT` for an attribute name that is not an RFC 2849
 *   AttributeDescription (it could otherwise inject lines).
 */
export function formatLdifRecord(record: LdifRecord, opts: FormatLdifOptions = {}): string {
  const lines = [valueLine('dn', record.dn)];
  for (const [name, values] of Object.entries(record.attributes)) {
    if (!ATTR_DESC.test(name)) {
      throw new ZimbraBackupError('invalid LDIF attribute name', {
        code: 'ZB_INVALID_ARGUMENT',
        data: { dn: record.dn, attribute: name.slice(0, 100) },
      });
    }
    if (opts.omit?.has(name.toLowerCase())) continue;
    for (const v of values) lines.push(valueLine(name, v));
  }
  return `${lines.join('\n')}\n\n`;
}

/** Formats comment lines (`# …`, one per input line, folded), e.g. for a file header. */
export function formatLdifComment(text: string): string {
  return text
    .split(/\r?\n/)
    .map((l) => `${foldLdifLine(`# ${l}`.trimEnd())}\n`)
    .join('');
}

/** Options of {@link parseLdif}. */
export interface ParseLdifOptions {
  /** Largest logical (unfolded) line accepted, in characters. Default 64 MiB. */
  maxLineLength?: number;
  /** Extra attribute names whose values stay bytes (see `isBinaryAttribute`). */
  binaryAttributes?: ReadonlySet<string>;
}

function fail(lineNo: number, message: string): never {
  throw new ZimbraBackupError(`LDIF line ${lineNo}: ${message}`, { code: 'ZB_PROTOCOL', data: { line: lineNo } });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes one unfolded `name: value` / `name:: base64` line. */
function parseLine(line: string, lineNo: number): [string, DirectoryValue, boolean] {
  const colon = line.indexOf(':');
  if (colon <= 0) fail(lineNo, 'expected "name: value"');
  const name = line.slice(0, colon);
  if (!ATTR_DESC.test(name)) fail(lineNo, 'invalid attribute name');
  const rest = line.slice(colon + 1);
  if (rest.startsWith(':')) {
    const b64 = rest.slice(1).replace(/^ +/, '').trimEnd();
    if (!BASE64.test(b64) || b64.length % 4 !== 0) fail(lineNo, `invalid base64 value of ${name}`);
    return [name, Buffer.from(b64, 'base64'), true];
  }
  if (rest.startsWith('<')) fail(lineNo, `URL values are not accepted (${name})`);
  return [name, rest.replace(/^ +/, ''), false];
}

/** Joins folded lines into logical lines, dropping comments, and yields `[line, lineNo]` (`''` ends a record). */
async function* logicalLines(source: AsyncIterable<Buffer | string>, maxLen: number): AsyncGenerator<[string, number]> {
  const decoder = new StringDecoder('utf8');
  let pending: string | undefined;
  let pendingNo = 0;
  let inComment = false;
  let lineNo = 0;
  let carry = '';
  function* physical(raw: string): Generator<[string, number]> {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length > maxLen)
      throw new ZimbraBackupError(`LDIF line ${lineNo}: line too long`, {
        code: 'ZB_TOO_LARGE',
        data: { line: lineNo, max: maxLen },
      });
    if (line.startsWith(' ')) {
      if (inComment) return;
      if (pending === undefined) fail(lineNo, 'continuation line without a line to continue');
      pending += line.slice(1);
      if (pending.length > maxLen) {
        throw new ZimbraBackupError(`LDIF line ${pendingNo}: line too long`, {
          code: 'ZB_TOO_LARGE',
          data: { line: pendingNo, max: maxLen },
        });
      }
      return;
    }
    if (pending !== undefined) yield [pending, pendingNo];
    pending = undefined;
    inComment = line.startsWith('#');
    if (inComment) return;
    if (line === '') yield ['', lineNo];
    else [pending, pendingNo] = [line, lineNo];
  }
  for await (const chunk of source) {
    carry += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    const parts = carry.split('\n');
    carry = parts.pop()!;
    if (carry.length > maxLen)
      throw new ZimbraBackupError(`LDIF line ${lineNo + 1}: line too long`, {
        code: 'ZB_TOO_LARGE',
        data: { line: lineNo + 1, max: maxLen },
      });
    for (const p of parts) yield* physical(p);
  }
  carry += decoder.end();
  if (carry !== '') yield* physical(carry);
  if (pending !== undefined) yield [pending, pendingNo];
  yield ['', lineNo + 1];
}

/**
 * Parses LDIF content records from a byte or text stream, one record at a time (memory is bounded
 * by the largest record). A leading `version: 1` is accepted; values follow the same text/bytes
 * rule as entries read from a server (`normalizeValue`).
 * @throws ZimbraBackupError `ZB_PROTOCOL` for malformed input (with `data.line`), change records or
 *   URL values; `ZB_TOO_LARGE` for a line over `maxLineLength`.
 */
export async function* parseLdif(
  source: AsyncIterable<Buffer | string>,
  opts: ParseLdifOptions = {},
): AsyncGenerator<LdifRecord> {
  const maxLen = opts.maxLineLength ?? 64 * 1024 * 1024;
  let record: LdifRecord | undefined;
  let first = true;
  for await (const [line, lineNo] of logicalLines(source, maxLen)) {
    if (line === '') {
      if (record) yield record;
      record = undefined;
      continue;
    }
    const [name, raw, wasBase64] = parseLine(line, lineNo);
    if (first && !record && name.toLowerCase() === 'version') {
      if (raw !== '1') fail(lineNo, 'unsupported LDIF version');
      first = false;
      continue;
    }
    first = false;
    if (!record) {
      if (name.toLowerCase() !== 'dn') fail(lineNo, 'a record must start with "dn:"');
      const dn = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
      if (wasBase64 && Buffer.from(dn, 'utf8').compare(raw as Buffer) !== 0) fail(lineNo, 'DN is not valid UTF-8');
      record = { dn, attributes: {} };
      continue;
    }
    const lc = name.toLowerCase();
    if (lc === 'changetype' || lc === 'control') fail(lineNo, 'change records are not accepted');
    if (lc === 'dn') fail(lineNo, 'missing blank line between records');
    // hasOwn: names such as "constructor" are valid attribute descriptions too.
    const attrs = record.attributes;
    const values = Object.hasOwn(attrs, name) ? attrs[name]! : (attrs[name] = []);
    values.push(normalizeValue(name, raw, opts.binaryAttributes));
  }
}
