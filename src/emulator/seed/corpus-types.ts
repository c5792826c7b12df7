/**
 * The shape of a deterministic seed corpus: plain data, independent of the emulator, so the
 * same corpus seeds the emulator, the benchmarks and the baselines (files for restic, etc.).
 */

/** One message to deliver. `raw()` rebuilds the same RFC822 bytes on every call, so a large corpus is not held in memory. */
export interface CorpusMessage {
  /** Absolute folder path such as `/Inbox` or `/Inbox/Lists/dev`. */
  folderPath: string;
  /** Zimbra flag string (`u` unread, `f` flagged, `r` replied, `a` attachment...). */
  flags: string;
  /** Tag names. */
  tags: string[];
  /** Received date, ms since the epoch. */
  receivedMs: number;
  /** Size of `raw()` in bytes, when known without building it. */
  size?: number;
  /** The RFC822 bytes, rebuilt deterministically on each call. */
  raw(): Promise<Buffer>;
  /** Set when the same bytes are delivered to several accounts (a mailing-list post). */
  sharedId?: string;
  /** Where the bytes come from: a real dataset message or one composed by the generator. */
  origin?: 'real' | 'composed';
  /** Attachments of a composed message, known without building it (real messages leave this unset). */
  attachments?: CorpusAttachment[];
}

/** One attachment of a composed message. */
export interface CorpusAttachment {
  filename: string;
  contentType: string;
  /** Size of the decoded content, in bytes. */
  size: number;
  /** The decoded bytes, rebuilt deterministically on each call. */
  content(): Promise<Buffer>;
}

/** A contact: Zimbra contact field names (firstName, lastName, email, company, ...). */
export interface CorpusContact {
  folderPath: string;
  fields: Record<string, string>;
}

/** An appointment or task as a whole iCalendar object (lossless: UID, RRULE, exceptions, attendees). */
export interface CorpusCalendarItem {
  kind: 'appointment' | 'task';
  folderPath: string;
  uid: string;
  ics: string;
}

/** A Briefcase document. */
export interface CorpusDocument {
  folderPath: string;
  name: string;
  contentType: string;
  content(): Promise<Buffer>;
}

/** Everything one account holds. */
export interface CorpusAccount {
  /** Full address, e.g. `user1@example.test`. */
  name: string;
  password: string;
  displayName: string;
  /** User folders to create (absolute paths; system folders exist already). */
  folders: Array<{ path: string; view: 'message' | 'contact' | 'appointment' | 'task' | 'document' }>;
  tags: Array<{ name: string; color: number }>;
  messages: CorpusMessage[];
  contacts: CorpusContact[];
  calendar: CorpusCalendarItem[];
  documents: CorpusDocument[];
  /** Name of the class of service (one of `Corpus.coses`) the account belongs to, when set. */
  cos?: string;
}

/** A whole seed corpus. */
export interface Corpus {
  domain: string;
  seed: number;
  accounts: CorpusAccount[];
  distributionLists: Array<{ name: string; members: string[] }>;
  coses: Array<{ name: string; attrs: Record<string, string> }>;
  /** Where real message bodies came from: the SpamAssassin dataset, or none (every message composed). */
  corpusSource?: 'spamassassin' | 'composed';
  /** The fixed "now" of the corpus (ms since the epoch), derived from the seed; received dates lie before it. */
  epochMs?: number;
}
