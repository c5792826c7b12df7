/**
 * GetAccountInfoRequest (urn:zimbraAdmin): id, home server and SOAP URLs of an account.
 * @module
 */
import { attrStr, children, readAttrs, requireStr, text, type ZimbraAttrs } from '../element.js';
import type { AccountSelector } from '../transports/transport.js';
import { selectorElement, type SoapRequestDefinition } from './definition.js';

/** Params of {@link GetAccountInfo}. */
export interface GetAccountInfoParams {
  /** The account. */
  account: string | AccountSelector;
}

/** Result of {@link GetAccountInfo}. */
export interface GetAccountInfoResult {
  /** Account name. */
  name: string;
  /** Attributes (zimbraId, zimbraMailHost). */
  attrs: ZimbraAttrs;
  /** SOAP URLs of the home server. */
  soapUrls: string[];
  /** Admin SOAP URL of the home server. */
  adminSoapUrl: string | undefined;
  /** Public mail URL. */
  publicMailUrl: string | undefined;
}

/** GetAccountInfoRequest. */
export const GetAccountInfo: SoapRequestDefinition<GetAccountInfoParams, GetAccountInfoResult> = {
  name: 'GetAccountInfoRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: (p) => ({ account: selectorElement(p.account) }),
  parse: (r) => ({
    name: requireStr(r, 'name', 'GetAccountInfoResponse'),
    attrs: readAttrs(r),
    soapUrls: children(r, 'soapURL')
      .map((u) => text(u) ?? '')
      .filter((u) => u !== ''),
    adminSoapUrl: attrStr(r, 'adminSoapURL'),
    publicMailUrl: attrStr(r, 'publicMailURL'),
  }),
};
