/**
 * AuthRequest, user (urn:zimbraAccount, PROTOCOL.md 1a) and admin (urn:zimbraAdmin, 1b).
 * @module
 */
import { toSecret, type Secret } from '../../internal/secret.js';
import { attrNum, attrStr, requireStr, type SoapElement } from '../element.js';
import type { AccountSelector } from '../transports/transport.js';
import { selectorElement, type SoapRequestDefinition } from './definition.js';

/** Result of any AuthRequest or DelegateAuthRequest. */
export interface AuthResult {
  /** The auth token (never printable). */
  authToken: Secret;
  /** Token lifetime in ms as reported by the server, if sent. */
  lifetimeMs: number | undefined;
  /** CSRF token, only when asked for. */
  csrfToken: Secret | undefined;
  /** Hint: the account's home server when it is not this one. */
  refer: string | undefined;
}

/** Params of the user {@link Auth}. */
export interface AuthParams {
  /** The account: selector or name/id string. */
  account: string | AccountSelector;
  /** The password. */
  password: string | Secret;
}

/** Params of {@link AdminAuth}. */
export interface AdminAuthParams {
  /** Admin account name, e.g. `admin@example.com`. */
  name: string;
  /** The password. */
  password: string | Secret;
}

/** Reads the token fields shared by Auth and DelegateAuth responses. */
export function parseAuthResponse(r: SoapElement, where: string): AuthResult {
  const token = requireStr(r, 'authToken', where);
  const csrf = attrStr(r, 'csrfToken');
  return {
    authToken: toSecret(token),
    lifetimeMs: attrNum(r, 'lifetime'),
    csrfToken: csrf === undefined ? undefined : toSecret(csrf),
    refer: attrStr(r, 'refer'),
  };
}

/** User AuthRequest (urn:zimbraAccount) on `/service/soap`. */
export const Auth: SoapRequestDefinition<AuthParams, AuthResult> = {
  name: 'AuthRequest',
  namespace: 'urn:zimbraAccount',
  noAuth: true,
  build: (p) => ({ account: selectorElement(p.account), password: { _content: toSecret(p.password).reveal() } }),
  parse: (r) => parseAuthResponse(r, 'AuthResponse'),
};

/** Admin AuthRequest (urn:zimbraAdmin) on the admin port's `/service/admin/soap`. */
export const AdminAuth: SoapRequestDefinition<AdminAuthParams, AuthResult> = {
  name: 'AuthRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  noAuth: true,
  // `name`/`password` are attributes in the current JAXB and elements in soap-admin.txt; servers accept both.
  build: (p) => ({ name: p.name, password: toSecret(p.password).reveal() }),
  parse: (r) => parseAuthResponse(r, 'AuthResponse'),
};
