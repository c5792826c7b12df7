/**
 * AdminWaitSetRequest (urn:zimbraAdmin): the long poll. A timed-out block echoes `seq` with no
 * accounts; `canceled` means a newer poll on the same set superseded this one.
 * @module
 */
import { attrBool, attrStr, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import {
  parseSignals,
  parseWaitSetErrors,
  specsElement,
  type WaitSetAccountError,
  type WaitSetAccountSpec,
  type WaitSetSignal,
} from './wait-set-types.js';

/** Params of {@link AdminWaitSet}. */
export interface AdminWaitSetParams {
  /** The WaitSet id. */
  waitSetId: string;
  /** Highest sequence seen so far (opaque). */
  sequence: string;
  /** Block until something changes or the timeout passes. Default true. */
  block?: boolean;
  /** Block timeout in seconds (admin range 0..3600, server default 300). */
  timeoutSeconds?: number;
  /**
   * Default interest types (`defTypes`, e.g. `all`). Send it on every poll of an all-accounts set:
   * the server rebuilds a lost `AllWaitSet-…` from `seq` with these types instead of answering
   * NO_SUCH_WAITSET (store/src/java/com/zimbra/cs/service/mail/WaitSetRequest.java,
   * store/src/java/com/zimbra/cs/session/WaitSetMgr.java `lookupOrCreateForAllAccts`).
   */
  defaultTypes?: string;
  /** Accounts to add. */
  add?: WaitSetAccountSpec[];
  /** Accounts to update (new tokens). */
  update?: WaitSetAccountSpec[];
  /** Accounts to stop watching. */
  remove?: WaitSetAccountSpec[];
}

/** Result of {@link AdminWaitSet}. */
export interface AdminWaitSetResult {
  /** The WaitSet id. */
  waitSetId: string;
  /** New sequence to send next time (opaque). */
  sequence: string;
  /** This poll was superseded by another on the same set. */
  canceled: boolean;
  /** Accounts with changes. */
  signals: WaitSetSignal[];
  /** Per-account errors. */
  errors: WaitSetAccountError[];
}

/** AdminWaitSetRequest. */
export const AdminWaitSet: SoapRequestDefinition<AdminWaitSetParams, AdminWaitSetResult> = {
  name: 'AdminWaitSetRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: (p) => {
    const el: SoapElement = { waitSet: p.waitSetId, seq: p.sequence, block: p.block === false ? 0 : 1 };
    if (p.timeoutSeconds !== undefined) el['timeout'] = p.timeoutSeconds;
    if (p.defaultTypes !== undefined) el['defTypes'] = p.defaultTypes;
    if (p.add?.length) el['add'] = specsElement(p.add);
    if (p.update?.length) el['update'] = specsElement(p.update);
    if (p.remove?.length) el['remove'] = specsElement(p.remove);
    return el;
  },
  parse: (r, p) => ({
    waitSetId: attrStr(r, 'waitSet') ?? p.waitSetId,
    sequence: attrStr(r, 'seq') ?? p.sequence,
    canceled: attrBool(r, 'canceled') === true,
    signals: parseSignals(r),
    errors: parseWaitSetErrors(r),
  }),
  // The HTTP deadline must outlast the server-side block (default 300 s) plus slack.
  minTimeoutMs: (p) => (p.block === false ? undefined : ((p.timeoutSeconds ?? 300) + 30) * 1000),
};
