/**
 * SearchDirectoryRequest (urn:zimbraAdmin): paged directory search (accounts, lists, aliases,
 * domains, coses). `ZimbraClient.accounts()` iterates all pages.
 * @module
 */
import { attrBool, attrNum, children } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import {
  parseDirectoryObject,
  parseDistributionList,
  type DirectoryObject,
  type DistributionListInfo,
} from './directory.js';

/** Params of {@link SearchDirectory}. */
export interface SearchDirectoryParams {
  /** LDAP filter, e.g. `(zimbraMailHost=mbx1)`; empty means all. */
  query?: string;
  /** Comma list: accounts, distributionlists, aliases, resources, domains, coses. Default `accounts`. */
  types?: string;
  /** Attributes to return (fewer is faster). */
  attrs?: string[];
  /** Page size. */
  limit?: number;
  /** First result index. */
  offset?: number;
  /** Size limit over the whole result (`maxResults`); default 0: none (the server's own default is 5000). */
  maxResults?: number;
  /** Restrict to a domain (name). */
  domain?: string;
  /** Apply the COS to attributes (default false: cheaper). */
  applyCos?: boolean;
  /** Attribute to sort by, e.g. `name`. */
  sortBy?: string;
}

/** Result of {@link SearchDirectory}. */
export interface SearchDirectoryResult {
  /** Accounts (and calendar resources). */
  accounts: DirectoryObject[];
  /** Distribution lists. */
  distributionLists: DistributionListInfo[];
  /** Aliases. */
  aliases: DirectoryObject[];
  /** Domains. */
  domains: DirectoryObject[];
  /** Classes of service. */
  coses: DirectoryObject[];
  /** More results past this page. */
  more: boolean;
  /** Total matches, when sent. */
  searchTotal: number | undefined;
}

/** SearchDirectoryRequest. */
export const SearchDirectory: SoapRequestDefinition<SearchDirectoryParams, SearchDirectoryResult> = {
  name: 'SearchDirectoryRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: (p) => ({
    query: p.query ?? '',
    types: p.types ?? 'accounts',
    applyCos: p.applyCos === true ? 1 : 0,
    ...(p.attrs === undefined ? {} : { attrs: p.attrs.join(',') }),
    ...(p.limit === undefined ? {} : { limit: p.limit }),
    ...(p.offset === undefined ? {} : { offset: p.offset }),
    // SearchDirectory.java defaults maxResults to zimbra_directory_max_search_result (5000) and
    // passes it to LDAP as a size limit over the whole result, paging or not: a site with more
    // entries gets account.TOO_MANY_SEARCH_RESULTS. 0 means no limit.
    maxResults: p.maxResults ?? 0,
    ...(p.domain === undefined ? {} : { domain: p.domain }),
    ...(p.sortBy === undefined ? {} : { sortBy: p.sortBy }),
  }),
  parse: (r) => ({
    accounts: [...children(r, 'account'), ...children(r, 'calresource')].map((a) => parseDirectoryObject(a, 'account')),
    distributionLists: children(r, 'dl').map(parseDistributionList),
    aliases: children(r, 'alias').map((a) => parseDirectoryObject(a, 'alias')),
    domains: children(r, 'domain').map((d) => parseDirectoryObject(d, 'domain')),
    coses: children(r, 'cos').map((c) => parseDirectoryObject(c, 'cos')),
    more: attrBool(r, 'more') === true,
    searchTotal: attrNum(r, 'searchTotal'),
  }),
};
