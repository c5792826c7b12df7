/**
 * `accounts/<zimbraId>/state.jsonl`: one account's mailbox at the export instant, compacted to
 * one JSON line per record (the account attributes, then folders parents first, tags, items),
 * and the strict parser the importer reads it back with.
 * @module
 */
import {
  ITEM_KINDS,
  type AccountRecord,
  type ItemKind,
  type ItemRecord,
  type JournalRecord,
  type MailboxState,
} from '../journal/types.js';
import { archiveInvalid, canonicalJson } from './archive-format.js';

/** A record of a state member: the account snapshot or one item version. */
export type StateRecord = ItemRecord | AccountRecord;

function byId(a: ItemRecord, b: ItemRecord): number {
  const na = Number(a.id);
  const nb = Number(b.id);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The records of a state, in archive order: account snapshot, folders (by depth, then path),
 * tags (by id), every other item (by numeric id). Deterministic for a given state.
 */
export function* stateRecords(state: MailboxState): Generator<StateRecord> {
  if (state.account) yield state.account;
  const folders = [...state.folders.values()].sort((a, b) => {
    const da = a.path.split('/').length;
    const db = b.path.split('/').length;
    return da - db || (a.path < b.path ? -1 : a.path > b.path ? 1 : byId(a.record, b.record));
  });
  const seen = new Set<string>();
  for (const f of folders) {
    seen.add(f.record.id);
    yield f.record;
  }
  for (const t of [...state.tags.values()].sort(byId)) {
    seen.add(t.id);
    yield t;
  }
  for (const rec of [...state.items.values()].filter((r) => !seen.has(r.id)).sort(byId)) yield rec;
}

/** One line of a state member. */
export function encodeStateLine(rec: StateRecord): string {
  return `${canonicalJson(rec)}\n`;
}

const ITEM_ID_RE = /^[A-Za-z0-9:_.-]{1,128}$/;
const KINDS = new Set<string>(ITEM_KINDS);
const HEX_RE = /^[0-9a-f]{64}$/;

function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

/**
 * Parses and checks one line of a state member (archive input: nothing is trusted).
 * @throws `ZB_ARCHIVE_INVALID` naming the member and line.
 */
export function parseStateLine(line: string, member: string, lineNo: number): StateRecord {
  const bad = (why: string): Error =>
    archiveInvalid(`${member} line ${lineNo}: ${why}`, { member, line: lineNo, reason: 'bad-state' });
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw bad('not JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad('not an object');
  if (!isCount(v['captureMs'])) throw bad('captureMs missing');
  for (const f of ['changeMs', 'modifiedSequence', 'savedSequence', 'size', 'dateMs'] as const) {
    if (v[f] !== undefined && typeof v[f] !== 'number') throw bad(`${f} is not a number`);
  }
  if (v['type'] === 'account') {
    const attrs = v['attrs'];
    if (!attrs || typeof attrs !== 'object' || Array.isArray(attrs)) throw bad('attrs missing');
    for (const val of Object.values(attrs))
      if (typeof val !== 'string' && !isStringArray(val)) throw bad('attribute values must be strings');
    return v as unknown as AccountRecord;
  }
  if (v['type'] !== 'item')
    throw bad(`record type ${JSON.stringify(String(v['type']).slice(0, 40))} is not allowed in a state`);
  if (typeof v['kind'] !== 'string' || !KINDS.has(v['kind'])) throw bad('unknown item kind');
  if (typeof v['id'] !== 'string' || !ITEM_ID_RE.test(v['id'])) throw bad('bad item id');
  if (v['folderId'] !== undefined && (typeof v['folderId'] !== 'string' || !ITEM_ID_RE.test(v['folderId'])))
    throw bad('bad folder id');
  if (v['digest'] !== undefined && (typeof v['digest'] !== 'string' || !HEX_RE.test(v['digest'])))
    throw bad('bad digest');
  if (v['name'] !== undefined && typeof v['name'] !== 'string') throw bad('bad name');
  if (v['flags'] !== undefined && typeof v['flags'] !== 'string') throw bad('bad flags');
  if (v['tags'] !== undefined && !isStringArray(v['tags'])) throw bad('bad tags');
  if (v['tagIds'] !== undefined && !isStringArray(v['tagIds'])) throw bad('bad tag ids');
  if (v['meta'] !== undefined && (typeof v['meta'] !== 'object' || v['meta'] === null || Array.isArray(v['meta'])))
    throw bad('bad meta');
  return v as unknown as ItemRecord;
}

/** Live-item counts per kind of a state. */
export function countKinds(state: MailboxState): Record<ItemKind, number> {
  const out = Object.fromEntries(ITEM_KINDS.map((k) => [k, 0])) as Record<ItemKind, number>;
  for (const rec of state.items.values()) out[rec.kind]++;
  return out;
}

/** Narrows a journal record to the kinds a state member holds. */
export function isStateRecord(rec: JournalRecord): rec is StateRecord {
  return rec.type === 'item' || rec.type === 'account';
}
