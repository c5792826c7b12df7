/**
 * GetAllDistributionListsRequest (urn:zimbraAdmin). Members are not listed here: use
 * GetDistributionListRequest per list.
 * @module
 */
import { children } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseDistributionList, type DistributionListInfo } from './directory.js';

/** Params of {@link GetAllDistributionLists}. */
export interface GetAllDistributionListsParams {
  /** Only lists of this domain (name). */
  domain?: string;
}

/** Result of {@link GetAllDistributionLists}. */
export interface GetAllDistributionListsResult {
  /** Distribution lists (members empty unless the server sent them). */
  lists: DistributionListInfo[];
}

/** GetAllDistributionListsRequest. */
export const GetAllDistributionLists: SoapRequestDefinition<
  GetAllDistributionListsParams,
  GetAllDistributionListsResult
> = {
  name: 'GetAllDistributionListsRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: (p) => (p.domain === undefined ? {} : { domain: { by: 'name', _content: p.domain } }),
  parse: (r) => ({ lists: children(r, 'dl').map(parseDistributionList) }),
};
