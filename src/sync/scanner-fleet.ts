/**
 * Real-time capture on a multi-server Zimbra: one {@link RealTimeScanner} per mailbox server,
 * each against that server's admin URL, because a WaitSet only hears the accounts whose
 * mailboxes live on the server that holds it (WaitSetAccount.java answers
 * WRONG_HOST_FOR_ACCOUNT for the others, and an all-accounts WaitSet sees local mailboxes only).
 *
 * ```text
 * refresh(): GetAllServers(service=mailbox)
 *   one server  -> one scanner on the configured client (a single-server site is unchanged)
 *   N servers   -> a scanner per server on client.forAdminServer(url of that server);
 *                  servers that appeared get one, servers that vanished lose theirs
 * a scanner's failures are its own: the other servers go on; its state (since when it fails)
 * is reported by status(); when it comes back its WaitSet is recreated and onReset(server)
 * asks the caller to catch up that server's accounts.
 * ```
 * A server's admin URL is, in order: the `serverUrls` map (by server name), or the configured
 * admin URL's scheme with the server's `zimbraServiceHostname` and `zimbraAdminPort` (7071).
 *
 * With `accounts`, each server's WaitSet is an explicit list of the accounts it holds (their
 * `zimbraMailHost`; on a single-server site, every account), kept in step on each refresh():
 * accounts that appear, vanish or move are added to or removed from the right server's set, and
 * a moved account is added without its old token (it means nothing on the new server).
 * Deaf WaitSets (deaf-detector.ts): the caller reports each probe (`noteProbe`); accounts whose
 * changes were found but never signalled, or that a WaitSet refused, are polled every
 * `pollIntervalMs` through `onPoll` until a signal for them arrives again.
 * @module
 */
import { ZimbraBackupError } from '../errors.js';
import { resolveLogger, type Logger } from '../internal/logger.js';
import { attrValues } from '../soap/element.js';
import type { DirectoryObject } from '../soap/requests/directory.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { DeafDetector, type DeafState } from './deaf-detector.js';
import { RealTimeScanner } from './real-time-scanner.js';
import type { WatchedAccount } from './waitset-membership.js';

/** An account for explicit WaitSets: its home server and last sync token. */
export interface FleetAccount extends WatchedAccount {
  /** Its `zimbraMailHost` (undefined: only a single-server site watches it). */
  server?: string | undefined;
}

/** Options of {@link ScannerFleet}. */
export interface ScannerFleetOptions {
  /** An admin-authenticated client (its admin URL reaches one server of the cluster). */
  client: ZimbraClient;
  /** Called for each account with changes, with the server whose WaitSet signalled it. */
  onChange: (accountId: string, server: string) => void;
  /** Called after a server's WaitSet was (re)created: changes made meanwhile were not signalled. */
  onReset?: (server: string, reason: 'created' | 'recreated') => void;
  /** Admin base URL of a server by its name, overriding the derived one (e.g. behind NAT, or the emulator). */
  serverUrls?: Readonly<Record<string, string>>;
  /**
   * Only these mailbox servers (by name, case-insensitive): an engine limited with
   * `--mail-servers` holds WaitSets on its own servers only. Default: every mailbox server.
   */
  servers?: readonly string[];
  /** WaitSet poll timeout in seconds. Default 300. */
  timeoutSeconds?: number;
  /** First retry delay of a failing scanner in ms (doubles up to 30 s). Default 1000. */
  retryDelayMs?: number;
  /**
   * The accounts to watch with explicit-account WaitSets, read on each refresh(). Absent: one
   * all-accounts WaitSet per server (deprecated by Zimbra and deaf while the redo log is off).
   */
  accounts?: () => Iterable<FleetAccount>;
  /**
   * All-accounts WaitSets even with `accounts` (the list then serves polling and probes only).
   * Default false.
   */
  allAccounts?: boolean;
  /** Above this many accounts on a server, its WaitSet is all-accounts. Default 20,000. */
  maxExplicitAccounts?: number;
  /** Called for each account to poll (deaf or refused); default `onChange`. */
  onPoll?: (accountId: string, server: string) => void;
  /** Interval of the polling fallback in ms. Default 60,000. */
  pollIntervalMs?: number;
  /** Probes in a row with unsignalled changes before an account counts as deaf. Default 2. */
  deafThreshold?: number;
  /**
   * Sample probes: every `probeIntervalMs` (default 600,000; 0: none) the next `probeSample`
   * accounts of each server (default 10, in turn) are handed to `onProbe`, so that a deaf WaitSet
   * shows within minutes rather than at the next SmartScan. Needs `accounts`.
   */
  probeIntervalMs?: number;
  probeSample?: number;
  /** Called for each sampled account; the caller runs it and reports through `noteProbe`. */
  onProbe?: (accountId: string, server: string) => void;
  logger?: Logger | false;
}

