/**
 * Account attribute snapshots: which changes deserve a new journal record, and the record of a
 * mailbox move (its sync token means nothing on the new server).
 * @module
 */
import { createHash } from 'node:crypto';
import { mailHostOf, withoutBlockedValues } from '../directory/account-attributes.js';
import type { Journal } from '../journal/journal.js';
import type { JsonValue } from '../journal/types.js';
import type { CursorState } from '../repository/cursor-state.js';
import type { DirectoryObject } from '../soap/requests/directory.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';

/** Attributes the server rewrites on its own (logins, counters): a change of these alone is noise. */
const VOLATILE = new Set([
  'zimbraLastLogonTimestamp',
  'zimbraMailboxLocationBeginTime',
  'zimbraPasswordLockoutFailureTime',
  'zimbraAuthTokenValidityValue',
]);

function normalise(attrs: Record<string, string | string[]> | undefined): string {
  if (!attrs) return '';
  const out: Record<string, string[]> = {};
  for (const k of Object.keys(attrs).sort()) {
    if (VOLATILE.has(k)) continue;
    const v = attrs[k];
    out[k] = (Array.isArray(v) ? [...v] : [v ?? '']).sort();
  }
  return JSON.stringify(out);
}

/** True when `next` differs from `prev` in anything but volatile attributes. */
export function attributesChanged(
  prev: Record<string, string | string[]> | undefined,
  next: Record<string, string | string[]>,
): boolean {
  return normalise(prev) !== normalise(next);
}

/** A digest of the attributes that {@link attributesChanged} compares (the cursor state's `attrsDigest`). */
export function attributesDigest(attrs: Record<string, string | string[]>): string {
  return createHash('sha256').update(normalise(attrs)).digest('hex');
}

/**
 * The account's directory entry as a backup records it: GetAccount, with the values the server
 * blocks (secrets come back as VALUE-BLOCKED: a placeholder a restore must never write back as a
 * hash) left out.
 */
export async function fetchAccount(
  client: ZimbraClient,
  id: string,
  signal: AbortSignal | undefined,
): Promise<DirectoryObject> {
  const acct = await client.getAccount({ by: 'id', value: id }, signal ? { signal } : {});
  acct.attrs = withoutBlockedValues(acct.attrs);
  return acct;
}

/**
 * Records the account's attributes (from {@link fetchAccount}) when they changed; returns the old
 * and new server when its `zimbraMailHost` changed since the last backup (a mailbox move).
 */
export async function captureAttributes(
  acct: DirectoryObject,
  journal: Journal,
  signal: AbortSignal | undefined,
): Promise<{ from: string; to: string } | undefined> {
  const recorded = journal.account();
  const prev = recorded.account?.attrs;
  const from = mailHostOf(prev);
  const to = mailHostOf(acct.attrs);
  const state = journal.lastState() as CursorState | undefined;
  const moved = from !== undefined && to !== undefined && from !== to && state?.token !== undefined;
  if (!moved && !attributesChanged(prev, acct.attrs) && !recorded.accountDeleted) return undefined;
  // A move makes the sync token meaningless (the new server's mailbox counts changes anew): the
  // new attributes, a resync marker and a state without token commit together, so a crash
  // before the full listing completes still lists in full on the next run.
  const next: CursorState | null = moved ? withoutToken(state) : ((state ?? null) as CursorState | null);
  await journal.commit(
    [{ type: 'account', attrs: acct.attrs }, ...(moved ? [{ type: 'resync' as const, reason: 'account-moved' }] : [])],
    { state: next as JsonValue | null, ...(signal ? { signal } : {}) },
  );
  return moved ? { from, to } : undefined;
}

/**
 * The cursor state after a move: no token (a full listing of the new mailbox), sequences not
 * comparable until that listing completes (`moved`), the retry list kept.
 */
function withoutToken(state: CursorState | undefined): CursorState {
  return { ...(state?.retry?.length ? { retry: state.retry } : {}), moved: true };
}
