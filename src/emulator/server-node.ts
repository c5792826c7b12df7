/**
 * One mailbox server of the emulator: its own mail and admin listeners, its own WaitSets and
 * upload store, over the directory and auth tokens the whole cluster shares (tokens are signed
 * with a cluster-wide key on a real Zimbra, so a token from one server is valid on all).
 * A single-server emulator is a cluster of one node.
 */
import type { Logger } from '../internal/logger.js';
import type { EmulatorState } from './handlers/context.js';
import type { AuthTokens } from './model/auth-token.js';
import type { Directory, DirEntry } from './model/directory.js';
import { Uploads } from './model/uploads.js';
import { WaitSetManager, type WaitSetTimeoutClamp } from './model/waitsets.js';
import { RedoLog } from './model/redo-log.js';
import type { FaultInjector } from './http/fault-injector.js';
import type { HomeResolver } from './http/proxy.js';
import { listen, type EmulatorStats, type Listener } from './http/server.js';
import type { DosFilter } from './http/dos-filter.js';

/** What every node of a cluster shares. */
export interface ClusterShared {
  directory: Directory;
  tokens: AuthTokens;
  clamp: Required<WaitSetTimeoutClamp>;
  authTokenLifetimeMs: number;
  adminAuthTokenLifetimeMs: number;
  faults: FaultInjector;
  stats: EmulatorStats;
  logger: Logger;
  home: HomeResolver;
  /** Test switch, see EmulatorOptions.ignoreNoQualify. */
  ignoreNoQualify: boolean;
  /** Localconfig `notes_enabled`, see EmulatorOptions.notesEnabled. */
  notesEnabled: boolean;
  /** The DoSFilter rate limit shared by every server (off unless configured). */
  dosFilter: DosFilter;
  /** Upload size limits, see EmulatorOptions.uploadMaxBytes. */
  uploadLimits: { mtaMaxMessageSize: number; fileUploadMaxSize: number };
  /** Whether each server starts with its redo log on, see EmulatorOptions.redoLog. */
  redoLog: boolean;
}

/** A started (or stopped) mailbox server. */
export class ServerNode {
  /** Mail base URL (empty until started). */
  url = '';
  /** Admin base URL (empty until started). */
  adminUrl = '';
  readonly state: EmulatorState;
  private listeners: Listener[] = [];
  private ports: [number, number];

  constructor(
    /** The server's directory entry. */
    readonly entry: DirEntry,
    private readonly shared: ClusterShared,
    mailPort: number,
    adminPort: number,
  ) {
    this.ports = [mailPort, adminPort];
    this.state = {
      directory: shared.directory,
      tokens: shared.tokens,
      waitSets: new WaitSetManager(
        () => shared.directory,
        shared.clamp,
        () => entry.name,
        new RedoLog(shared.redoLog),
      ),
      uploads: new Uploads(entry.id),
      authTokenLifetimeMs: shared.authTokenLifetimeMs,
      adminAuthTokenLifetimeMs: shared.adminAuthTokenLifetimeMs,
      mailUrl: '',
      adminUrl: '',
      ignoreNoQualify: shared.ignoreNoQualify,
      notesEnabled: shared.notesEnabled,
      uploadLimits: shared.uploadLimits,
      dosFilter: shared.dosFilter,
    };
  }

  /** The server's name (`zimbraServiceHostname`, what accounts' `zimbraMailHost` holds). */
  get name(): string {
    return this.entry.name;
  }

  /** True while its listeners are up. */
  get running(): boolean {
    return this.listeners.length > 0;
  }

  /** Binds both listeners (again on the same ports after a stop). */
  async start(): Promise<void> {
    if (this.running) return;
    const { faults, stats, logger } = this.shared;
    const home: HomeResolver = (account) => {
      const h = this.shared.home(account);
      return h && { ...h, local: h.name === this.name };
    };
    const deps = { state: this.state, faults, stats, logger, home };
    const mail = await listen(deps, 'mail', this.ports[0]);
    const admin = await listen(deps, 'admin', this.ports[1]).catch(async (err: unknown) => {
      await mail.close();
      throw err;
    });
    this.listeners = [mail, admin];
    this.ports = [mail.port, admin.port];
    this.url = `http://127.0.0.1:${mail.port}`;
    this.adminUrl = `http://127.0.0.1:${admin.port}`;
    this.state.mailUrl = this.url;
    this.state.adminUrl = this.adminUrl;
    this.entry.attrs['zimbraMailPort'] = [String(mail.port)];
    this.entry.attrs['zimbraAdminPort'] = [String(admin.port)];
    logger.info({ server: this.name, url: this.url, adminUrl: this.adminUrl }, 'emulator listening');
  }

  /** Stops both listeners, dropping open connections and this server's WaitSets (they live in memory). */
  async stop(): Promise<void> {
    this.state.waitSets.dropAll();
    await Promise.all(this.listeners.map((l) => l.close()));
    this.listeners = [];
  }
}