/** How one mailbox server's real-time capture is doing. */
export interface ServerCaptureStatus {
  /** Server name (what accounts' `zimbraMailHost` holds). */
  name: string;
  /** Admin URL the scanner uses. */
  adminUrl: string;
  /** `watching` while its WaitSet answers; `failing` after a failed poll until one succeeds. */
  state: 'watching' | 'failing';
  /** Epoch ms since when it is in that state. */
  sinceMs: number;
  /** The last failure, when failing. */
  lastError?: string;
  /** Signals received from this server. */
  signals: number;
  /** The kind of WaitSet: over an explicit account list, or all accounts. */
  waitSet?: 'explicit' | 'all-accounts';
  /** Present while accounts are polled because the WaitSet missed or refused them. */
  deaf?: DeafState & { polling: number };
}

interface Running {
  name: string;
  adminUrl: string;
  scanner: RealTimeScanner;
  stop: AbortController;
  done: Promise<void>;
  status: ServerCaptureStatus;
  failuresSeen: number;
  detector: DeafDetector;
  /** Warned that the whole WaitSet is deaf (once per episode). */
  warnedServerDeaf: boolean;
}

/** Derives a server's admin base URL from its directory entry and the configured admin URL. */
export function serverAdminUrl(server: DirectoryObject, configured: URL): string {
  // a single value is a string, not an array (readAttrs): `[0]` of it would be its first letter
  const host = attrValues(server.attrs, 'zimbraServiceHostname')[0] ?? server.name;
  const port = attrValues(server.attrs, 'zimbraAdminPort')[0] ?? '7071';
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return `${configured.protocol}//${bracketed}:${port}`;
}

/** One real-time scanner per mailbox server, kept in step with the server list. */
export class ScannerFleet {
  readonly #opts: ScannerFleetOptions;
  readonly #log: Logger;
  readonly #running = new Map<string, Running>();
  #closed = false;
  /** One server (or the configured one only): every account belongs to it. */
  #single = true;
  /** The server each account was last watched on (a move drops its token). */
  readonly #lastServer = new Map<string, string>();
  #pollTimer: NodeJS.Timeout | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  /** Where each server's probe sample goes on next. */
  readonly #probeCursor = new Map<string, number>();

  constructor(opts: ScannerFleetOptions) {
    this.#opts = opts;
    this.#log = resolveLogger(opts.logger);
  }

