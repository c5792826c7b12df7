/**
 * Zimbra service exceptions as the emulator raises them: a code kept verbatim
 * (`mail.NO_SUCH_ITEM`), a reason text copied from the server, Sender/Receiver, and typed
 * arguments (`<a n="itemId" t="IID">`). PROTOCOL.md section 8.
 */

/** One fault argument (`t` is IID, ACCTID, STR or NUM). */
export interface FaultArg {
  n: string;
  t: 'IID' | 'ACCTID' | 'STR' | 'NUM';
  value: string;
}

/** A SOAP fault thrown by a handler and encoded by the envelope writer. */
export class SoapFault extends Error {
  override name = 'SoapFault';
  constructor(
    readonly code: string,
    readonly reason: string,
    readonly sender = true,
    readonly args: FaultArg[] = [],
  ) {
    super(reason);
  }
}

const iid = (id: number | string): FaultArg[] => [{ n: 'itemId', t: 'IID', value: String(id) }];

/** Constructors for the faults the emulator raises, with Zimbra's reason texts. */
export const faults = {
  noSuchItem: (id: number | string) => new SoapFault('mail.NO_SUCH_ITEM', `no such item: ${id}`, true, iid(id)),
  noSuchMsg: (id: number | string) => new SoapFault('mail.NO_SUCH_MSG', `no such message: ${id}`, true, iid(id)),
  noSuchFolder: (id: number | string) =>
    new SoapFault('mail.NO_SUCH_FOLDER', `no such folder id: ${id}`, true, iid(id)),
  noSuchFolderPath: (path: string) =>
    new SoapFault('mail.NO_SUCH_FOLDER', `no such folder path: ${path}`, true, [{ n: 'path', t: 'STR', value: path }]),
  noSuchContact: (id: number | string) =>
    new SoapFault('mail.NO_SUCH_CONTACT', `no such contact: ${id}`, true, iid(id)),
  noSuchAppt: (id: number | string) => new SoapFault('mail.NO_SUCH_APPT', `no such appointment: ${id}`, true, iid(id)),
  noSuchUpload: (aid: string) =>
    new SoapFault('mail.NO_SUCH_UPLOAD', `upload not found: ${aid}`, true, [{ n: 'uploadId', t: 'STR', value: aid }]),
  alreadyExists: (name: string) =>
    new SoapFault('mail.ALREADY_EXISTS', `object with that name already exists: ${name}`, true, [
      { n: 'name', t: 'STR', value: name },
    ]),
  // MailServiceException.CANNOT_CONTAIN()
  cannotContain: () => new SoapFault('mail.CANNOT_CONTAIN', 'cannot put object in that folder'),
  invalidName: (name: string) =>
    new SoapFault('mail.INVALID_NAME', `invalid name: ${name}`, true, [{ n: 'name', t: 'STR', value: name }]),
  mustResync: () => new SoapFault('mail.MUST_RESYNC', 'sync token too old; tombstones have already been expired'),
  invalidRequest: (msg: string) => new SoapFault('service.INVALID_REQUEST', `invalid request: ${msg}`),
  malformedToken: (token: string) =>
    new SoapFault('service.INVALID_REQUEST', `invalid request: malformed sync token: ${token}`),
  parseError: (msg: string) => new SoapFault('service.PARSE_ERROR', `parse error: ${msg}`),
  unknownDocument: (name: string) => new SoapFault('service.UNKNOWN_DOCUMENT', `unknown document: ${name}`),
  authRequired: () => new SoapFault('service.AUTH_REQUIRED', 'no valid authtoken present'),
  authExpired: () => new SoapFault('service.AUTH_EXPIRED', 'auth credentials have expired'),
  permDenied: (msg: string) => new SoapFault('service.PERM_DENIED', `permission denied: ${msg}`),
  authFailed: (name: string) => new SoapFault('account.AUTH_FAILED', `authentication failed for [${name}]`),
  noSuchAccount: (name: string) => new SoapFault('account.NO_SUCH_ACCOUNT', `no such account: ${name}`),
  noSuchDomain: (name: string) => new SoapFault('account.NO_SUCH_DOMAIN', `no such domain: ${name}`),
  noSuchCos: (name: string) => new SoapFault('account.NO_SUCH_COS', `no such cos: ${name}`),
  noSuchDl: (name: string) => new SoapFault('account.NO_SUCH_DISTRIBUTION_LIST', `no such distribution list: ${name}`),
  accountExists: (name: string) => new SoapFault('account.ACCOUNT_EXISTS', `email address already exists: ${name}`),
  domainExists: (name: string) => new SoapFault('account.DOMAIN_EXISTS', `domain already exists: ${name}`),
  cosExists: (name: string) => new SoapFault('account.COS_EXISTS', `cos already exists: ${name}`),
  dlExists: (name: string) =>
    new SoapFault('account.DISTRIBUTION_LIST_EXISTS', `email address already exists: ${name}`),
  noSuchWaitSet: (id: string) =>
    new SoapFault('admin.NO_SUCH_WAITSET', `No such waitset: ${id}`, true, [{ n: 'id', t: 'STR', value: id }]),
  failure: (msg: string) => new SoapFault('service.FAILURE', `system failure: ${msg}`, false),
};
