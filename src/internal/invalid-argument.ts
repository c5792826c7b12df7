/**
 * The one way to refuse bad input: a `ZB_INVALID_ARGUMENT` error whose `data` names what was
 * wrong (scripts branch on the code and read `data.field`; neither ever carries a secret).
 * @module
 */
import { ZimbraBackupError } from '../errors.js';

/** A `ZB_INVALID_ARGUMENT` error with `message` and optional context (`{ field }`...). */
export function invalidArgument(message: string, data?: Record<string, unknown>): ZimbraBackupError {
  return new ZimbraBackupError(message, { code: 'ZB_INVALID_ARGUMENT', ...(data ? { data } : {}) });
}

/**
 * The refusal of one named option, for a module whose options share a message prefix:
 * `const invalid = invalidOptionOf('purge option')` gives `invalid('keepDaily', 'must be >= 0')`
 * -> "purge option keepDaily must be >= 0", `data: { field: 'keepDaily' }`.
 */
export function invalidOptionOf(about?: string): (field: string, why: string) => ZimbraBackupError {
  const prefix = about ? `${about} ` : '';
  return (field, why) => invalidArgument(`${prefix}${field} ${why}`, { field });
}