  /**
   * Lists the mailbox servers and starts or stops scanners to match. When the list cannot be
   * read (a delegated admin without the right, or no server answering), the scanners keep
   * running as they are; on the first call a single scanner on the configured client starts.
   */
  async refresh(signal?: AbortSignal): Promise<void> {
    if (this.#closed) return;
    let servers: DirectoryObject[];
    try {
      servers = await this.#opts.client.getAllServers({ service: 'mailbox', ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) throw err;
      this.#log.warn({ err: describe(err) }, 'cannot list mailbox servers; watching the configured server only');
      if (this.#running.size === 0) {
        this.#single = true;
        this.#start('(configured)', this.#opts.client, configuredUrl(this.#opts.client));
      }
      this.#pushAccounts();
      return;
    }
    const only = this.#opts.servers?.map((n) => n.toLowerCase());
    if (only) {
      for (const n of only)
        if (!servers.some((s) => s.name.toLowerCase() === n))
          this.#log.warn({ server: n }, 'selected mailbox server is not in the server list; not watched');
    }
    if (servers.length <= 1 && (!only || servers.every((s) => only.includes(s.name.toLowerCase())))) {
      // One server: the configured client as it is, so a single-server site behaves as before.
      const name = servers[0]?.name ?? '(configured)';
      this.#single = true;
      for (const r of this.#running.values()) if (r.name !== name) await this.#stop(r);
      if (!this.#running.has(name)) this.#start(name, this.#opts.client, configuredUrl(this.#opts.client));
      this.#pushAccounts();
      return;
    }
    this.#single = false;
    const base = this.#opts.client.adminUrl;
    if (!base)
      throw new ZimbraBackupError('an admin URL is required for real-time capture', { code: 'ZB_INVALID_ARGUMENT' });
    const mine = only ? servers.filter((s) => only.includes(s.name.toLowerCase())) : servers;
    const wanted = new Map(mine.map((s) => [s.name, this.#opts.serverUrls?.[s.name] ?? serverAdminUrl(s, base)]));
    for (const r of [...this.#running.values()]) {
      if (wanted.get(r.name) !== r.adminUrl) {
        this.#log.info({ server: r.name }, 'mailbox server gone or moved; its scanner stops');
        await this.#stop(r);
      }
    }
    for (const [name, url] of wanted) {
      if (this.#running.has(name)) continue;
      this.#log.info({ server: name, adminUrl: url }, 'watching mailbox server');
      this.#start(name, this.#opts.client.forAdminServer(url), url);
    }
    this.#pushAccounts();
  }

  /**
   * The caller's probe of an account (a SmartScan or poll run, not caused by a signal) found
   * changes (`changed`) or none. Changes no signal announced, `deafThreshold` probes in a row,
   * put the account under polling.
   */
  noteProbe(accountId: string, changed: boolean, server?: string): void {
    const r = this.#runningFor(accountId, server);
    if (!r || !r.detector.probe(accountId, changed)) return;
    this.#log.warn(
      { server: r.name, accountId, pollIntervalMs: this.#pollInterval },
      'the WaitSet missed changes of this account; polling it until it signals again',
    );
    this.#ensurePolling();
  }

  get #pollInterval(): number {
    return this.#opts.pollIntervalMs ?? 60_000;
  }

  #runningFor(accountId: string, server: string | undefined): Running | undefined {
    if (this.#single || server === undefined)
      return this.#running.size === 1 ? [...this.#running.values()][0] : undefined;
    for (const r of this.#running.values()) if (r.name.toLowerCase() === server.toLowerCase()) return r;
    return undefined;
  }

  /** The accounts of one server, from the caller's list (all of them on a single-server site). */
  #accountsOf(name: string): WatchedAccount[] {
    const source = this.#opts.accounts;
    if (!source) return [];
    const out: WatchedAccount[] = [];
    for (const a of source()) {
      if (!this.#single && a.server?.toLowerCase() !== name.toLowerCase()) continue;
      const before = this.#lastServer.get(a.id);
      this.#lastServer.set(a.id, name);
      // a token counts changes of one server's mailbox: after a move it is meaningless
      const moved = before !== undefined && before !== name;
      const token = moved ? undefined : a.token;
      out.push(token === undefined ? { id: a.id } : { id: a.id, token });
      // changes made between the move and this add were heard by no WaitSet: run it once
      if (moved) (this.#opts.onPoll ?? this.#opts.onChange)(a.id, name);
    }
    return out;
  }

  #pushAccounts(): void {
    if (!this.#opts.accounts) return;
    this.#startProbes();
    for (const r of this.#running.values()) {
      r.detector.clearRefused();
      r.scanner.setAccounts(this.#accountsOf(r.name));
    }
  }

  /** Starts the polling timer when something is to be polled (it stops itself when nothing is). */
  #ensurePolling(): void {
    if (this.#pollTimer || this.#closed) return;
    this.#pollTimer = setInterval(() => this.#pollOnce(), this.#pollInterval);
    this.#pollTimer.unref();
  }

  #pollOnce(): void {
    let any = false;
    for (const r of this.#running.values()) {
      const ids = r.detector.toPoll(() => this.#idsOf(r.name));
      if (r.detector.serverDeaf && !r.warnedServerDeaf) {
        r.warnedServerDeaf = true;
        this.#log.warn(
          { server: r.name, waitSet: r.scanner.kind },
          'the WaitSet signals nothing while accounts change (an all-accounts WaitSet needs the redo log on); polling every account of the server',
        );
      }
      for (const id of ids) (this.#opts.onPoll ?? this.#opts.onChange)(id, r.name);
      any ||= ids.length > 0;
    }
    if (!any && this.#pollTimer) {
      clearInterval(this.#pollTimer);
      this.#pollTimer = undefined;
    }
  }

  #startProbes(): void {
    const every = this.#opts.probeIntervalMs ?? 600_000;
    if (this.#probeTimer || this.#closed || every <= 0 || !this.#opts.onProbe) return;
    this.#probeTimer = setInterval(() => this.#probeOnce(), every);
    this.#probeTimer.unref();
  }

  #probeOnce(): void {
    const sample = this.#opts.probeSample ?? 10;
    for (const r of this.#running.values()) {
      if (r.status.state === 'failing') continue;
      const ids = this.#idsOf(r.name);
      if (ids.length === 0) continue;
      const at = (this.#probeCursor.get(r.name) ?? 0) % ids.length;
      const picked = Math.min(sample, ids.length);
      for (let i = 0; i < picked; i++) this.#opts.onProbe?.(ids[(at + i) % ids.length]!, r.name);
      this.#probeCursor.set(r.name, at + picked);
    }
  }

  #idsOf(name: string): string[] {
    const source = this.#opts.accounts;
    if (!source) return [];
    const out: string[] = [];
    for (const a of source()) if (this.#single || a.server?.toLowerCase() === name.toLowerCase()) out.push(a.id);
    return out;
  }

  /** Per-server state, sorted by name. */
  status(): ServerCaptureStatus[] {
    for (const r of this.#running.values()) this.#observe(r);
    return [...this.#running.values()]
      .map((r) => {
        const d = r.detector.state();
        const polling =
          d.deafAccounts + d.refusedAccounts > 0 ? r.detector.toPoll(() => this.#idsOf(r.name)).length : 0;
        return {
          ...r.status,
          waitSet: r.scanner.kind,
          ...(polling > 0 || d.serverDeaf ? { deaf: { ...d, polling } } : {}),
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Names of the servers being watched. */
  get servers(): string[] {
    return [...this.#running.keys()].sort();
  }

  /** Stops every scanner (their WaitSets are destroyed) and resolves when all have ended. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
    if (this.#probeTimer) clearInterval(this.#probeTimer);
    this.#probeTimer = undefined;
    await Promise.all([...this.#running.values()].map((r) => this.#stop(r)));
  }

  #start(name: string, client: ZimbraClient, adminUrl: string): void {
    const stop = new AbortController();
    const status: ServerCaptureStatus = { name, adminUrl, state: 'watching', sinceMs: Date.now(), signals: 0 };
    const detector = new DeafDetector({ threshold: this.#opts.deafThreshold ?? 2 });
    const scanner = new RealTimeScanner({
      client,
      onChange: (id) => {
        status.signals++;
        this.#markHealthy(run);
        if (detector.signal(id)) {
          this.#log.info({ server: name, accountId: id }, 'the WaitSet signals this account again; polling it stops');
          run.warnedServerDeaf = false;
        }
        this.#opts.onChange(id, name);
      },
      onReset: (why) => {
        this.#markHealthy(run);
        this.#opts.onReset?.(name, why);
      },
      onRefused: (id) => {
        detector.refused(id);
        this.#ensurePolling();
      },
      ...(this.#opts.accounts && !this.#opts.allAccounts ? { accounts: this.#accountsOf(name) } : {}),
      ...(this.#opts.maxExplicitAccounts !== undefined ? { maxExplicitAccounts: this.#opts.maxExplicitAccounts } : {}),
      timeoutSeconds: this.#opts.timeoutSeconds ?? 300,
      ...(this.#opts.retryDelayMs !== undefined ? { retryDelayMs: this.#opts.retryDelayMs } : {}),
      logger: withServer(this.#log, name),
    });
    const run: Running = {
      name,
      adminUrl,
      scanner,
      stop,
      status,
      failuresSeen: 0,
      detector,
      warnedServerDeaf: false,
      done: scanner.run(stop.signal).catch((err: unknown) => {
        this.#log.error({ server: name, err: describe(err) }, 'scanner stopped');
      }),
    };
    this.#running.set(name, run);
  }

  /** A scanner's failure counter moved since the last look: it is failing (since the first new failure). */
  #observe(r: Running): void {
    const failures = r.scanner.stats.failures;
    if (failures > r.failuresSeen) {
      r.failuresSeen = failures;
      if (r.status.state !== 'failing') r.status = { ...r.status, state: 'failing', sinceMs: Date.now() };
      const last = r.scanner.lastError;
      if (last !== undefined) r.status.lastError = last;
    }
  }

  #markHealthy(r: Running | undefined): void {
    if (!r) return;
    this.#observe(r);
    if (r.status.state === 'failing') {
      const { lastError: _gone, ...rest } = r.status;
      r.status = { ...rest, state: 'watching', sinceMs: Date.now() };
    }
  }

  async #stop(r: Running): Promise<void> {
    this.#running.delete(r.name);
    r.stop.abort();
    await r.done;
  }
}

/** Adds `server` to every log line of one scanner, so a failing server is named. */
function withServer(log: Logger, server: string): Logger {
  const wrap =
    (level: keyof Logger) =>
    (obj: object | string, msg?: string): void =>
      typeof obj === 'string' ? log[level]({ server }, obj) : log[level]({ server, ...obj }, msg);
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

function configuredUrl(client: ZimbraClient): string {
  return client.adminUrl?.origin ?? '';
}

function describe(err: unknown): string {
  return err instanceof ZimbraBackupError ? `${err.code}: ${err.message}` : String(err);
}
