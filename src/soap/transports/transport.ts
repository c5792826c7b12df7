/**
 * The contract between `ZimbraClient` and its wire encodings: both transports take the same
 * request description and give back the same neutral element model, so parsers are shared.
 * @module
 */
import type { Secret } from '../../internal/secret.js';
import type { SoapElement } from '../element.js';

/** Selects a target account in the SOAP `context` header or a request (`<account by="name|id">`). */
export interface AccountSelector {
  /** How `value` identifies the account. */
  by: 'id' | 'name';
  /** The zimbraId (UUID) or the primary email address. */
  value: string;
}

/** What goes into the `context` header (urn:zimbra, HeaderConstants.java). */
export interface SoapContextHeader {
  /** The auth token; absent on AuthRequest. */
  authToken?: Secret;
  /** The mailbox to act on (admin-as-user, or a shared mailbox). */
  account?: AccountSelector;
  /** Client name and version sent as `<userAgent>`. */
  userAgent: { name: string; version?: string };
}

/** One SOAP request ready to encode. */
export interface SoapEnvelopeRequest {
  /** Header context. */
  context: SoapContextHeader;
  /** Request element name, e.g. `SyncRequest`. */
  name: string;
  /** Request namespace, e.g. `urn:zimbraMail`. */
  namespace: string;
  /** The request element (neutral model). */
  body: SoapElement;
}

/** A decoded response envelope in the neutral model. */
export interface SoapEnvelopeResponse {
  /** The `Header` element, if any. */
  header: SoapElement | undefined;
  /** The `Body` element: holds `<Name>Response` or `Fault`. */
  body: SoapElement;
}

/** A wire encoding of SOAP envelopes. */
export interface SoapTransport {
  /** `json` or `xml`. */
  readonly format: 'json' | 'xml';
  /** The `Content-Type` to send. */
  readonly contentType: string;
  /** Encodes a request envelope; the result holds the token and must never be logged. */
  encode(req: SoapEnvelopeRequest): string;
  /** Decodes a response body; throws `ZB_PROTOCOL` when it is not a well-formed envelope. */
  decode(body: string): SoapEnvelopeResponse;
}
