/**
 * ModifyAccountRequest (urn:zimbraAdmin). To change a multi-valued attribute, send all its values.
 * @module
 */
import { toAttrList, type ZimbraAttrs } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseOne, type DirectoryObject } from './directory.js';

/** Params of {@link ModifyAccount}. */
export interface ModifyAccountParams {
  /** The account's zimbraId. */
  id: string;
  /** Attributes to set (an empty string removes a value). */
  attrs: ZimbraAttrs;
}

/** ModifyAccountRequest; resolves to the account after the change. */
export const ModifyAccount: SoapRequestDefinition<ModifyAccountParams, DirectoryObject> = {
  name: 'ModifyAccountRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: (p) => ({ id: p.id, a: toAttrList(p.attrs) }),
  parse: (r) => parseOne(r, 'account'),
};
