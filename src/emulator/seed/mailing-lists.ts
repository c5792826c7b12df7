/**
 * Distribution lists of the seed corpus and the allocation of list posts to their members, so that a known share
 * of every mailbox is mail that several mailboxes hold byte for byte (what dedup before transfer must exploit).
 * @module
 */
import { Rng } from './prng.js';

/** A distribution list: its address and member account indexes. */
export interface ListPlan {
  /** Local part, also the name of the member's list folder (`/Inbox/Lists/<local>`). */
  local: string;
  address: string;
  members: number[];
}

/** One post and the accounts it is delivered to. */
export interface ListPost {
  /** Sequence number, unique in the corpus. */
  index: number;
  list: ListPlan;
  recipients: number[];
}

const TEAM_LISTS = ['dev', 'sales', 'ops'];

/**
 * Plans the corpus's lists: `all-staff` with every account, and up to three team lists over random subsets
 * (at least two members each, so posts to them are shared).
 */
export function planLists(seed: number, accounts: number, domain: string): ListPlan[] {
  if (accounts === 0) return [];
  const all = Array.from({ length: accounts }, (_, i) => i);
  const lists: ListPlan[] = [{ local: 'all-staff', address: `all-staff@${domain}`, members: all }];
  const teams = Math.min(TEAM_LISTS.length, Math.floor(accounts / 2));
  for (let t = 0; t < teams; t++) {
    const rng = new Rng(seed, 'list', t);
    const size = rng.int(2, Math.max(2, Math.ceil(accounts / 2)));
    const members = rng.sample(all, size).sort((a, b) => a - b);
    const local = TEAM_LISTS[t] as string;
    lists.push({ local, address: `${local}@${domain}`, members });
  }
  return lists;
}

/**
 * Allocates posts until each account holds `capPerAccount` list deliveries or no list can reach two members
 * with room left. Team lists get posts three times as often as `all-staff`.
 * @returns the posts in order; each recipient list has at least two accounts.
 */
export function allocatePosts(
  seed: number,
  lists: readonly ListPlan[],
  accounts: number,
  capPerAccount: number,
): ListPost[] {
  const room = new Int32Array(accounts).fill(capPerAccount);
  const active = lists.filter((l) => l.members.length >= 2);
  const posts: ListPost[] = [];
  const rng = new Rng(seed, 'posts');
  while (active.length > 0) {
    const list = rng.weighted(
      active,
      active.map((l) => (l.local === 'all-staff' ? 1 : 3)),
    );
    const recipients = list.members.filter((m) => (room[m] ?? 0) > 0);
    if (recipients.length < 2) {
      active.splice(active.indexOf(list), 1);
      continue;
    }
    for (const r of recipients) room[r] = (room[r] ?? 0) - 1;
    posts.push({ index: posts.length, list, recipients });
  }
  return posts;
}
