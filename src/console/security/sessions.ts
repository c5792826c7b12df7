/**
 * Console sessions: an unguessable id in an HttpOnly, SameSite=Strict cookie, and a CSRF token
 * the page reads from `/api/session` and sends back in a header on every state-changing request.
 * Sessions live in memory only: a restart logs everyone out, and nothing secret reaches disk.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ZimbraClient } from '../../soap/zimbra-client.js';

/** One logged-in administrator. */
export interface ConsoleSession {
  /** Cookie value (256 random bits, base64url). Never logged. */
  readonly id: string;
  /** CSRF token (256 random bits, base64url), required in `x-csrf-token` on POST/PUT/DELETE. */
  readonly csrf: string;
  /** Who logged in: the Zimbra admin name, or `token` for a start-up token login. */
  readonly user: string;
  /** ms since the epoch. */
  readonly createdMs: number;
  /** Last request, ms since the epoch (idle expiry). */
  lastSeenMs: number;
  /** The admin SOAP client authenticated as `user`, when a server is configured. */
  readonly client?: ZimbraClient;
  /** Operations still using `client`: it is closed only once they end, even after logout. */
  activeOperations: number;
  /** Set at logout or expiry. */
  ended: boolean;
}

/** Marks an operation as using the session's client; the returned function releases it. */
export function retainClient(session: ConsoleSession): () => void {
  session.activeOperations++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    session.activeOperations--;
    if (session.ended && session.activeOperations === 0) session.client?.close();
  };
}

/** Session lifetimes of the console. */
export interface SessionStoreOptions {
  /** Idle time after which a session ends, ms. Default 30 minutes. */
  idleMs?: number;
  /** Longest life of a session whatever its activity, ms. Default 12 hours. */
  maxAgeMs?: number;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** Random token of 32 bytes, base64url. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of two strings (hashed first, so lengths do not leak either). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** In-memory sessions with idle and absolute expiry. */
export class SessionStore {
  readonly #sessions = new Map<string, ConsoleSession>();
  readonly #idleMs: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(opts: SessionStoreOptions = {}) {
    this.#idleMs = opts.idleMs ?? 30 * 60_000;
    this.#maxAgeMs = opts.maxAgeMs ?? 12 * 3_600_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Starts a session for `user`. */
  create(user: string, client?: ZimbraClient): ConsoleSession {
    this.#sweep();
    const now = this.#now();
    const session: ConsoleSession = {
      id: randomToken(),
      csrf: randomToken(),
      user,
      createdMs: now,
      lastSeenMs: now,
      activeOperations: 0,
      ended: false,
      ...(client ? { client } : {}),
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session with this cookie value, refreshed; undefined when unknown or expired. */
  get(id: string | undefined): ConsoleSession | undefined {
    if (typeof id !== 'string' || id.length === 0 || id.length > 100) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const now = this.#now();
    if (now - session.lastSeenMs > this.#idleMs || now - session.createdMs > this.#maxAgeMs) {
      this.destroy(id);
      return undefined;
    }
    session.lastSeenMs = now;
    return session;
  }

  /** Ends a session (logout, expiry) and closes its SOAP client. */
  destroy(id: string): void {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    session.ended = true;
    if (session.activeOperations === 0) session.client?.close();
  }

  /** Ends every session (server shutdown). */
  clear(): void {
    for (const id of [...this.#sessions.keys()]) this.destroy(id);
  }

  #sweep(): void {
    const now = this.#now();
    for (const s of this.#sessions.values()) {
      if (now - s.lastSeenMs > this.#idleMs || now - s.createdMs > this.#maxAgeMs) this.destroy(s.id);
    }
  }
}
