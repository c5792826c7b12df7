/**
 * Reading an error's code without casts: Zimbra's own fault code of a SOAP fault
 * (`mail.NO_SUCH_ITEM`, kept verbatim by `faultToError`) or the library's `ZB_` code. To test for
 * one code, use `isZimbraBackupError(err, code)` (errors.ts), which matches either.
 * @module
 */
import { ZimbraBackupError } from '../errors.js';

/** Zimbra's fault code of a SOAP fault error; undefined for any other error. */
export function faultCodeOf(err: unknown): string | undefined {
  const code = err instanceof ZimbraBackupError ? (err as { faultCode?: unknown }).faultCode : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The most specific code of an error, for reports and logs: a SOAP fault's Zimbra code, else the
 * library's `ZB_` code, else a Node error's `code` (ENOENT...); undefined when there is none.
 */
export function errorCodeOf(err: unknown): string | undefined {
  const fault = faultCodeOf(err);
  if (fault !== undefined) return fault;
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
