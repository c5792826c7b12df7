/**
 * GetAllServersRequest (urn:zimbraAdmin): the mailbox servers, for per-server WaitSets and routing.
 * @module
 */
import { children } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseDirectoryObject, type DirectoryObject } from './directory.js';

/** Params of {@link GetAllServers}. */
export interface GetAllServersParams {
  /** Only servers running this service, e.g. `mailbox`. */
  service?: string;
}

/** Result of {@link GetAllServers}. */
export interface GetAllServersResult {
  /** Servers (`zimbraServiceHostname`, `zimbraMailPort`, `zimbraAdminPort`... in `attrs`). */
  servers: DirectoryObject[];
}

/** GetAllServersRequest. */
export const GetAllServers: SoapRequestDefinition<GetAllServersParams, GetAllServersResult> = {
  name: 'GetAllServersRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: (p) => (p.service === undefined ? {} : { service: p.service }),
  parse: (r) => ({ servers: children(r, 'server').map((s) => parseDirectoryObject(s, 'server')) }),
};
