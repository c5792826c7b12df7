/**
 * What a backup engine tells readers about capture that the journals cannot: which mailbox
 * servers it watches and how each is doing, which accounts keep failing and since when, and up
 * to when the repository is known to be complete. `status` turns it into a lag per account.
 *
 * ```text
 * status/capture-<engine>.json   one small object per engine (host + owner), rewritten in place:
 *   { version, engine, startedMs, updatedMs, completeMs, servers[], failing{accountId: {sinceMs, error}} }
 * an account is known complete up to:
 *   min(completeMs, its failing sinceMs, its server's failing sinceMs)
 * lag = now - that instant; accounts of no engine's status have no lag (undefined)
 * ```
 * Only failing accounts are listed, so the object stays small at 100,000 accounts; it is
 * advisory (a lost write only makes the lag look older) and never read by the backup itself.
 * @module
 */
import { text } from 'node:stream/consumers';
import { type StorageBackend, bufferBody } from '../store/backends/backend.js';

/** Key prefix of the capture status objects. */
export const CAPTURE_STATUS_PREFIX = 'status/';

/** One mailbox server as an engine sees it. */
export interface ServerCaptureState {
  name: string;
  /** `watching` while its WaitSet answers, `failing` while it does not. */
  state: 'watching' | 'failing';
  /** Since when it is in that state, ms since the epoch. */
  sinceMs: number;
  lastError?: string;
  /** The kind of WaitSet (absent in statuses written before it existed). */
  waitSet?: 'explicit' | 'all-accounts';
  /**
   * Present while accounts of this server are polled: `accounts` whose changes a SmartScan found
   * but the WaitSet never signalled, `refused` ones it would not watch, `server` when it signals
   * nothing at all (an all-accounts WaitSet with the redo log off), since when.
   */
  deaf?: { accounts: number; refused: number; server: boolean; polling: number; sinceMs?: number };
}

/** One engine's capture status. */
export interface CaptureStatus {
  version: 1;
  /** Engine name: host and lock owner (`backup`, `watch`, `run`...). */
  engine: string;
  startedMs: number;
  /** When this object was written. */
  updatedMs: number;
  /**
   * Every account this engine covers is complete up to this instant unless listed in
   * `failing` or homed on a failing server: the start of its last whole pass (`backup`), or
   * `updatedMs` while real-time capture runs.
   */
  completeMs: number;
  /** Real-time capture per mailbox server (empty for a one-shot backup). */
  servers: ServerCaptureState[];
  /** Accounts whose last run failed: since when they fail and why. */
  failing: Record<string, { sinceMs: number; error: string }>;
  /**
   * Accounts the server refuses as inactive (maintenance): since when and the server's answer.
   * Absent when none (and in statuses written before it existed).
   */
  inactive?: Record<string, { sinceMs: number; error: string }>;
  /** Accounts covered by this engine (all when absent), for sharded or filtered engines. */
  accounts?: string[];
}

/** Stable object key of an engine's status (the name is reduced to safe characters). */
export function captureStatusKey(engine: string): string {
  return `${CAPTURE_STATUS_PREFIX}capture-${engine.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100)}.json`;
}

/** Writes (replaces) an engine's status. */
export async function writeCaptureStatus(
  backend: StorageBackend,
  status: CaptureStatus,
  signal?: AbortSignal,
): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(status));
  // Not fsynced (issue 12: two of a no-change run's four fsyncs): the status is advisory, rewritten
  // every run and every few seconds by a watch, and readers skip one they cannot read. After a
  // power loss it may be missing or older, which only makes the lag look older (or unknown) until
  // the next write; no backup decision depends on it. The put is still atomic for readers.
  await backend.put(captureStatusKey(status.engine), bufferBody(bytes), {
    durable: false,
    ...(signal ? { signal } : {}),
  });
}

/** Reads every engine's status; unreadable objects are skipped (the status is advisory). */
export async function readCaptureStatuses(backend: StorageBackend, signal?: AbortSignal): Promise<CaptureStatus[]> {
  const out: CaptureStatus[] = [];
  for await (const obj of backend.list(CAPTURE_STATUS_PREFIX, signal ? { signal } : {})) {
    if (!obj.key.endsWith('.json') || obj.size > 16 * 1024 * 1024) continue;
    try {
      const parsed: unknown = JSON.parse(await text(await backend.get(obj.key, signal ? { signal } : {})));
      if (isCaptureStatus(parsed)) out.push(parsed);
    } catch (err) {
      if (signal?.aborted) throw err;
      // advisory: a torn or foreign object only means no lag is known from it
    }
  }
  return out;
}

function isCaptureStatus(v: unknown): v is CaptureStatus {
  const o = v as Partial<CaptureStatus> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    o.version === 1 &&
    typeof o.engine === 'string' &&
    typeof o.updatedMs === 'number' &&
    typeof o.completeMs === 'number' &&
    Array.isArray(o.servers) &&
    typeof o.failing === 'object' &&
    o.failing !== null
  );
}

/**
 * Whether the engine that covers an account (the newest when several do) last found it inactive
 * on the server (maintenance), since when and why; undefined when not.
 */
export function accountInactive(
  statuses: readonly CaptureStatus[],
  accountId: string,
): { sinceMs: number; error: string } | undefined {
  const covering = statuses
    .filter((s) => s.accounts === undefined || s.accounts.includes(accountId))
    .sort((a, b) => b.updatedMs - a.updatedMs)[0];
  return covering?.inactive?.[accountId];
}

/** Lag of one account as the statuses say it (undefined when no engine covers it). */
export interface AccountLag {
  /** ms since the instant up to which the account is known complete. */
  lagMs: number;
  /** That instant. */
  completeMs: number;
  /** Why it lags, when it does: the account fails, or its server does. */
  reason?: string;
}

/**
 * The lag of an account from every engine's status: the engine that covers it (the newest when
 * several do), its failing entry, and its home server's state.
 */
export function accountLag(
  statuses: readonly CaptureStatus[],
  accountId: string,
  server: string | undefined,
  now: number,
): AccountLag | undefined {
  const covering = statuses
    .filter((s) => s.accounts === undefined || s.accounts.includes(accountId))
    .sort((a, b) => b.updatedMs - a.updatedMs)[0];
  if (!covering) return undefined;
  // Never wholly captured yet (the engine's first pass is running): lag counts from its start.
  const firstPass = covering.completeMs <= 0;
  let completeMs = firstPass ? covering.startedMs : Math.min(covering.completeMs, covering.updatedMs);
  const reasons: string[] = [];
  const inactive = covering.inactive?.[accountId];
  if (inactive) {
    completeMs = Math.min(completeMs, inactive.sinceMs);
    reasons.push(`account inactive since ${new Date(inactive.sinceMs).toISOString()}: ${inactive.error}`);
  }
  const failing = covering.failing[accountId];
  if (failing) {
    completeMs = Math.min(completeMs, failing.sinceMs);
    reasons.push(`account failing: ${failing.error}`);
  }
  const srv = server === undefined ? undefined : covering.servers.find((s) => s.name === server);
  if (srv?.state === 'failing') {
    completeMs = Math.min(completeMs, srv.sinceMs);
    // the server's state first: it explains the account's failures too
    reasons.unshift(`server ${srv.name} failing${srv.lastError ? `: ${srv.lastError}` : ''}`);
  }
  if (firstPass && reasons.length === 0) reasons.push('first pass not complete');
  const reason = reasons[0];
  return { lagMs: Math.max(0, now - completeMs), completeMs, ...(reason ? { reason } : {}) };
}
