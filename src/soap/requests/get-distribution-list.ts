/**
 * GetDistributionListRequest (urn:zimbraAdmin): one list with its members (`dlm`).
 * @module
 */
import { attrBool, attrNum, children } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseDistributionList, type DistributionListInfo } from './directory.js';

/** Params of {@link GetDistributionList}. */
export interface GetDistributionListParams {
  /** The list, by zimbraId or name. */
  dl: { by: 'id' | 'name'; value: string };
  /** Max members per page (0: all). */
  limit?: number;
  /** First member index. */
  offset?: number;
}

/** Result of {@link GetDistributionList}. */
export interface GetDistributionListResult {
  /** The list with `members`. */
  list: DistributionListInfo;
  /** More members remain past this page. */
  more: boolean;
  /** Total member count, when sent. */
  total: number | undefined;
}

/** GetDistributionListRequest. */
export const GetDistributionList: SoapRequestDefinition<GetDistributionListParams, GetDistributionListResult> = {
  name: 'GetDistributionListRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: (p) => ({
    ...(p.limit === undefined ? {} : { limit: p.limit }),
    ...(p.offset === undefined ? {} : { offset: p.offset }),
    dl: { by: p.dl.by, _content: p.dl.value },
  }),
  parse: (r) => ({
    list: parseDistributionList(children(r, 'dl')[0] ?? {}),
    more: attrBool(r, 'more') === true,
    total: attrNum(r, 'total'),
  }),
};
