/**
 * Per-server routing of real-time capture in `watch`: one WaitSet per mailbox server
 * (ScannerFleet), whose signals become account runs on the engine's scheduler.
 *
 * ```text
 * a signal for an account          -> schedule(account, 'waitset')   (if this engine covers it)
 * a server's WaitSet (re)created   -> schedule(each account homed there, 'catch-up')
 *   except the first WaitSet of a server known at start: the initial pass covers it
 *   a single-server site catches up every account (no home server needed)
 * explicit WaitSets: each server's set lists the selected accounts homed there, with the sync
 *   token of their last run on that server (a run that found a move forgets the token)
 * a run that no signal caused (SmartScan 'catch-up-full', 'poll', the fleet's sample 'probe') is a probe: changes it found
 *   tell the fleet the WaitSet may be deaf; accounts to poll come back as 'poll' runs
 * ```
 * @module
 */
import type { Logger } from '../internal/logger.js';
import { mailHostOf } from '../directory/account-attributes.js';
import type { DirectoryObject } from '../soap/requests/directory.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { ScannerFleet } from '../sync/scanner-fleet.js';
import type { AccountRunResult } from './account-backup.js';
import type { AccountScheduler } from './scheduler.js';

/** What a finished account run tells real-time capture. */
export interface AccountRunOutcome {
  result: AccountRunResult;
  /** The sync token committed by the run (absent until a full listing completed). */
  token: string | undefined;
  /** The run found the account on another mailbox server than its last backup. */
  moved: boolean;
}

/** Scheduler reasons of runs that check an account without a signal (their findings are probes). */
const PROBES = new Set(['catch-up-full', 'poll', 'probe']);

/** What {@link routeServers} needs. */
export interface ServerRoutingOptions {
  client: ZimbraClient;
  /** The engine's current account list (replaced on each directory refresh; read at each signal). */
  live: { readonly accounts: readonly DirectoryObject[] };
  scheduler: AccountScheduler;
  /** True for the accounts this engine backs up. */
  wanted: (accountId: string) => boolean;
  serverUrls?: Readonly<Record<string, string>> | undefined;
  /** Only these mailbox servers (`--mail-servers`). */
  servers?: readonly string[] | undefined;
  timeoutSeconds: number;
  /** Explicit-account WaitSets (default) or all-accounts ones. */
  kind?: 'explicit' | 'all-accounts';
  maxExplicitAccounts?: number | undefined;
  fallback?:
    { pollIntervalMs?: number; deafThreshold?: number; probeIntervalMs?: number; probeSample?: number } | undefined;
  logger: Logger;
}

/**
 * Creates the fleet of per-server scanners wired to the scheduler. `start` lists the servers and
 * starts their WaitSets; the servers known then are covered by the initial pass.
 */
export function routeServers(o: ServerRoutingOptions): {
  fleet: ScannerFleet;
  start: (signal: AbortSignal) => Promise<void>;
  /** Tells capture about a finished account run (its token; a probe's findings). */
  afterRun: (id: string, reasons: ReadonlySet<string>, out: AccountRunOutcome) => void;
} {
  const { live, scheduler } = o;
  const tokens = new Map<string, string>();
  const homeOf = (id: string): string | undefined => mailHostOf(live.accounts.find((a) => a.id === id)?.attrs);
  const started = new Set<string>();
  let initialServers = new Set<string>();
  const fleet = new ScannerFleet({
    client: o.client,
    onChange: (id) => {
      if (o.wanted(id)) scheduler.schedule(id, 'waitset');
    },
    onReset: (server, why) => {
      // The first WaitSet of a server known at start is covered by the initial pass; a server
      // that appears later, or any WaitSet recreated, leaves a gap its accounts must catch up.
      const first = why === 'created' && !started.has(server);
      started.add(server);
      if (first && initialServers.has(server)) return;
      const single = fleet.servers.length <= 1;
      for (const a of live.accounts) if (single || homeOf(a.id) === server) scheduler.schedule(a.id, 'catch-up');
    },
    ...(o.serverUrls ? { serverUrls: o.serverUrls } : {}),
    ...(o.servers ? { servers: o.servers } : {}),
    timeoutSeconds: o.timeoutSeconds,
    accounts: () =>
      live.accounts
        .filter((a) => o.wanted(a.id))
        .map((a) => ({ id: a.id, server: mailHostOf(a.attrs), token: tokens.get(a.id) })),
    allAccounts: o.kind === 'all-accounts',
    ...(o.maxExplicitAccounts !== undefined ? { maxExplicitAccounts: o.maxExplicitAccounts } : {}),
    onPoll: (id) => {
      if (o.wanted(id)) scheduler.schedule(id, 'poll');
    },
    ...(o.fallback?.pollIntervalMs !== undefined ? { pollIntervalMs: o.fallback.pollIntervalMs } : {}),
    onProbe: (id) => {
      if (o.wanted(id)) scheduler.schedule(id, 'probe');
    },
    ...(o.fallback?.probeIntervalMs !== undefined ? { probeIntervalMs: o.fallback.probeIntervalMs } : {}),
    ...(o.fallback?.probeSample !== undefined ? { probeSample: o.fallback.probeSample } : {}),
    ...(o.fallback?.deafThreshold !== undefined ? { deafThreshold: o.fallback.deafThreshold } : {}),
    logger: o.logger,
  });
  return {
    fleet,
    start: async (signal) => {
      await fleet.refresh(signal);
      initialServers = new Set(fleet.servers);
    },
    afterRun: (id, reasons, out) => {
      // a quick check (nothing changed) reports no token: the known one stays valid
      if (out.moved) tokens.delete(id);
      else if (out.token !== undefined) tokens.set(id, out.token);
      if (reasons.has('waitset') || ![...reasons].some((r) => PROBES.has(r))) return;
      const r = out.result;
      fleet.noteProbe(id, r.itemsNew + r.itemsChanged + r.itemsDeleted > 0, homeOf(id));
    },
  };
}
