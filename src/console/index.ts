/**
 * The web console (`zimbra-backup serve`): a thin HTTP layer over the library's read side and
 * operations, with a browser UI served from the package itself (no CDN, no bundler).
 *
 * ```text
 * request -> Host check -> [/api/login: same origin, JSON, rate limit -> AuthRequest | token]
 *         -> session cookie (HttpOnly, SameSite=Strict) -> CSRF header on POST -> route
 * read routes:      repositoryStatus, listItems, accountTimeline, itemVersion, messagePreview
 * operation routes: validate -> OperationRunner.start(library function) -> SSE progress -> history
 * ```
 * Failure modes: a wrong login is a 401 (429 after repeated failures); an invalid id, time or path
 * is a 400 before any library call; library errors keep their codes; an operation's failure is
 * recorded as `failed` with its error, never as a success.
 * @module
 */
export { createConsoleServer, type ConsoleServer, type ConsoleServerOptions } from './server.js';
export {
  OperationRunner,
  type OperationRecord,
  type OperationStatus,
  type OperationProgress,
  type OperationEvent,
  type OperationContext,
  type OperationRunnerOptions,
} from './operations/runner.js';
export { OPERATION_KINDS, type OperationKind } from './operations/kinds.js';
export { parseListen, isLoopback, type ListenAddress } from './security/listen.js';
export type { SessionStoreOptions } from './security/sessions.js';
export type { LoginRateLimitOptions } from './security/rate-limit.js';
