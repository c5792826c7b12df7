/**
 * CreateCosRequest (urn:zimbraAdmin): creates a class of service.
 * @module
 */
import { toAttrList, type ZimbraAttrs } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseOne, type DirectoryObject } from './directory.js';

/** Params of {@link CreateCos}. */
export interface CreateCosParams {
  /** Name of the new class of service. */
  name: string;
  /** Initial LDAP attributes. */
  attrs?: ZimbraAttrs;
}

/** CreateCosRequest; resolves to the created object. */
export const CreateCos: SoapRequestDefinition<CreateCosParams, DirectoryObject> = {
  name: 'CreateCosRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  idempotent: false,
  build: (p) => ({ name: p.name, a: toAttrList(p.attrs) }),
  parse: (r) => parseOne(r, 'cos'),
};
