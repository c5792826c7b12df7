/**
 * Strict validation of server-supplied ids before any of them becomes part of an object key
 * (DESIGN.md invariant 5). Ids are checked against exact patterns; names are never path segments.
 * @module
 */
import { ZimbraBackupError } from '../errors.js';

/** Zimbra account/mailbox ids are lower-case UUIDs (`zimbraId`, e.g. `6b0b2c8e-…`). */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Zimbra item ids are positive 32-bit integers, written in decimal without leading zeros. */
const ITEM_RE = /^[1-9][0-9]{0,9}$/;
/** Our own generated segments (lock ids, restore ids, timestamps): a conservative charset. */
const SEGMENT_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Validates a Zimbra account id and returns it lower-cased (Zimbra writes them lower-case; case
 * folding keeps one account from mapping to two folders).
 * @throws `ZB_UNSAFE_PATH` for anything that is not a UUID.
 */
export function safeZimbraId(id: string): string {
  const lower = typeof id === 'string' ? id.toLowerCase() : '';
  if (!UUID_RE.test(lower)) throw unsafe('zimbraId', id);
  return lower;
}

/**
 * Validates a Zimbra item id (decimal, 1 to 2147483647).
 * @throws `ZB_UNSAFE_PATH` otherwise, including the shared form `accountId:itemId` (use {@link parseItemRef}).
 */
export function safeItemId(id: string | number): string {
  const s = typeof id === 'number' ? String(id) : id;
  if (typeof s !== 'string' || !ITEM_RE.test(s) || Number(s) > 2147483647) throw unsafe('itemId', s);
  return s;
}

/** An item reference: Zimbra writes items of another mailbox (shares, mountpoints) as `accountId:itemId`. */
export interface ItemRef {
  /** The owning account when the reference was qualified. */
  accountId?: string;
  /** The item id inside that mailbox. */
  itemId: string;
}

/**
 * Parses `itemId` or `accountId:itemId`, validating both parts; the result's parts may then be
 * used in keys separately (the colon form itself never is).
 * @throws `ZB_UNSAFE_PATH` when either part is invalid.
 */
export function parseItemRef(ref: string): ItemRef {
  if (typeof ref !== 'string') throw unsafe('itemRef', ref);
  const colon = ref.indexOf(':');
  if (colon < 0) return { itemId: safeItemId(ref) };
  return { accountId: safeZimbraId(ref.slice(0, colon)), itemId: safeItemId(ref.slice(colon + 1)) };
}

/**
 * Validates one key segment the library generates itself (lock ids, restore ids, time stamps):
 * 1-128 characters of `[A-Za-z0-9_.-]`, starting with a letter or digit (so never `.` or `..`).
 * @throws `ZB_UNSAFE_PATH` otherwise.
 */
export function safeSegment(segment: string, field = 'segment'): string {
  if (typeof segment !== 'string' || !SEGMENT_RE.test(segment)) throw unsafe(field, segment);
  return segment;
}

function unsafe(field: string, value: unknown): ZimbraBackupError {
  // Hostile values can be huge or binary: show a bounded, escaped prefix only.
  const shown = JSON.stringify(String(value).slice(0, 80));
  return new ZimbraBackupError(`unsafe ${field}: ${shown}`, {
    code: 'ZB_UNSAFE_PATH',
    data: { field, value: String(value).slice(0, 80) },
  });
}
