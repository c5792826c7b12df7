/**
 * Zimbra SOAP client.
 *
 * ```text
 * client.send(def, params, { account, signal }):
 *   route: admin def -> adminUrl/service/admin/soap + admin token
 *          mail def  -> url/service/soap + user token, or (account + admin token) -> admin URL + <account>
 *   renew the token first when it is about to expire
 *   encode envelope (JSON or SOAP 1.2 XML) with context {authToken, nosession, account, format, userAgent}
 *   POST through the one axios layer (src/soap/http/: the embedder's instance and interceptors, proxies, pools)
 *   on network error / 429 / 502-504 / service.TEMPORARILY_UNAVAILABLE: Retry-After or backoff with jitter, retry
 *     (a request that creates something only when the server cannot have applied it: see retry.ts)
 *   decode to the neutral element model; Fault -> faultToError(); else def.parse(<Name>Response)
 *   on service.AUTH_EXPIRED / AUTH_REQUIRED: renew once, repeat
 * ```
 * Failure modes: `ZB_SOAP_FAULT` (typed subclasses for MUST_RESYNC, AUTH_EXPIRED, NO_SUCH_*,
 * NO_SUCH_WAITSET), `ZB_PROTOCOL` (malformed response), `ZB_TRANSPORT`/`ZB_TIMEOUT` after the
 * retries, `ZB_ABORTED`, `ZB_AUTH`. No secret appears in any message, log line or `data`.
 * @module
 */
export { ZimbraClient, type ListAccountsOptions } from './zimbra-client.js';
export {
  SoapConnection,
  type ZimbraClientOptions,
  type SendOptions,
  type AuthInfo,
  type RestTarget,
} from './soap-connection.js';
export {
  SoapFaultError,
  MustResyncError,
  AuthExpiredError,
  NoSuchItemError,
  NoSuchWaitSetError,
  AccountInactiveError,
  ACCOUNT_INACTIVE_CODES,
  faultToError,
  redactTokens,
  NO_SUCH_ITEM_CODES,
  type SoapFaultArg,
  type SoapFaultErrorOptions,
} from './faults.js';
export {
  asArray,
  attrBool,
  attrIdList,
  attrNum,
  attrStr,
  attrValue,
  attrValues,
  child,
  children,
  readAttrs,
  text,
  toAttrList,
  type SoapElement,
  type SoapScalar,
  type ZimbraAttrs,
} from './element.js';
export { HttpStatusError } from './http/errors.js';
export { type TlsOptions, type HttpRequestOptions, type HttpResponse } from './http/http-client.js';
export { proxyFromEnv, type ProxyOptions } from './http/proxy.js';
export { redactHeaders, redactSoapBody, redactUrl } from './http/redact.js';
export { parseRetryAfter } from './http/retry-after.js';
export type { RetryPolicy, BackoffOptions } from './retry.js';
export { QualifiedIdMismatchError, parseItemId, unqualifyItemIds, ITEM_ID_ATTRIBUTES } from './qualified-ids.js';
export { JsonTransport } from './transports/json.js';
export { XmlTransport, SOAP12_NS } from './transports/xml.js';
export type {
  AccountSelector,
  SoapTransport,
  SoapEnvelopeRequest,
  SoapEnvelopeResponse,
  SoapContextHeader,
} from './transports/transport.js';
export * from './requests/index.js';
