/**
 * {@link buildCorpus}: the deterministic seed corpus (accounts, folders, tags, messages, contacts, calendar,
 * documents, lists, classes of service) as metadata; message bytes are produced lazily by `raw()`.
 * @module
 */
import type { AttachmentKind } from './attachment-bytes.js';
import { resolveCorpusOptions, type BuildCorpusOptions, type ResolvedCorpusOptions } from './build-options.js';
import { calendarItem } from './calendar.js';
import { SeedAttachment, composedKey, type ComposedPlan } from './compose-message.js';
import { companyOf, contactFor } from './contacts.js';
import type { Corpus, CorpusAccount } from './corpus-types.js';
import { documentFor } from './documents.js';
import { allocatePosts, planLists, type ListPlan } from './mailing-lists.js';
import { Rng, hash32 } from './prng.js';
import { ComposedContent, RealContent, SeedMessage, type MessageContent } from './seed-message.js';
import { SpamAssassinSource, type RealMessageSource } from './spam-assassin.js';
import { COMPANIES, fileWord, randomPerson, type Person } from './vocabulary.js';

/** A corpus as {@link buildCorpus} returns it: the optional provenance fields are always set. */
export interface BuiltCorpus extends Corpus {
  corpusSource: 'spamassassin' | 'composed';
  epochMs: number;
}

const DAY = 86_400_000;
/** Received dates spread over this many days before the corpus epoch. */
const WINDOW_DAYS = 90;
const MESSAGE_FOLDERS = [
  '/Inbox/Projects',
  '/Inbox/Projects/Alpha',
  '/Inbox/Projects/Beta',
  '/Inbox/Receipts',
  '/Archive',
  '/Archive/2024',
  '/Archive/Réunions 2024',
  '/Newsletters',
];
const FILING = ['/Inbox', ...MESSAGE_FOLDERS, '/Trash'];
const FILING_WEIGHTS = [52, 5, 5, 4, 5, 10, 6, 3, 6, 4];
const TAGS = [
  { name: 'Important', color: 5 },
  { name: 'Work', color: 1 },
  { name: 'Personal', color: 3 },
  { name: 'Follow-up', color: 9 },
  { name: 'Later', color: 6 },
  { name: 'Finance', color: 4 },
];
const KINDS: AttachmentKind[] = ['pdf', 'jpeg', 'csv', 'zip'];
const KIND_WEIGHTS = [40, 25, 20, 15];
/** Share of real messages drawn from the spam groups (the dataset itself is about 31% spam). */
const SPAM_SHARE = 0.15;
/** Real-message pools split by spam/ham, computed once per source. */
const pools = new WeakMap<RealMessageSource, { ham: number[]; spam: number[] }>();

/** The fixed "now" of a corpus: a whole day in 2025 chosen by the seed, never the wall clock. */
export function corpusEpoch(seed: number): number {
  return Date.UTC(2025, 0, 1) + (hash32(seed, 'epoch') % 365) * DAY;
}

function poolsOf(source: RealMessageSource): { ham: number[]; spam: number[] } {
  let p = pools.get(source);
  if (p === undefined) {
    p = { ham: [], spam: [] };
    for (let i = 0; i < source.count; i++) (source.isSpam(i) ? p.spam : p.ham).push(i);
    if (p.ham.length === 0) p.ham = p.spam;
    if (p.spam.length === 0) p.spam = p.ham;
    pools.set(source, p);
  }
  return p;
}

/** The organisation name of the corpus domain, for colleagues' contacts (`example.test` -> `Example Inc.`). */
function organisationOf(domain: string): string {
  const label = domain.split('.')[0] ?? domain;
  return `${label.charAt(0).toUpperCase()}${label.slice(1)} Inc.`;
}

/** Zimbra writes flags in bit order (mailbox/Flag.java): s, a, r, w, f, u. */
function flagString(f: {
  sent?: boolean;
  attach: boolean;
  replied?: boolean;
  forwarded?: boolean;
  flagged?: boolean;
  unread?: boolean;
}): string {
  return (
    (f.sent ? 's' : '') +
    (f.attach ? 'a' : '') +
    (f.replied ? 'r' : '') +
    (f.forwarded ? 'w' : '') +
    (f.flagged ? 'f' : '') +
    (f.unread ? 'u' : '')
  );
}

