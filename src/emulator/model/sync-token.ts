/**
 * The sync token grammar of `SyncToken.java`: `C`, `C-I`, `C[-I]:dD[-J]`. C is the last fully
 * synced change id, I the next item id to send within change C+1, D the delete cutoff and J the
 * next deleted id to send within delete change D+1. PROTOCOL.md 2d.
 */
import { faults } from '../wire/soap-fault.js';

/** A parsed sync token. */
export interface SyncToken {
  changeId: number;
  changeItemId?: number | undefined;
  deleteModSeq?: number | undefined;
  deleteItemId?: number | undefined;
}

const TOKEN = /^(-?\d+)(?:-(\d+))?(?::d(\d+)(?:-(\d+))?)?$/;

/** Parses a token or raises `service.INVALID_REQUEST` ("malformed sync token"). */
export function parseSyncToken(text: string): SyncToken {
  const m = TOKEN.exec(text.trim());
  if (!m) throw faults.malformedToken(text);
  const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));
  const t: SyncToken = {
    changeId: Number(m[1]),
    changeItemId: num(m[2]),
    deleteModSeq: num(m[3]),
    deleteItemId: num(m[4]),
  };
  if (!Number.isSafeInteger(t.changeId)) throw faults.malformedToken(text);
  return t;
}

/** Formats a token the way `SyncToken.toString` does. */
export function formatSyncToken(t: SyncToken): string {
  let s = String(t.changeId);
  if (t.changeItemId !== undefined && t.changeItemId > 0) s += `-${t.changeItemId}`;
  if (t.deleteModSeq !== undefined && t.deleteModSeq > 0) {
    s += `:d${t.deleteModSeq}`;
    if (t.deleteItemId !== undefined && t.deleteItemId > 0) s += `-${t.deleteItemId}`;
  }
  return s;
}
