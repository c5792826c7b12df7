/**
 * DelegateAuthRequest (urn:zimbraAdmin, PROTOCOL.md 1c): a token for a target account, usable on
 * `/service/soap` and REST like a user token. The server echoes the requested lifetime even when
 * it caps the real one at zimbraAuthTokenLifetime.
 * @module
 */
import type { AccountSelector } from '../transports/transport.js';
import { parseAuthResponse, type AuthResult } from './auth.js';
import { selectorElement, type SoapRequestDefinition } from './definition.js';

/** Params of {@link DelegateAuth}. */
export interface DelegateAuthParams {
  /** The target account. */
  account: string | AccountSelector;
  /** Requested lifetime in seconds (server default 3600). */
  durationSeconds?: number;
}

/** DelegateAuthRequest. */
export const DelegateAuth: SoapRequestDefinition<DelegateAuthParams, AuthResult> = {
  name: 'DelegateAuthRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: (p) => ({
    ...(p.durationSeconds === undefined ? {} : { duration: p.durationSeconds }),
    account: selectorElement(p.account),
  }),
  parse: (r) => parseAuthResponse(r, 'DelegateAuthResponse'),
};
