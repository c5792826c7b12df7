/**
 * What a running engine says about itself: its name, the in-process status snapshot
 * ({@link EngineStatus}, for metrics and alerts) and the capture status object it writes into the
 * repository for other processes (capture-status.ts).
 * @module
 */
import { hostname } from 'node:os';
import type { StorageBackend } from '../store/backends/backend.js';
import type { DirectoryObject } from '../soap/requests/directory.js';
import type { ServerCaptureStatus } from '../sync/scanner-fleet.js';
import { readCaptureStatuses, writeCaptureStatus, type CaptureStatus } from './capture-status.js';
import type { BackupResult, EngineStatus } from './engine-result.js';
import { isPartial, selectionLabel, type AccountSelection } from './selection.js';

/**
 * The engine's name in its capture status and its account index file:
 * `<host>-<lock owner or mode>[-<selection>]` unless the caller named it.
 */
export function engineName(
  opts: { engineName?: string | undefined; lockOwner?: string | undefined; selection?: AccountSelection | undefined },
  mode: string,
): string {
  // Engines of one host with different selections must not share a status/index file.
  const sel = selectionLabel(opts.selection);
  return opts.engineName ?? `${hostname()}-${opts.lockOwner ?? mode}${sel ? `-${sel}` : ''}`;
}

/** The capture status the named engine wrote last (a previous process of the same engine), if any. */
export async function previousCaptureStatus(backend: StorageBackend, name: string): Promise<CaptureStatus | undefined> {
  const all = await readCaptureStatuses(backend).catch(() => []);
  return all.find((s) => s.engine === name);
}

/** Writes an engine's capture status (capture-status.ts): servers, failing accounts, completeness. */
export async function writeEngineCaptureStatus(
  backend: StorageBackend,
  s: {
    engine: string;
    startedMs: number;
    now: number;
    completeMs: number;
    servers: readonly ServerCaptureStatus[];
    failing: ReadonlyMap<string, { sinceMs: number; error: string }>;
    /** Accounts the server refuses as inactive (maintenance), since when. */
    inactive?: ReadonlyMap<string, { sinceMs: number; error: string }>;
    /** The accounts covered, written only when the engine covers part of the repository. */
    accounts: readonly DirectoryObject[];
    partial: boolean;
  },
  signal?: AbortSignal,
): Promise<void> {
  const status: CaptureStatus = {
    version: 1,
    engine: s.engine,
    startedMs: s.startedMs,
    updatedMs: s.now,
    completeMs: s.completeMs,
    servers: s.servers.map((v) => ({
      name: v.name,
      state: v.state,
      sinceMs: v.sinceMs,
      ...(v.lastError !== undefined ? { lastError: v.lastError } : {}),
      ...(v.waitSet !== undefined ? { waitSet: v.waitSet } : {}),
      ...(v.deaf
        ? {
            deaf: {
              accounts: v.deaf.deafAccounts,
              refused: v.deaf.refusedAccounts,
              server: v.deaf.serverDeaf,
              polling: v.deaf.polling,
              ...(v.deaf.sinceMs !== undefined ? { sinceMs: v.deaf.sinceMs } : {}),
            },
          }
        : {}),
    })),
    failing: Object.fromEntries(s.failing),
    ...(s.inactive && s.inactive.size > 0 ? { inactive: Object.fromEntries(s.inactive) } : {}),
    ...(s.partial ? { accounts: s.accounts.map((a) => a.id) } : {}),
  };
  await writeCaptureStatus(backend, status, signal);
}

/** True when the engine covers only part of the repository's accounts (a name list or a selection). */
export function coversPart(opts: {
  accounts?: string[] | undefined;
  selection?: AccountSelection | undefined;
}): boolean {
  return opts.accounts !== undefined || isPartial(opts.selection);
}

/**
 * Where capture stands, for metrics and alerts. An account's lag is the age of its oldest
 * change signal that no finished run covers; while a mailbox server's WaitSet is failing,
 * changes cannot be signalled, so every account's lag is at least the time since it started
 * failing (all accounts: the engine does not track each account's home server here). An account
 * whose lease another engine still holds (the engine of its old server, after a move) is
 * captured by no one until the lease is handed over: it lags since the refusal.
 */
export function engineStatus(s: {
  now: number;
  totals: BackupResult;
  /** Absent when the engine is not running. */
  live: { accounts: readonly DirectoryObject[]; pending: () => Map<string, number> } | undefined;
  /** The per-server WaitSet states, when `watch` runs. */
  servers: readonly ServerCaptureStatus[] | undefined;
  lastCapture: ReadonlyMap<string, number>;
  /** Accounts waiting for another engine's lease, since when. */
  waiting?: ReadonlyMap<string, number>;
}): EngineStatus {
  const { now, live } = s;
  const out: EngineStatus = {
    running: live !== undefined,
    accounts: [],
    totals: { ...s.totals, failures: [...s.totals.failures], inactive: [...s.totals.inactive] },
  };
  if (!live) return out;
  let downSince: number | undefined;
  if (s.servers) {
    const servers = [...s.servers];
    const failing = servers.filter((v) => v.state === 'failing');
    downSince = failing.length > 0 ? Math.min(...failing.map((v) => v.sinceMs)) : undefined;
    out.waitSet = failing.length > 0 ? 'down' : servers.length === 0 ? 'connecting' : 'up';
    out.servers = servers;
  }
  const pending = live.pending();
  for (const a of live.accounts) {
    const signalled = pending.get(a.id);
    const refused = s.waiting?.get(a.id);
    const since = signalled === undefined ? refused : refused === undefined ? signalled : Math.min(signalled, refused);
    const lagMs = Math.max(since === undefined ? 0 : now - since, downSince === undefined ? 0 : now - downSince);
    const last = s.lastCapture.get(a.id);
    out.accounts.push({ id: a.id, name: a.name, lagMs, ...(last !== undefined ? { lastCaptureMs: last } : {}) });
  }
  return out;
}
