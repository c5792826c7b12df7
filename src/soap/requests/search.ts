/**
 * SearchRequest (urn:zimbraMail): query hits with `more` paging; `inDumpster` lists deleted items
 * kept by the dumpster (server-side undelete).
 * @module
 */
import { attrBool, attrNum, children, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseItem, WIRE_ITEM_TYPES, type ItemSummary } from './items.js';

/** Params of {@link Search}. */
export interface SearchParams {
  /** Zimbra query, e.g. `in:inbox after:1/1/2024`. */
  query: string;
  /** Comma list: message, conversation, contact, appointment, task, document. Default `message`. */
  types?: string;
  /** Page size. */
  limit?: number;
  /** First hit index. */
  offset?: number;
  /** Sort order, e.g. `dateDesc`. */
  sortBy?: string;
  /** Search the dumpster. */
  inDumpster?: boolean;
  /** `IDS` returns ids only. */
  resultMode?: 'NORMAL' | 'IDS';
}

/** Result of {@link Search}. */
export interface SearchResult {
  /** Hits in order. */
  hits: ItemSummary[];
  /** More hits past this page. */
  more: boolean;
  /** Offset of this page. */
  offset: number | undefined;
}

const HIT_NAMES = ['m', 'c', 'cn', 'appt', 'task', 'doc', 'w', 'chat', 'note'];

/** SearchRequest. */
export const Search: SoapRequestDefinition<SearchParams, SearchResult> = {
  name: 'SearchRequest',
  namespace: 'urn:zimbraMail',
  build: (p) => {
    const el: SoapElement = { query: p.query, types: p.types ?? 'message' };
    if (p.limit !== undefined) el['limit'] = p.limit;
    if (p.offset !== undefined) el['offset'] = p.offset;
    if (p.sortBy !== undefined) el['sortBy'] = p.sortBy;
    if (p.inDumpster) el['inDumpster'] = 1;
    if (p.resultMode !== undefined) el['resultMode'] = p.resultMode;
    return el;
  },
  parse: (r) => {
    // Hit order across types is lost in JSON (grouped by name); sort-by-type is the best we can do.
    const hits = HIT_NAMES.flatMap((n) => children(r, n).map((el) => parseItem(el, WIRE_ITEM_TYPES[n] ?? 'message')));
    return { hits, more: attrBool(r, 'more') === true, offset: attrNum(r, 'offset') };
  },
};
