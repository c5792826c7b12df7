/**
 * CreateDomainRequest (urn:zimbraAdmin): creates a domain.
 * @module
 */
import { toAttrList, type ZimbraAttrs } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseOne, type DirectoryObject } from './directory.js';

/** Params of {@link CreateDomain}. */
export interface CreateDomainParams {
  /** Name of the new domain. */
  name: string;
  /** Initial LDAP attributes. */
  attrs?: ZimbraAttrs;
}

/** CreateDomainRequest; resolves to the created object. */
export const CreateDomain: SoapRequestDefinition<CreateDomainParams, DirectoryObject> = {
  name: 'CreateDomainRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  idempotent: false,
  build: (p) => ({ name: p.name, a: toAttrList(p.attrs) }),
  parse: (r) => parseOne(r, 'domain'),
};
