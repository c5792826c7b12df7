/**
 * Library errors as HTTP answers: typed codes map to statuses, messages are the library's own
 * (which never carry secrets); anything unexpected is a plain 500 whose detail goes to the log only.
 * @module
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZimbraBackupError } from '../errors.js';
import type { Logger } from '../internal/logger.js';

const STATUS: Partial<Record<string, ContentfulStatusCode>> = {
  ZB_INVALID_ARGUMENT: 400,
  ZB_UNSAFE_PATH: 400,
  ZB_NOT_FOUND: 404,
  ZB_BLOB_NOT_FOUND: 404,
  ZB_CONFLICT: 409,
  ZB_TARGET_EXISTS: 409,
  ZB_LOCK_HELD: 409,
  ZB_TOO_LARGE: 413,
  ZB_AUTH: 401,
  ZB_UNSUPPORTED: 501,
};

/** A JSON error body `{ error: { code, message } }` with `status`. */
export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string): Response {
  return c.json({ error: { code, message } }, status);
}

/** Maps a thrown value to a response. */
export function toErrorResponse(c: Context, err: unknown, logger: Logger): Response {
  if (err instanceof ZimbraBackupError) {
    const status = STATUS[err.code] ?? 500;
    if (status === 500)
      logger.error({ code: err.code, message: err.message, path: c.req.path }, 'console: request failed');
    return errorResponse(c, status, err.code, err.message);
  }
  logger.error(
    { message: err instanceof Error ? err.message : String(err), path: c.req.path },
    'console: request failed',
  );
  return errorResponse(c, 500, 'ZB_INTERNAL', 'internal error (see the server log)');
}

/** A 400 for a malformed browser input. */
export function badInput(message: string, field: string): ZimbraBackupError {
  return new ZimbraBackupError(message, { code: 'ZB_INVALID_ARGUMENT', data: { field } });
}