/** Builds the corpus; see {@link BuildCorpusOptions}. Pure metadata: no message body is read or composed. */
class CorpusBuilder {
  readonly o: ResolvedCorpusOptions;
  readonly source: RealMessageSource | undefined;
  readonly epochMs: number;
  readonly people: Person[];
  readonly externals: Person[];

  constructor(o: ResolvedCorpusOptions, source: RealMessageSource | undefined) {
    this.o = o;
    this.source = source;
    this.epochMs = corpusEpoch(o.seed);
    this.people = Array.from({ length: o.accounts }, (_, i) => {
      const p = randomPerson(new Rng(o.seed, 'account', i), o.domain);
      return { ...p, address: `user${i + 1}@${o.domain}` };
    });
    this.externals = Array.from({ length: 40 }, (_, k) => {
      const rng = new Rng(o.seed, 'external', k);
      return randomPerson(rng, rng.pick(COMPANIES).domain);
    });
  }

  /** Attachments for a composed message (one to three, log-uniform sizes), keyed by the message coordinates. */
  attachments(rng: Rng, key: number): SeedAttachment[] {
    const n = rng.weighted([1, 2, 3], [70, 22, 8]);
    const out: SeedAttachment[] = [];
    for (let i = 0; i < n; i++) {
      const kind = rng.weighted(KINDS, KIND_WEIGHTS);
      const size = rng.logInt(this.o.attachmentSizes.min, this.o.attachmentSizes.max);
      out.push(new SeedAttachment(kind, hash32(key, 'attachment', i), size, `${fileWord(rng)}-${i + 1}`));
    }
    return out;
  }

  /**
   * The bytes of a delivery: composed (with attachments, when `compose` is set, or when no real source exists)
   * or a real message (spam allowed only for regular deliveries).
   */
  content(
    rng: Rng,
    key: number,
    withAttachments: boolean,
    compose: boolean,
    plan: () => Omit<ComposedPlan, 'key' | 'attachments'>,
    trace: { recipient: string; receivedMs: number },
    allowSpam: boolean,
  ): MessageContent {
    if (withAttachments || compose || this.source === undefined) {
      const p = plan();
      return new ComposedContent({
        key,
        dateMs: p.dateMs,
        from: p.from,
        to: p.to,
        cc: p.cc,
        list: p.list,
        attachments: withAttachments ? this.attachments(rng, key) : [],
      });
    }
    const p = poolsOf(this.source);
    const pool = allowSpam && rng.chance(SPAM_SHARE) ? p.spam : p.ham;
    return new RealContent(this.source, rng.pick(pool), {
      domain: this.o.domain,
      recipient: trace.recipient,
      receivedMs: trace.receivedMs,
      key,
    });
  }

  /** Another account's person, or undefined when the corpus has one account. */
  colleague(rng: Rng, self: number): Person | undefined {
    if (this.people.length < 2) return undefined;
    const j = rng.int(0, this.people.length - 2);
    return this.people[j >= self ? j + 1 : j];
  }

  /** A correspondent: a colleague half of the time, else an external person. */
  otherPerson(rng: Rng, self: number): Person {
    return (rng.chance(0.5) ? this.colleague(rng, self) : undefined) ?? rng.pick(this.externals);
  }

  /** Up to `n` distinct colleagues of account `self`. */
  colleagues(rng: Rng, self: number, n: number): Person[] {
    const seen = new Set<Person>();
    for (let tries = 0; seen.size < Math.min(n, this.people.length - 1) && tries < n * 4; tries++) {
      const p = this.colleague(rng, self);
      if (p !== undefined) seen.add(p);
    }
    return [...seen];
  }

