/**
 * GetMailboxRequest (urn:zimbraAdmin): the mailbox id and size of an account.
 * @module
 */
import { attrNum, children, requireStr } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';

/** Params of {@link GetMailbox}. */
export interface GetMailboxParams {
  /** The account's zimbraId. */
  accountId: string;
}

/** Result of {@link GetMailbox}. */
export interface GetMailboxResult {
  /** Mailbox id on its server (`mbxid`). */
  mailboxId: string;
  /** Mailbox size in bytes (`s`). */
  size: number | undefined;
}

/** GetMailboxRequest. */
export const GetMailbox: SoapRequestDefinition<GetMailboxParams, GetMailboxResult> = {
  name: 'GetMailboxRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: (p) => ({ mbox: { id: p.accountId } }),
  parse: (r) => {
    const mbox = children(r, 'mbox')[0];
    return { mailboxId: requireStr(mbox, 'mbxid', 'mbox'), size: attrNum(mbox, 's') };
  },
};
