/**
 * SOAP faults as typed errors: one mapper, {@link faultToError}, turns Zimbra's fault element
 * (JSON or XML shape, PROTOCOL.md section 8) into a {@link SoapFaultError} that keeps the Zimbra
 * code verbatim. Subclasses exist only for faults callers branch on.
 * @module
 */
import { ZimbraBackupError } from '../errors.js';
import { attrStr, child, children, text, type SoapElement } from './element.js';

/** One argument of a fault (`<a n="itemId" t="IID">999</a>`). */
export interface SoapFaultArg {
  /** Argument name, e.g. `itemId`. */
  name: string;
  /** Argument type: `IID`, `ACCTID`, `STR` or `NUM`. */
  type?: string;
  /** Argument value as text. */
  value: string;
}

/** Options of {@link SoapFaultError}. */
export interface SoapFaultErrorOptions {
  /** Zimbra fault code, verbatim (`mail.NO_SUCH_ITEM`). */
  faultCode: string;
  /** `Sender` (client fault) or `Receiver` (server fault). */
  senderOrReceiver: 'Sender' | 'Receiver' | 'Unknown';
  /** The server's trace id (thread name and time), if sent. */
  trace?: string;
  /** Fault arguments. */
  args?: SoapFaultArg[];
  /** The SOAP request that failed, e.g. `SyncRequest`. */
  request?: string;
  /** Batch member id when the fault came from inside a `BatchResponse`. */
  requestId?: string;
}

/** Zimbra tokens look like `0_<40 hex>_<hex>`; strip anything like that from server text. */
const TOKEN_LIKE = /\b0_[0-9a-f]{20,}_[0-9a-f]+\b/gi;

/** Removes auth-token-looking substrings from server-provided text before it reaches a message or log. */
export function redactTokens(s: string): string {
  return s.replace(TOKEN_LIKE, '**redacted**');
}

/** A SOAP fault returned by Zimbra; `faultCode` holds the Zimbra code verbatim. */
export class SoapFaultError extends ZimbraBackupError {
  override name = 'SoapFaultError';
  /** Zimbra fault code, verbatim (`mail.NO_SUCH_ITEM`, `service.AUTH_EXPIRED`...). */
  readonly faultCode: string;
  /** `Sender` for client faults, `Receiver` for server faults. */
  readonly senderOrReceiver: 'Sender' | 'Receiver' | 'Unknown';
  /** The server's trace id, if any. */
  readonly trace: string | undefined;
  /** Fault arguments (`itemId`, `id`...). */
  readonly args: readonly SoapFaultArg[];
  /** Only `service.TEMPORARILY_UNAVAILABLE` may succeed when retried (read by `isRetryable`). */
  readonly retryable: boolean;

  constructor(message: string, opts: SoapFaultErrorOptions) {
    super(message, {
      code: 'ZB_SOAP_FAULT',
      data: {
        faultCode: opts.faultCode,
        senderOrReceiver: opts.senderOrReceiver,
        ...(opts.trace === undefined ? {} : { trace: opts.trace }),
        ...(opts.args?.length ? { args: opts.args } : {}),
        ...(opts.request === undefined ? {} : { request: opts.request }),
        ...(opts.requestId === undefined ? {} : { requestId: opts.requestId }),
      },
    });
    this.faultCode = opts.faultCode;
    this.senderOrReceiver = opts.senderOrReceiver;
    this.trace = opts.trace;
    this.args = opts.args ?? [];
    this.retryable = opts.faultCode === 'service.TEMPORARILY_UNAVAILABLE';
  }

  /** The value of the fault argument called `name`, if present. */
  arg(name: string): string | undefined {
    return this.args.find((a) => a.name === name)?.value;
  }
}

/** `mail.MUST_RESYNC`: the sync token is older than the tombstone cutoff; run an initial sync again. */
export class MustResyncError extends SoapFaultError {
  override name = 'MustResyncError';
}

/** `service.AUTH_EXPIRED` or `service.AUTH_REQUIRED`: the auth token is no longer (or not) valid. */
export class AuthExpiredError extends SoapFaultError {
  override name = 'AuthExpiredError';
}

/** The item, message, folder, contact, appointment, part or upload does not exist. */
export class NoSuchItemError extends SoapFaultError {
  override name = 'NoSuchItemError';
  /** The missing item id, when the fault carried one. */
  get itemId(): string | undefined {
    return this.arg('itemId') ?? this.arg('id');
  }
}

/** `admin.NO_SUCH_WAITSET`: the WaitSet expired or was destroyed; create a new one. */
export class NoSuchWaitSetError extends SoapFaultError {
  override name = 'NoSuchWaitSetError';
}

