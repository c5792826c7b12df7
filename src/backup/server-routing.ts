/**
 * Per-server routing of real-time capture in `watch`: one WaitSet per mailbox server
 * (ScannerFleet), whose signals become account runs on the engine's scheduler.
 *
 * ```text
 * a signal for an account          -> schedule(account, 'waitset')   (if this engine covers it)
 * a server's WaitSet (re)created   -> schedule(each account homed there, 'catch-up')
 *   except the first WaitSet of a server known at start: the initial pass covers it
 *   a single-server site catches up every account (no home server needed)
 * ```
 * @module
 */
import type { Logger } from '../internal/logger.js';
import { mailHostOf } from '../directory/account-attributes.js';
import type { DirectoryObject } from '../soap/requests/directory.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { ScannerFleet } from '../sync/scanner-fleet.js';
import type { AccountScheduler } from './scheduler.js';

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
  logger: Logger;
}

/**
 * Creates the fleet of per-server scanners wired to the scheduler. `start` lists the servers and
 * starts their WaitSets; the servers known then are covered by the initial pass.
 */
export function routeServers(o: ServerRoutingOptions): {
  fleet: ScannerFleet;
  start: (signal: AbortSignal) => Promise<void>;
} {
  const { live, scheduler } = o;
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
    logger: o.logger,
  });
  return {
    fleet,
    start: async (signal) => {
      await fleet.refresh(signal);
      initialServers = new Set(fleet.servers);
    },
  };
}
