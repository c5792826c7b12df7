/**
 * AddDistributionListAliasRequest (urn:zimbraAdmin).
 * @module
 */
import type { SoapRequestDefinition } from './definition.js';

/** Params of {@link AddDistributionListAlias}. */
export interface AddDistributionListAliasParams {
  /** The list's (or dynamic group's) zimbraId; the server looks it up by id only. */
  id: string;
  /** The alias address (its domain must exist on the server). */
  alias: string;
}

/**
 * AddDistributionListAliasRequest: adds `alias` to a distribution list or dynamic group
 * (AddDistributionListAlias.java, LdapProvisioning.addGroupAlias -> addAliasInternal): it joins the
 * list's `zimbraMailAlias` (which also holds the list's own address) and `mail`, and a
 * `zimbraAlias` entry names the list. Faults: `account.NO_SUCH_DISTRIBUTION_LIST` for an unknown
 * id, `account.NO_SUCH_DOMAIN` when the alias's domain is absent, `account.ACCOUNT_EXISTS` when
 * the address is taken (also by this very alias of this list). The response is empty.
 */
export const AddDistributionListAlias: SoapRequestDefinition<AddDistributionListAliasParams, void> = {
  name: 'AddDistributionListAliasRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  idempotent: false,
  build: (p) => ({ id: p.id, alias: p.alias }),
  parse: () => undefined,
};
