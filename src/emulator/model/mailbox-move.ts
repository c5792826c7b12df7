/**
 * A mailbox move between servers of a cluster (what `zmmboxmove` does): the target server
 * creates a new mailbox (a new mailbox id and its own change counter, so sync tokens of the old
 * server mean nothing there) and copies every item into it with its id, uuid, content, folder,
 * flags and tags. Nothing is deleted from the account's point of view; only its tokens change.
 */
import { Mailbox } from './mailbox.js';
import type { MailItem } from './item.js';

/** Copies `old` into a new mailbox with id `mailboxId`; the caller swaps it in and drops the old one. */
export function copyMailbox(old: Mailbox, mailboxId: number): Mailbox {
  const fresh = new Mailbox(old.accountId, mailboxId, old.clock);
  const clone = (it: MailItem): MailItem => ({ ...it, tagIds: [...it.tagIds] });
  fresh.transaction((txn) => {
    for (const it of [...old.items.values()].sort((a, b) => a.id - b.id)) {
      const existing = fresh.items.get(it.id);
      const { modifiedSequence: _m, savedSequence: _s, changeDate: _c, ...rest } = clone(it);
      if (existing) txn.modify(existing, (e) => Object.assign(e, rest));
      else txn.create(rest);
    }
  });
  fresh.nextId = old.nextId;
  for (const [k, v] of old.messageIds) fresh.messageIds.set(k, v);
  for (const [k, v] of old.convMembers) fresh.convMembers.set(k, new Set(v));
  return fresh;
}