/**
 * `account.ACCOUNT_INACTIVE` or `account.MAINTENANCE_MODE`: the target account cannot be read now
 * (maintenance; for a token that is neither admin nor delegated, any status but `active`). Zimbra
 * answers so over SOAP (`SoapEngine.java`) and, as an HTTP 404 whose message says so, over REST
 * (`UserServlet.java` `checkTargetAccountStatus`). The account is not gone: a backup skips it with
 * a warning and tries again on its next pass.
 */
export class AccountInactiveError extends SoapFaultError {
  override name = 'AccountInactiveError';
}

/** Codes of {@link AccountInactiveError} (`AccountServiceException`). */
export const ACCOUNT_INACTIVE_CODES: ReadonlySet<string> = new Set([
  'account.ACCOUNT_INACTIVE',
  'account.MAINTENANCE_MODE',
]);

/** Codes that mean "this item does not exist" (`MailServiceException`). */
export const NO_SUCH_ITEM_CODES: ReadonlySet<string> = new Set([
  'mail.NO_SUCH_ITEM',
  'mail.NO_SUCH_MSG',
  'mail.NO_SUCH_FOLDER',
  'mail.NO_SUCH_CONTACT',
  'mail.NO_SUCH_APPT',
  'mail.NO_SUCH_CALITEM',
  'mail.NO_SUCH_TASK',
  'mail.NO_SUCH_DOC',
  'mail.NO_SUCH_CONV',
  'mail.NO_SUCH_PART',
  'mail.NO_SUCH_UPLOAD',
  'mail.NO_SUCH_TAG',
  'mail.NO_SUCH_MOUNTPOINT',
  'mail.NO_SUCH_WIKI',
  'mail.NO_SUCH_CHAT',
]);

function senderOf(raw: string | undefined): 'Sender' | 'Receiver' | 'Unknown' {
  const v = (raw ?? '').replace(/^.*:/, '');
  if (v === 'Sender' || v === 'Client') return 'Sender';
  if (v === 'Receiver' || v === 'Server') return 'Receiver';
  return 'Unknown';
}

/** True when `body` (a SOAP Body element) holds a `Fault`. */
export function isFault(el: SoapElement | undefined): boolean {
  return child(el, 'Fault') !== undefined;
}

/**
 * Maps a SOAP `Fault` element (JSON or XML shape) to the right {@link SoapFaultError} subclass.
 * Unknown codes become a plain `SoapFaultError`; a fault without a Zimbra code gets
 * `faultCode` `service.FAILURE`-like `unknown`.
 */
export function faultToError(fault: SoapElement, ctx: { request?: string } = {}): SoapFaultError {
  const code = child(fault, 'Code') ?? child(fault, 'faultcode');
  const reason = attrStr(child(fault, 'Reason'), 'Text') ?? attrStr(fault, 'faultstring') ?? 'SOAP fault';
  const error = child(child(fault, 'Detail') ?? child(fault, 'detail'), 'Error');
  const faultCode = attrStr(error, 'Code') ?? 'unknown';
  const trace = attrStr(error, 'Trace');
  const args: SoapFaultArg[] = children(error, 'a').map((a) => {
    const type = attrStr(a, 't');
    return { name: attrStr(a, 'n') ?? '', ...(type === undefined ? {} : { type }), value: text(a) ?? '' };
  });
  const requestId = attrStr(fault, 'requestId');
  const opts: SoapFaultErrorOptions = {
    faultCode,
    senderOrReceiver: senderOf(attrStr(code, 'Value') ?? text(code)),
    ...(trace === undefined ? {} : { trace: redactTokens(trace) }),
    args,
    ...(ctx.request === undefined ? {} : { request: ctx.request }),
    ...(requestId === undefined ? {} : { requestId }),
  };
  const message = `${faultCode}: ${redactTokens(reason)}`;
  if (faultCode === 'mail.MUST_RESYNC') return new MustResyncError(message, opts);
  if (faultCode === 'service.AUTH_EXPIRED' || faultCode === 'service.AUTH_REQUIRED')
    return new AuthExpiredError(message, opts);
  if (NO_SUCH_ITEM_CODES.has(faultCode)) return new NoSuchItemError(message, opts);
  if (ACCOUNT_INACTIVE_CODES.has(faultCode)) return new AccountInactiveError(message, opts);
  if (faultCode === 'admin.NO_SUCH_WAITSET' || faultCode === 'mail.NO_SUCH_WAITSET')
    return new NoSuchWaitSetError(message, opts);
  return new SoapFaultError(message, opts);
}
