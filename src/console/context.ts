/**
 * What every route of the console shares: the repository, sessions, the login check, the
 * operation runner and the settings chosen at start.
 * @module
 */
import type { Logger } from '../internal/logger.js';
import type { Repository } from '../repository/repository.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import type { EnvelopeCache } from '../catalog/index.js';
import type { OperationRunner } from './operations/runner.js';
import type { LoginRateLimiter } from './security/rate-limit.js';
import type { ConsoleSession, SessionStore } from './security/sessions.js';

/** How logins are checked. */
export interface Authenticator {
  /** `zimbra`: admin name and password checked by AuthRequest; `token`: the start-up token. */
  readonly mode: 'zimbra' | 'token';
  /**
   * Checks credentials. Resolves the user (and, for `zimbra`, the authenticated admin client),
   * or undefined when they are wrong. Rejects when the server cannot be asked.
   */
  login(body: {
    username?: unknown;
    password?: unknown;
    token?: unknown;
  }): Promise<{ user: string; client?: ZimbraClient } | undefined>;
}

/** Shared state of one console server. */
export interface ConsoleDeps {
  repository: Repository;
  sessions: SessionStore;
  limiter: LoginRateLimiter;
  auth: Authenticator;
  operations: OperationRunner;
  envelopes: EnvelopeCache;
  logger: Logger;
  /** Host header values accepted over plain HTTP (DNS-rebinding defence), lower-case `host:port`. */
  allowedHosts: Set<string>;
  /** True when served over TLS (cookies get `Secure` and the `__Host-` prefix). */
  tls: boolean;
  /** Root under which export/import paths typed in the browser must lie; undefined: paths refused. */
  filesRoot?: string;
}

/** Hono environment of the console's routes. */
export interface ConsoleEnv {
  Variables: { session: ConsoleSession };
}
