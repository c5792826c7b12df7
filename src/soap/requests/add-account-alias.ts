/**
 * AddAccountAliasRequest (urn:zimbraAdmin).
 * @module
 */
import type { SoapRequestDefinition } from './definition.js';

/** Params of {@link AddAccountAlias}. */
export interface AddAccountAliasParams {
  /** The account's zimbraId. */
  id: string;
  /** The alias address (its domain must exist on the server). */
  alias: string;
}

/**
 * AddAccountAliasRequest: adds `alias` to the account's `zimbraMailAlias` and `mail`
 * (AddAccountAlias.java, LdapProvisioning.addAlias). Faults: `account.NO_SUCH_DOMAIN` when the
 * alias's domain is absent, `account.ACCOUNT_EXISTS` when the address is taken (also by this very
 * alias of this account). The response is empty.
 */
export const AddAccountAlias: SoapRequestDefinition<AddAccountAliasParams, void> = {
  name: 'AddAccountAliasRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  idempotent: false,
  build: (p) => ({ id: p.id, alias: p.alias }),
  parse: () => undefined,
};