  /** One regular (unshared) message of account `a`. */
  regularMessage(a: number, j: number, tags: readonly string[]): SeedMessage {
    const { seed, attachmentShare } = this.o;
    const rng = new Rng(seed, 'message', a, j);
    const receivedMs = this.epochMs - Math.floor(rng.next() * WINDOW_DAYS * 86_400) * 1000;
    const withAttachments = rng.chance(attachmentShare);
    // Mail the account sent itself is always composed: dataset messages were not written by our accounts.
    const sent = rng.chance(0.05);
    const me = this.people[a] as Person;
    const other = this.otherPerson(rng, a);
    const key = composedKey(seed, a, j);
    const content = this.content(
      rng,
      key,
      withAttachments,
      sent,
      () => {
        const cc = rng.chance(0.15) ? [this.otherPerson(rng, a)].filter((p) => p !== me && p !== other) : [];
        return sent
          ? { dateMs: receivedMs, from: me, to: [other], cc }
          : { dateMs: receivedMs - rng.int(2, 600) * 1000, from: other, to: [me], cc };
      },
      { recipient: me.address, receivedMs },
      true,
    );
    const spam = content instanceof RealContent && this.source?.isSpam(content.index) === true;
    let folderPath: string;
    if (sent) folderPath = '/Sent';
    else if (spam && rng.chance(0.7)) folderPath = '/Junk';
    else folderPath = rng.weighted(FILING, FILING_WEIGHTS);
    const recent = this.epochMs - receivedMs < 7 * DAY;
    const unread = !sent && rng.chance(folderPath === '/Junk' ? 0.7 : recent ? 0.6 : 0.15);
    const flags = flagString({
      sent,
      attach: withAttachments,
      replied: !sent && !unread && !spam && rng.chance(0.15),
      forwarded: !sent && !unread && rng.chance(0.03),
      flagged: rng.chance(0.05),
      unread,
    });
    return new SeedMessage(content, folderPath, flags, this.pickTags(rng, tags), receivedMs);
  }

  pickTags(rng: Rng, tags: readonly string[]): string[] {
    if (tags.length === 0) return [];
    const r = rng.next();
    return r < 0.03 ? rng.sample(tags, 2) : r < 0.15 ? [rng.pick(tags)] : [];
  }

  /** List deliveries per account: one shared content per post, own flags and folder per recipient. */
  listDeliveries(lists: ListPlan[], accountTags: string[][]): SeedMessage[][] {
    const { seed, accounts, messagesPerAccount, listShare, attachmentShare } = this.o;
    const out: SeedMessage[][] = Array.from({ length: accounts }, () => []);
    const cap = accounts >= 2 ? Math.round(listShare * messagesPerAccount) : 0;
    if (cap === 0) return out;
    for (const post of allocatePosts(seed, lists, accounts, cap)) {
      const rng = new Rng(seed, 'post', post.index);
      const receivedMs = this.epochMs - Math.floor(rng.next() * WINDOW_DAYS * 86_400) * 1000;
      const withAttachments = rng.chance(attachmentShare);
      const author = rng.chance(0.7) ? (this.people[rng.pick(post.list.members)] as Person) : rng.pick(this.externals);
      const listPerson: Person = { firstName: 'all', lastName: '', name: post.list.local, address: post.list.address };
      const content = this.content(
        rng,
        composedKey(seed, 'post', post.index),
        withAttachments,
        false,
        () => ({
          dateMs: receivedMs - rng.int(5, 900) * 1000,
          from: author,
          to: [listPerson],
          cc: [],
          list: post.list.address,
        }),
        { recipient: post.list.address, receivedMs },
        false,
      );
      const sharedId = `list-${post.list.local}-${post.index}`;
      for (const a of post.recipients) {
        const r = new Rng(seed, 'delivery', post.index, a);
        const folderPath = r.chance(0.8) ? `/Inbox/Lists/${post.list.local}` : '/Inbox';
        const unread = r.chance(this.epochMs - receivedMs < 7 * DAY ? 0.7 : 0.3);
        const flags = flagString({
          attach: withAttachments,
          replied: !unread && r.chance(0.05),
          flagged: r.chance(0.03),
          unread,
        });
        out[a]?.push(
          new SeedMessage(content, folderPath, flags, this.pickTags(r, accountTags[a] ?? []), receivedMs, sharedId),
        );
      }
    }
    return out;
  }

