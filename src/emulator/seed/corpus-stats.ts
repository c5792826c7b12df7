/**
 * Figures about a corpus for benchmark tables: counts from metadata ({@link corpusStats}) and exact byte totals
 * by building each distinct message once ({@link measureCorpus}).
 * @module
 */
import { throwIfAborted } from '../../errors.js';
import type { Corpus, CorpusMessage } from './corpus-types.js';

/** Counts and sizes of a corpus. */
export interface CorpusStats {
  /** Where message bodies came from, when the corpus says. */
  corpusSource: 'spamassassin' | 'composed' | undefined;
  accounts: number;
  /** Message deliveries over all accounts (a list post counts once per recipient). */
  messages: number;
  /** Distinct messages: unshared ones plus one per `sharedId`. */
  uniqueMessages: number;
  /** Deliveries that carry a `sharedId`. */
  sharedDeliveries: number;
  /** Distinct messages composed with at least one attachment. */
  messagesWithAttachments: number;
  /** Sum of attachment sizes over distinct messages, bytes (known from metadata). */
  attachmentBytes: number;
  /** Sum of `size` over all deliveries whose size is known, bytes. */
  knownBytes: number;
  /** Sum of `size` over distinct messages whose size is known, bytes. */
  knownUniqueBytes: number;
  /** Distinct messages whose size is not known yet (never built); 0 after {@link measureCorpus}. */
  unsizedMessages: number;
  folders: number;
  tags: number;
  contacts: number;
  calendarItems: number;
  documents: number;
  distributionLists: number;
}

/** Calls `fn` once per distinct message (the first delivery of each `sharedId`), in corpus order. */
function forEachUnique(corpus: Corpus, fn: (m: CorpusMessage) => void): void {
  const seen = new Set<string>();
  for (const account of corpus.accounts) {
    for (const m of account.messages) {
      if (m.sharedId !== undefined) {
        if (seen.has(m.sharedId)) continue;
        seen.add(m.sharedId);
      }
      fn(m);
    }
  }
}

/**
 * Counts a corpus from its metadata only (no message is read or composed). Byte totals cover the messages
 * whose size is known; run {@link measureCorpus} first for exact totals.
 */
export function corpusStats(corpus: Corpus): CorpusStats {
  const s: CorpusStats = {
    corpusSource: corpus.corpusSource,
    accounts: corpus.accounts.length,
    messages: 0,
    uniqueMessages: 0,
    sharedDeliveries: 0,
    messagesWithAttachments: 0,
    attachmentBytes: 0,
    knownBytes: 0,
    knownUniqueBytes: 0,
    unsizedMessages: 0,
    folders: 0,
    tags: 0,
    contacts: 0,
    calendarItems: 0,
    documents: 0,
    distributionLists: corpus.distributionLists.length,
  };
  for (const a of corpus.accounts) {
    s.messages += a.messages.length;
    s.folders += a.folders.length;
    s.tags += a.tags.length;
    s.contacts += a.contacts.length;
    s.calendarItems += a.calendar.length;
    s.documents += a.documents.length;
    for (const m of a.messages) {
      if (m.sharedId !== undefined) s.sharedDeliveries++;
      if (m.size !== undefined) s.knownBytes += m.size;
    }
  }
  forEachUnique(corpus, (m) => {
    s.uniqueMessages++;
    if (m.size === undefined) s.unsizedMessages++;
    else s.knownUniqueBytes += m.size;
    if (m.attachments !== undefined && m.attachments.length > 0) {
      s.messagesWithAttachments++;
      for (const att of m.attachments) s.attachmentBytes += att.size;
    }
  });
  return s;
}

/** Options of {@link measureCorpus}. */
export interface MeasureCorpusOptions {
  signal?: AbortSignal;
  /** Called after each distinct message is measured, with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Builds every distinct message whose size is unknown, one at a time (memory stays at one message), so each
 * message's `size` is set; then returns {@link corpusStats} with exact byte totals.
 * @throws ZimbraBackupError `ZB_ABORTED` when `signal` aborts; `ZB_UNSUPPORTED` when composing needs nodemailer.
 */
export async function measureCorpus(corpus: Corpus, opts: MeasureCorpusOptions = {}): Promise<CorpusStats> {
  const todo: CorpusMessage[] = [];
  forEachUnique(corpus, (m) => {
    if (m.size === undefined) todo.push(m);
  });
  let done = 0;
  for (const m of todo) {
    throwIfAborted(opts.signal);
    const bytes = await m.raw();
    // Sources that do not memoise their size still get one.
    if (m.size === undefined) m.size = bytes.length;
    opts.onProgress?.(++done, todo.length);
  }
  // Plain-object corpora do not share a size between deliveries of one sharedId: copy it over.
  const sharedSizes = new Map<string, number>();
  for (const m of todo) if (m.sharedId !== undefined && m.size !== undefined) sharedSizes.set(m.sharedId, m.size);
  for (const a of corpus.accounts) {
    for (const m of a.messages)
      if (m.size === undefined && m.sharedId !== undefined) m.size = sharedSizes.get(m.sharedId);
  }
  return corpusStats(corpus);
}
