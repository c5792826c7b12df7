import { crc32 } from 'node:zlib';
import type { Readable } from 'node:stream';
import { ZimbraBackupError } from '../errors.js';
import { ITEM_KINDS, type JournalRecord, type JournalRecordInput } from './types.js';

/**
 * Line framing shared by segments and checkpoints: `<crc32 as 8 hex digits> <json>\n`.
 * JSON.stringify escapes newlines inside strings, so a line never contains a raw `\n`.
 */

/** Longest line accepted on read (bytes); protects memory against a corrupt or hostile object. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Raised while decoding an object whose bytes are not what the writer wrote. */
export class InvalidObjectError extends Error {
  override name = 'InvalidObjectError';
}

/** The crc32 of a string's UTF-8 bytes, optionally chained from `prev` (crc of the preceding bytes). */
export function crcOf(text: string, prev = 0): number {
  return crc32(text, prev) >>> 0;
}

/** A crc32 as 8 lower-case hex digits. */
export function hex8(crc: number): string {
  return crc.toString(16).padStart(8, '0');
}

/** The crc32 of a string's UTF-8 bytes as 8 lower-case hex digits. */
export function crcHex(text: string): string {
  return hex8(crcOf(text));
}

/** Frames a JSON text as one line (with its trailing newline). */
export function frameJson(json: string): string {
  return `${crcHex(json)} ${json}\n`;
}

/** Encodes one framed line (with its trailing newline). */
export function encodeLine(value: unknown): string {
  return frameJson(JSON.stringify(value));
}

/**
 * Chains a line into a batch or checkpoint checksum. The chain runs over each line's own crc (its
 * first 8 characters, verified separately), so the bytes are hashed once, while a missing,
 * repeated or reordered line still changes the result.
 */
export function chainLine(line: string, prev: number): number {
  return crcOf(line.slice(0, 8), prev);
}

/** Decodes one framed line (without its newline); throws {@link InvalidObjectError}. */
export function decodeLine(line: string): Record<string, unknown> {
  if (line.length < 10 || line[8] !== ' ') throw new InvalidObjectError('malformed line');
  const json = line.slice(9);
  if (crcHex(json) !== line.slice(0, 8)) throw new InvalidObjectError('line checksum mismatch');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new InvalidObjectError('line is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidObjectError('line is not an object');
  return value as Record<string, unknown>;
}

/** One line read from a stream; `terminated` is false for a last line without its newline. */
export interface RawLine {
  text: string;
  terminated: boolean;
}

/**
 * Splits a byte stream into lines without holding more than one line plus one chunk. Yields the
 * lines of each chunk together: one await per chunk rather than per line.
 */
export async function* readLines(stream: Readable): AsyncGenerator<RawLine[]> {
  // The unterminated start of a line, kept as chunks: concatenating on every chunk would be
  // quadratic for a long line.
  let pending: Buffer[] = [];
  let pendingLen = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const lines: RawLine[] = [];
    let start = 0;
    let nl = buf.indexOf(0x0a, start);
    while (nl !== -1) {
      const text =
        pendingLen > 0
          ? Buffer.concat([...pending, buf.subarray(0, nl)]).toString('utf8')
          : buf.toString('utf8', start, nl);
      lines.push({ text, terminated: true });
      pending = [];
      pendingLen = 0;
      start = nl + 1;
      nl = buf.indexOf(0x0a, start);
    }
    if (start < buf.length) {
      pending.push(buf.subarray(start));
      pendingLen += buf.length - start;
      if (pendingLen > MAX_LINE_BYTES) {
        stream.destroy();
        throw new InvalidObjectError(`line longer than ${MAX_LINE_BYTES} bytes`);
      }
    }
    if (lines.length > 0) yield lines;
  }
  if (pendingLen > 0) yield [{ text: Buffer.concat(pending).toString('utf8'), terminated: false }];
}

const KIND_SET: ReadonlySet<string> = new Set(ITEM_KINDS);
const HEX64 = /^[0-9a-f]{64}$/;

function fail(message: string, data: Record<string, unknown>): never {
  throw new ZimbraBackupError(message, { code: 'ZB_INVALID_ARGUMENT', data });
}