  account(
    a: number,
    lists: ListPlan[],
    tags: Array<{ name: string; color: number }>,
    shared: SeedMessage[],
  ): CorpusAccount {
    const { seed, domain, messagesPerAccount, contactsPerAccount, calendarPerAccount, documentsPerAccount } = this.o;
    const me = this.people[a] as Person;
    const rng = new Rng(seed, 'account-extra', a);
    const memberOf = lists.filter((l) => l.members.includes(a));
    const folders: CorpusAccount['folders'] = [
      ...MESSAGE_FOLDERS.map((path) => ({ path, view: 'message' as const })),
      ...(memberOf.length > 0 ? [{ path: '/Inbox/Lists', view: 'message' as const }] : []),
      ...memberOf.map((l) => ({ path: `/Inbox/Lists/${l.local}`, view: 'message' as const })),
      { path: '/Contacts/Work', view: 'contact' },
      { path: '/Calendar/Team', view: 'appointment' },
      { path: '/Briefcase/Reports', view: 'document' },
    ];
    const tagNames = tags.map((t) => t.name);
    const messages = shared.slice();
    for (let j = 0; messages.length < messagesPerAccount; j++) messages.push(this.regularMessage(a, j, tagNames));
    messages.sort((x, y) => x.receivedMs - y.receivedMs);
    const contacts = Array.from({ length: contactsPerAccount }, (_, k) => {
      const r = new Rng(seed, 'contact', a, k);
      const colleague = r.chance(0.4) ? this.colleague(r, a) : undefined;
      const person = colleague ?? randomPerson(r, r.pick(COMPANIES).domain);
      return contactFor(r, person, colleague !== undefined ? organisationOf(domain) : companyOf(r, person.address), [
        '/Contacts/Work',
      ]);
    });
    const invitees = [...this.colleagues(rng, a, 6), ...rng.sample(this.externals, 2)];
    const calendar = Array.from({ length: calendarPerAccount }, (_, k) =>
      calendarItem(new Rng(seed, 'calendar', a, k), { epochMs: this.epochMs, owner: me, invitees }, k, [
        '/Calendar/Team',
      ]),
    );
    const documents = Array.from({ length: documentsPerAccount }, (_, k) =>
      documentFor(seed, a, k, ['/Briefcase/Reports']),
    );
    return {
      name: me.address,
      password: `Seed-${rng.hex(12)}`,
      displayName: me.name,
      folders,
      tags,
      messages,
      contacts,
      calendar,
      documents,
      cos: rng.chance(0.2) ? 'premium' : 'standard',
    };
  }

  build(): BuiltCorpus {
    const { seed, domain, accounts } = this.o;
    const lists = planLists(seed, accounts, domain);
    const accountTags = Array.from({ length: accounts }, (_, a) =>
      new Rng(seed, 'tags', a).sample(TAGS, new Rng(seed, 'tag-count', a).int(3, 5)),
    );
    const shared = this.listDeliveries(
      lists,
      accountTags.map((t) => t.map((x) => x.name)),
    );
    const accountList = Array.from({ length: accounts }, (_, a) =>
      this.account(a, lists, accountTags[a] ?? [], shared[a] ?? []),
    );
    return {
      domain,
      seed,
      accounts: accountList,
      distributionLists: lists.map((l) => ({
        name: l.address,
        members: l.members.map((m) => (this.people[m] as Person).address),
      })),
      coses: [
        {
          name: 'standard',
          attrs: {
            description: 'Seed corpus: standard mailboxes',
            zimbraMailQuota: '5368709120',
            zimbraMailTrashLifetime: '30d',
            zimbraPrefMailPollingInterval: '5m',
          },
        },
        {
          name: 'premium',
          attrs: {
            description: 'Seed corpus: large mailboxes',
            zimbraMailQuota: '53687091200',
            zimbraMailTrashLifetime: '60d',
            zimbraFeatureMobileSyncEnabled: 'TRUE',
          },
        },
      ],
      corpusSource: this.source === undefined ? 'composed' : 'spamassassin',
      epochMs: this.epochMs,
    };
  }
}

/**
 * Builds a deterministic seed corpus: N accounts with M messages each (real SpamAssassin messages when the
 * dataset is installed, composed messages with attachments, mailing-list posts shared between accounts), plus
 * folders, tags, contacts, calendar items, documents, distribution lists and classes of service.
 *
 * Only metadata is built: message bytes are read or composed by each message's `raw()`, on demand.
 * @param opts - see {@link BuildCorpusOptions}; equal options give an identical corpus and identical bytes.
 * @returns the corpus; `corpusSource` says whether real messages were available.
 * @throws ZimbraBackupError `ZB_INVALID_ARGUMENT` on invalid options.
 * @example
 * ```ts
 * const corpus = buildCorpus({ seed: 1, accounts: 3, messagesPerAccount: 20 });
 * const first = await corpus.accounts[0]!.messages[0]!.raw(); // RFC822 bytes
 * ```
 */
export function buildCorpus(opts: BuildCorpusOptions): BuiltCorpus {
  const o = resolveCorpusOptions(opts);
  const source =
    opts.realMessages ??
    (opts.spamAssassinDir === null ? undefined : SpamAssassinSource.open(opts.spamAssassinDir ?? undefined));
  return new CorpusBuilder(o, source !== undefined && source.count > 0 ? source : undefined).build();
}
