/**
 * GetAllCosRequest (urn:zimbraAdmin): classes of service.
 * @module
 */
import { children } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseDirectoryObject, type DirectoryObject } from './directory.js';

/** Result of {@link GetAllCos}. */
export interface GetAllCosResult {
  /** Classes of service. */
  coses: DirectoryObject[];
}

/** GetAllCosRequest. */
export const GetAllCos: SoapRequestDefinition<Record<string, never>, GetAllCosResult> = {
  name: 'GetAllCosRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: () => ({}),
  parse: (r) => ({ coses: children(r, 'cos').map((c) => parseDirectoryObject(c, 'cos')) }),
};
