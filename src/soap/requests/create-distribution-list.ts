/**
 * CreateDistributionListRequest (urn:zimbraAdmin).
 * @module
 */
import { children, toAttrList, type ZimbraAttrs } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseDistributionList, type DistributionListInfo } from './directory.js';

/** Params of {@link CreateDistributionList}. */
export interface CreateDistributionListParams {
  /** List address. */
  name: string;
  /** Create a dynamic group. */
  dynamic?: boolean;
  /** Initial LDAP attributes. */
  attrs?: ZimbraAttrs;
}

/** CreateDistributionListRequest; resolves to the created list. */
export const CreateDistributionList: SoapRequestDefinition<CreateDistributionListParams, DistributionListInfo> = {
  name: 'CreateDistributionListRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  idempotent: false,
  build: (p) => ({ name: p.name, ...(p.dynamic === undefined ? {} : { dynamic: p.dynamic }), a: toAttrList(p.attrs) }),
  parse: (r) => parseDistributionList(children(r, 'dl')[0] ?? {}),
};
