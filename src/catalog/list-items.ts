/**
 * What `zimbra-backup ls` shows: the items of an account as they were at an instant, or the
 * items deleted in a window, with their folder paths. A reader: never takes the lock.
 * @module
 */
import { envelopeOf } from '../backup/message-envelope.js';
import type { ItemRecord, MailboxState } from '../journal/types.js';
import type { Repository } from '../repository/repository.js';

/** One line of `ls`. */
export interface ListedItem {
  id: string;
  kind: ItemRecord['kind'];
  /** Path of the containing folder (for folders: their own path). */
  path: string;
  name?: string;
  flags: string;
  tags: string[];
  dateMs?: number;
  size?: number;
  digest?: string;
  /** Capture time of the version shown, ms since the epoch. */
  versionMs: number;
  /** With `deleted`: when the deletion was captured. */
  deletedMs?: number;
  /** Messages: the envelope recorded at capture (absent for records written before envelopes). */
  subject?: string;
  /** Messages: the sender, `Name <address>`. */
  from?: string;
  /** Messages: To and Cc addresses. */
  to?: string[];
  /** Messages: Message-ID. */
  messageId?: string;
  /** Type-specific metadata of the version shown (contact fields...), as the journal records it. */
  meta?: ItemRecord['meta'];
}

/** Options of {@link listItems}. */
export interface ListItemsOptions {
  repository: Repository;
  /** Account name or zimbraId. */
  account: string;
  /** The instant, ms since the epoch. Default: now (the current state). */
  at?: number;
  /** List deleted items instead (deleted between `from` and `at`). */
  deleted?: boolean;
  /** Start of the deletion window with `deleted`, ms. Default 0. */
  from?: number;
  /** Only items under this folder path (e.g. `/Inbox`), subfolders included. */
  folder?: string;
  /** Only messages whose subject contains this text (case-insensitive). */
  subject?: string;
  /** Only messages whose sender (name or address) contains this text (case-insensitive). */
  sender?: string;
  /** Only items whose date (a message's received date) lies in [start, end], ms since the epoch. */
  between?: [number, number];
  signal?: AbortSignal;
}

/** Resolves an account name or id through the repository's account index. */
export async function resolveAccount(
  repository: Repository,
  account: string,
  signal?: AbortSignal,
): Promise<{ id: string; name: string }> {
  const entry = await repository.requireAccount(account, signal);
  return { id: entry.id, name: entry.name };
}

function pathOf(state: MailboxState, rec: ItemRecord): string {
  const own = state.folders.get(rec.id);
  if (own) return own.path;
  return rec.folderId !== undefined ? (state.folders.get(rec.folderId)?.path ?? `(folder ${rec.folderId})`) : '/';
}

function under(path: string, folder: string | undefined): boolean {
  if (folder === undefined) return true;
  const f = folder.replace(/\/+$/, '').toLowerCase();
  const p = path.toLowerCase();
  return p === f || p.startsWith(`${f}/`);
}

function listed(state: MailboxState, rec: ItemRecord, deletedMs?: number): ListedItem {
  return {
    id: rec.id,
    kind: rec.kind,
    path: pathOf(state, rec),
    flags: rec.flags ?? '',
    tags: rec.tags ?? [],
    versionMs: rec.captureMs,
    ...(rec.name !== undefined ? { name: rec.name } : {}),
    ...(rec.dateMs !== undefined ? { dateMs: rec.dateMs } : {}),
    ...(rec.size !== undefined ? { size: rec.size } : {}),
    ...(rec.digest !== undefined ? { digest: rec.digest } : {}),
    ...(deletedMs !== undefined ? { deletedMs } : {}),
    ...envelopeFields(rec),
    ...(rec.meta !== undefined ? { meta: rec.meta } : {}),
  };
}

function envelopeFields(rec: ItemRecord): Partial<ListedItem> {
  const e = rec.kind === 'message' ? envelopeOf(rec.meta) : undefined;
  if (!e) return {};
  return {
    ...(e.subject !== undefined ? { subject: e.subject } : {}),
    ...(e.from !== undefined ? { from: e.from } : {}),
    ...(e.to !== undefined ? { to: e.to } : {}),
    ...(e.messageId !== undefined ? { messageId: e.messageId } : {}),
  };
}

/** The search filters of {@link ListItemsOptions} as one predicate. */
function matches(opts: ListItemsOptions): (i: ListedItem) => boolean {
  const subject = opts.subject?.toLowerCase();
  const sender = opts.sender?.toLowerCase();
  const between = opts.between;
  return (i) =>
    (subject === undefined || (i.subject ?? '').toLowerCase().includes(subject)) &&
    (sender === undefined || (i.from ?? '').toLowerCase().includes(sender)) &&
    (between === undefined || (i.dateMs !== undefined && i.dateMs >= between[0] && i.dateMs <= between[1]));
}

/** Lists an account's items at an instant, or its deleted items, sorted by path then id. */
export async function listItems(opts: ListItemsOptions): Promise<ListedItem[]> {
  const { repository, signal } = opts;
  const account = await resolveAccount(repository, opts.account, signal);
  const journal = await repository.journal(account.id, { readOnly: true, ...(signal ? { signal } : {}) });
  try {
    const at = opts.at ?? Number.MAX_SAFE_INTEGER;
    let out: ListedItem[];
    if (opts.deleted) {
      const gone = await journal.deletedBetween(opts.from ?? 0, at, signal ? { signal } : {});
      // Folder paths as they were before the deletions: the latest view first (folders created
      // late in the window), then the earliest (folders deleted early in it).
      const times = gone.map((g) => g.deletedCaptureMs);
      const late = await journal.stateAt(Math.max(0, Math.max(...times, 1) - 1));
      const early = await journal.stateAt(Math.max(0, Math.min(...times, at) - 1));
      out = gone.map((g) => {
        const fid = g.lastVersion.folderId ?? '';
        const view = late.folders.has(fid) || late.folders.has(g.id) ? late : early;
        return listed(view, g.lastVersion, g.deletedCaptureMs);
      });
    } else {
      const state = opts.at === undefined ? journal.current() : await journal.stateAt(at, signal ? { signal } : {});
      out = [...state.items.values()].map((r) => listed(state, r));
    }
    return out
      .filter((i) => under(i.path, opts.folder))
      .filter(matches(opts))
      .sort((a, b) => a.path.localeCompare(b.path) || Number(a.id) - Number(b.id));
  } finally {
    await journal.close();
  }
}
