/**
 * `createConsoleServer`: the web console on a socket. Loopback by default; elsewhere only over
 * TLS or with `insecureHttp`. Logins are checked by the Zimbra server (admin AuthRequest) when
 * one is configured, else by a token generated at start and returned once to the caller.
 * @module
 */
import { rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { basename } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { EnvelopeCache } from '../catalog/index.js';
import { ZimbraBackupError } from '../errors.js';
import { resolveLogger, type Logger } from '../internal/logger.js';
import type { Secret } from '../internal/secret.js';
import type { Repository } from '../repository/repository.js';
import type { TlsOptions } from '../soap/index.js';
import { consoleApp } from './app.js';
import { tokenAuthenticator, zimbraAuthenticator } from './authenticator.js';
import type { Authenticator, ConsoleDeps } from './context.js';
import { EXPORT_TEMP_PREFIX } from './operations/kinds.js';
import { OperationRunner } from './operations/runner.js';
import { assertListenAllowed, isLoopback } from './security/listen.js';
import { LoginRateLimiter, type LoginRateLimitOptions } from './security/rate-limit.js';
import { SessionStore, type SessionStoreOptions } from './security/sessions.js';
import { loadStaticAssets } from './static-assets.js';

/** Options of {@link createConsoleServer}. */
export interface ConsoleServerOptions {
  /** The repository to browse and restore from. */
  repository: Repository;
  /**
   * The Zimbra server administrators log in to (admin SOAP URL, e.g. `https://zimbra:7071`) and
   * restores write to. Without it the console logs in by start-up token and cannot restore.
   */
  server?: { adminUrl: string; mailUrl?: string; tls?: TlsOptions };
  /** Address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Certificate and key (PEM): serve over HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Allow plain HTTP on a non-loopback address (the operator's explicit choice). Default false. */
  insecureHttp?: boolean;
  /**
   * Extra Host header values to accept over plain HTTP (`name:port`), e.g. the machine's name when
   * listening on a non-loopback address with `insecureHttp`. Over TLS any Host is accepted.
   */
  allowedHosts?: string[];
  /** Folder that export/import paths typed in the browser are confined to. Default: none (paths refused). */
  filesRoot?: string;
  /** Session lifetimes. */
  sessions?: SessionStoreOptions;
  /** Login rate limits. */
  loginRateLimit?: LoginRateLimitOptions;
  /** Logger (never given secrets). Default: silent. */
  logger?: Logger | false;
}

/** A running console. */
export interface ConsoleServer {
  /** Base URL, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  /** With no `server` configured: the login token (show it to the operator once). */
  readonly loginToken?: Secret;
  /** The operation runner (history, running operations). */
  readonly operations: OperationRunner;
  /** Stops accepting requests, cancels running operations and ends every session. */
  close(): Promise<void>;
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`.toLowerCase();
}

/**
 * Starts the web console.
 * @example
 * ```ts
 * const consoleServer = await createConsoleServer({ repository, server: { adminUrl: emu.adminUrl, mailUrl: emu.url }, port: 0 });
 * console.log(`open ${consoleServer.url}`);
 * ```
 * @throws `ZB_INVALID_ARGUMENT` for a non-loopback host without TLS or `insecureHttp`.
 */
export async function createConsoleServer(opts: ConsoleServerOptions): Promise<ConsoleServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ZimbraBackupError('port must be 0-65535', { code: 'ZB_INVALID_ARGUMENT', data: { field: 'port' } });
  assertListenAllowed(host, opts.tls !== undefined, opts.insecureHttp === true);
  const logger = resolveLogger(opts.logger);
  let auth: Authenticator;
  let loginToken: Secret | undefined;
  if (opts.server) {
    auth = zimbraAuthenticator({
      url: opts.server.mailUrl ?? opts.server.adminUrl,
      adminUrl: opts.server.adminUrl,
      ...(opts.server.tls ? { tls: opts.server.tls } : {}),
    });
  } else {
    const t = tokenAuthenticator();
    auth = t;
    loginToken = t.token;
  }
  const operations = new OperationRunner({ repository: opts.repository, logger });
  await operations.load();
  const deps: ConsoleDeps = {
    repository: opts.repository,
    sessions: new SessionStore(opts.sessions),
    limiter: new LoginRateLimiter(opts.loginRateLimit),
    auth,
    operations,
    envelopes: new EnvelopeCache(),
    logger,
    allowedHosts: new Set(),
    tls: opts.tls !== undefined,
    ...(opts.filesRoot !== undefined ? { filesRoot: opts.filesRoot } : {}),
  };
  const app = consoleApp(deps, loadStaticAssets());
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        hostname: host,
        port,
        ...(opts.tls
          ? { createServer: createHttpsServer, serverOptions: { cert: opts.tls.cert, key: opts.tls.key } }
          : {}),
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  const actual = (server.address() as AddressInfo).port;
  deps.allowedHosts.add(hostPort(host, actual));
  if (isLoopback(host)) for (const h of ['127.0.0.1', 'localhost', '::1']) deps.allowedHosts.add(hostPort(h, actual));
  for (const h of opts.allowedHosts ?? []) deps.allowedHosts.add(h.toLowerCase());
  const url = `${opts.tls ? 'https' : 'http'}://${hostPort(host, actual)}/`;
  logger.info({ url }, 'console: listening');
  return {
    url,
    operations,
    ...(loginToken ? { loginToken } : {}),
    async close() {
      await operations.close();
      deps.sessions.clear();
      // Export downloads are temporary files of this process: remove them with it.
      for (const op of operations.list()) {
        const file = (op.result as { file?: unknown } | undefined)?.file;
        if (op.kind === 'export' && typeof file === 'string' && basename(file).startsWith(EXPORT_TEMP_PREFIX))
          await rm(file, { force: true });
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}
