/**
 * Validation of what the browser sends: account names, item ids, times, sizes. Every value is
 * checked before any library call, and rejected whole rather than repaired.
 * @module
 */
import { safeItemId } from '../internal/safe-id.js';
import { badInput } from './http-errors.js';

const ACCOUNT_RE = /^[A-Za-z0-9._%+@'-]{1,254}$/;
/** An ISO-8601 time with a zone (`Z` or `±hh:mm`): zone-less times are ambiguous and refused. */
const ZONED_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An account name (`user@domain`) or zimbraId. */
export function accountParam(value: string | undefined, field = 'account'): string {
  if (value === undefined || !ACCOUNT_RE.test(value)) throw badInput(`${field} is not an account name or id`, field);
  return value;
}

/** A Zimbra item id (a bad one is a `ZB_INVALID_ARGUMENT` naming `field`, like the other params). */
export function itemParam(value: string | undefined, field = 'item'): string {
  try {
    return safeItemId(value ?? '');
  } catch {
    throw badInput(`${field} is not a Zimbra item id`, field);
  }
}

/** An optional zoned ISO time, as ms since the epoch. */
export function timeParam(value: string | undefined | null, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !ZONED_RE.test(value))
    throw badInput(`${field} must be an ISO-8601 time with a zone, such as 2026-11-26T14:03:00Z`, field);
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw badInput(`${field} is not a valid time`, field);
  return t;
}

/** A required zoned ISO time. */
export function requiredTime(value: string | undefined | null, field: string): number {
  const t = timeParam(value, field);
  if (t === undefined) throw badInput(`${field} is required`, field);
  return t;
}

/** An optional integer in `[min, max]`. */
export function intParam(value: string | undefined, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,10}$/.test(value)) throw badInput(`${field} must be an integer`, field);
  const n = Number(value);
  if (n < min || n > max) throw badInput(`${field} must be between ${min} and ${max}`, field);
  return n;
}

/** An optional short free-text value (search terms, folder paths). */
export function textParam(value: string | undefined, field: string, max = 500): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > max || /[\u0000-\u001f]/.test(value))
    throw badInput(`${field} is too long or has control characters`, field);
  return value;
}
