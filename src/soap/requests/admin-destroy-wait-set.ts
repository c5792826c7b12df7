/**
 * AdminDestroyWaitSetRequest (urn:zimbraAdmin).
 * @module
 */
import { attrStr } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';

/** Params of {@link AdminDestroyWaitSet}. */
export interface AdminDestroyWaitSetParams {
  /** The WaitSet id. */
  waitSetId: string;
}

/** AdminDestroyWaitSetRequest; fails with `admin.NO_SUCH_WAITSET` when it is already gone. */
export const AdminDestroyWaitSet: SoapRequestDefinition<AdminDestroyWaitSetParams, { waitSetId: string }> = {
  name: 'AdminDestroyWaitSetRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: (p) => ({ waitSet: p.waitSetId }),
  parse: (r, p) => ({ waitSetId: attrStr(r, 'waitSet') ?? p.waitSetId }),
};