function optNumber(rec: Record<string, unknown>, field: string, where: Record<string, unknown>): void {
  const v = rec[field];
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
    fail(`${field} must be a finite number`, { ...where, field });
}

function optString(rec: Record<string, unknown>, field: string, where: Record<string, unknown>): void {
  const v = rec[field];
  if (v !== undefined && typeof v !== 'string') fail(`${field} must be a string`, { ...where, field });
}

function optStringArray(rec: Record<string, unknown>, field: string, where: Record<string, unknown>): void {
  const v = rec[field];
  if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) {
    fail(`${field} must be an array of strings`, { ...where, field });
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Checks a record's shape (input to commit, or decoded from storage) and throws
 * `ZB_INVALID_ARGUMENT` naming the field. Returns the record typed.
 */
export function validateRecord(value: unknown, index = 0): JournalRecordInput {
  if (!isPlainObject(value)) fail('record must be an object', { index });
  const where = { index, type: value['type'] };
  for (const f of ['changeMs', 'modifiedSequence', 'captureMs']) optNumber(value, f, where);
  switch (value['type']) {
    case 'item': {
      if (typeof value['id'] !== 'string' || value['id'] === '')
        fail('item id must be a non-empty string', { ...where, field: 'id' });
      if (typeof value['kind'] !== 'string' || !KIND_SET.has(value['kind']))
        fail('unknown item kind', { ...where, field: 'kind', kind: value['kind'] });
      for (const f of ['folderId', 'name', 'flags']) optString(value, f, where);
      for (const f of ['tags', 'tagIds']) optStringArray(value, f, where);
      for (const f of ['dateMs', 'size', 'savedSequence']) optNumber(value, f, where);
      const d = value['digest'];
      if (d !== undefined && (typeof d !== 'string' || !HEX64.test(d)))
        fail('digest must be lower-case hex sha256', { ...where, field: 'digest' });
      if (value['meta'] !== undefined && (!isPlainObject(value['meta']) || !isJsonValue(value['meta'])))
        fail('meta must be a JSON object', { ...where, field: 'meta' });
      break;
    }
    case 'delete':
      if (typeof value['id'] !== 'string' || value['id'] === '')
        fail('delete id must be a non-empty string', { ...where, field: 'id' });
      if (value['kind'] !== undefined && (typeof value['kind'] !== 'string' || !KIND_SET.has(value['kind']))) {
        fail('unknown item kind', { ...where, field: 'kind', kind: value['kind'] });
      }
      break;
    case 'account': {
      const attrs = value['attrs'];
      if (!isPlainObject(attrs)) fail('account attrs must be an object', { ...where, field: 'attrs' });
      for (const [k, v] of Object.entries(attrs)) {
        if (typeof v !== 'string' && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
          fail('account attribute values must be strings or string arrays', { ...where, field: 'attrs', attr: k });
        }
      }
      break;
    }
    case 'account-deleted':
      break;
    case 'resync':
      optString(value, 'reason', where);
      break;
    default:
      fail('unknown record type', where);
  }
  return value as unknown as JournalRecordInput;
}

/** The stored form of a record: everything but `captureMs`, which the batch's commit marker carries. */
export function toStored(record: JournalRecordInput | JournalRecord): Record<string, unknown> {
  const { captureMs: _dropped, ...rest } = record as JournalRecord;
  return rest;
}

/** Turns a freshly parsed stored record into a record, stamping the batch capture time (in place); throws {@link InvalidObjectError}. */
export function fromStored(value: Record<string, unknown>, captureMs: number): JournalRecord {
  try {
    validateRecord(value);
  } catch (err) {
    throw new InvalidObjectError(`invalid record: ${(err as Error).message}`);
  }
  // `value` is a fresh object from JSON.parse: stamping it in place saves a copy per record.
  value['captureMs'] = captureMs;
  return value as unknown as JournalRecord;
}

/** True when `v` survives JSON unchanged (plain objects, arrays, finite numbers, strings, booleans, null). */
export function isJsonValue(v: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJsonValue(x, depth + 1));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.values(v as object).every((x) => isJsonValue(x, depth + 1));
  }
  return false;
}
