/**
 * GetAllDomainsRequest (urn:zimbraAdmin).
 * @module
 */
import { children } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseDirectoryObject, type DirectoryObject } from './directory.js';

/** Params of {@link GetAllDomains}. */
export interface GetAllDomainsParams {
  /** Apply global config defaults to the attributes. */
  applyConfig?: boolean;
}

/** Result of {@link GetAllDomains}. */
export interface GetAllDomainsResult {
  /** Domains. */
  domains: DirectoryObject[];
}

/** GetAllDomainsRequest. */
export const GetAllDomains: SoapRequestDefinition<GetAllDomainsParams, GetAllDomainsResult> = {
  name: 'GetAllDomainsRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: (p) => (p.applyConfig === undefined ? {} : { applyConfig: p.applyConfig }),
  parse: (r) => ({ domains: children(r, 'domain').map((d) => parseDirectoryObject(d, 'domain')) }),
};
