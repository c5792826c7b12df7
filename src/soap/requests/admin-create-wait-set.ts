/**
 * AdminCreateWaitSetRequest (urn:zimbraAdmin): watch some accounts, or all on this server.
 * @module
 */
import { attrStr, requireStr } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import {
  parseWaitSetErrors,
  specsElement,
  type WaitSetAccountError,
  type WaitSetAccountSpec,
} from './wait-set-types.js';

/** Params of {@link AdminCreateWaitSet}. */
export interface AdminCreateWaitSetParams {
  /** Default interest types: `f,m,c,a,t,d` or `all` (default `all`). */
  defaultTypes?: string;
  /** Watch every account on this server (one set per mailbox server). */
  allAccounts?: boolean;
  /** Accounts to watch. */
  add?: WaitSetAccountSpec[];
}

/** Result of {@link AdminCreateWaitSet}. */
export interface AdminCreateWaitSetResult {
  /** The WaitSet id. */
  waitSetId: string;
  /** Default types echoed. */
  defaultTypes: string | undefined;
  /** Starting sequence (opaque string). */
  sequence: string;
  /** Accounts that could not be added. */
  errors: WaitSetAccountError[];
}

/** AdminCreateWaitSetRequest. */
export const AdminCreateWaitSet: SoapRequestDefinition<AdminCreateWaitSetParams, AdminCreateWaitSetResult> = {
  name: 'AdminCreateWaitSetRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  idempotent: false,
  build: (p) => ({
    defTypes: p.defaultTypes ?? 'all',
    ...(p.allAccounts ? { allAccounts: 1 } : {}),
    ...(p.add?.length ? { add: specsElement(p.add) } : {}),
  }),
  parse: (r) => ({
    waitSetId: requireStr(r, 'waitSet', 'AdminCreateWaitSetResponse'),
    defaultTypes: attrStr(r, 'defTypes'),
    sequence: attrStr(r, 'seq') ?? '0',
    errors: parseWaitSetErrors(r),
  }),
};
