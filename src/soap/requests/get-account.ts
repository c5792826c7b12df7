/**
 * GetAccountRequest (urn:zimbraAdmin): one account with its attributes.
 * @module
 */
import type { AccountSelector } from '../transports/transport.js';
import { selectorElement, type SoapRequestDefinition } from './definition.js';
import { parseOne, type DirectoryObject } from './directory.js';

/** Params of {@link GetAccount}. */
export interface GetAccountParams {
  /** The account. */
  account: string | AccountSelector;
  /** Attributes to return (default: all). */
  attrs?: string[];
  /** Apply the COS (default false). */
  applyCos?: boolean;
}

/** GetAccountRequest. */
export const GetAccount: SoapRequestDefinition<GetAccountParams, DirectoryObject> = {
  name: 'GetAccountRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: (p) => ({
    applyCos: p.applyCos === true ? 1 : 0,
    ...(p.attrs === undefined ? {} : { attrs: p.attrs.join(',') }),
    account: selectorElement(p.account),
  }),
  parse: (r) => parseOne(r, 'account'),
};
