/**
 * CreateAccountRequest (urn:zimbraAdmin). Errors: `account.ACCOUNT_EXISTS`, `account.NO_SUCH_DOMAIN`.
 * @module
 */
import { toSecret, type Secret } from '../../internal/secret.js';
import { toAttrList, type ZimbraAttrs } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseOne, type DirectoryObject } from './directory.js';

/** Params of {@link CreateAccount}. */
export interface CreateAccountParams {
  /** Account address. */
  name: string;
  /** Initial password (omit to create without one, e.g. when restoring `userPassword`). */
  password?: string | Secret;
  /** Initial LDAP attributes. */
  attrs?: ZimbraAttrs;
}

/** CreateAccountRequest; resolves to the created account. */
export const CreateAccount: SoapRequestDefinition<CreateAccountParams, DirectoryObject> = {
  name: 'CreateAccountRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  idempotent: false,
  build: (p) => ({
    name: p.name,
    ...(p.password === undefined ? {} : { password: toSecret(p.password).reveal() }),
    a: toAttrList(p.attrs),
  }),
  parse: (r) => parseOne(r, 'account'),
};
