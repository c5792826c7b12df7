/**
 * The repository path layout: the one place that knows where things live (docs/FORMAT.md "Layout").
 *
 * ```
 * FORMAT                                   repository config (format name, version, id, compression)
 * blobs/ab/cd/<sha256-hex>                 one object per distinct content
 * accounts/<zimbraId>/journal/...          per-account journal segments and checkpoints
 * accounts/<zimbraId>/attributes/...       account attribute snapshots
 * directory/<yyyymmddThhmmssZ>.ldif.gz     directory dumps
 * index/accounts.json                      accounts seen (zimbraId, name, first/last seen, deleted)
 * locks/<lock-id>.json                     writer locks
 * restores/<restore-id>/...                restore bookkeeping (id maps, progress)
 * quarantine/<name>                        objects moved aside by check/repair
 * ```
 * Every variable part is validated (src/internal/safe-id.ts) before it becomes a key segment.
 * @module
 */
import { safeSegment, safeZimbraId } from '../internal/safe-id.js';
import { fanOutBlobLayout, type BlobKeyLayout } from '../store/blob-key.js';

/** Key of the FORMAT object. */
export const FORMAT_KEY = 'FORMAT';
/** Prefix of all blob objects. */
export const BLOBS_PREFIX = 'blobs/';
/** Prefix of all per-account data. */
export const ACCOUNTS_PREFIX = 'accounts/';
/** Prefix of directory dumps. */
export const DIRECTORY_PREFIX = 'directory/';
/** Prefix of lock objects. */
export const LOCKS_PREFIX = 'locks/';
/** Prefix of restore bookkeeping. */
export const RESTORES_PREFIX = 'restores/';
/** Prefix of quarantined objects. */
export const QUARANTINE_PREFIX = 'quarantine/';
/** Prefix of the web console's operation history (who ran what, when, with what outcome). */
export const CONSOLE_OPERATIONS_PREFIX = 'console/operations/';
/** Prefix of task requests to the process holding the writer lock (task-requests.ts). */
export const REQUESTS_PREFIX = 'requests/';
/** The accounts the repository has seen (zimbraId, name, first/last seen, deleted). */
export const ACCOUNT_INDEX_KEY = 'index/accounts.json';

/** Blob keys: `blobs/ab/cd/<hex>`. */
export const blobLayout: BlobKeyLayout = fanOutBlobLayout(BLOBS_PREFIX);

/**
 * `accounts/<zimbraId>/` (the id is validated and lower-cased): the prefix the account's Journal is
 * opened with (the journal keeps its objects in `journal/` below it). Open journals through
 * `Repository.journal()` rather than by hand.
 */
export function accountPrefix(zimbraId: string): string {
  return `${ACCOUNTS_PREFIX}${safeZimbraId(zimbraId)}/`;
}

/** `accounts/<zimbraId>/attributes/`: account attribute snapshots. */
export function attributesPrefix(zimbraId: string): string {
  return `${accountPrefix(zimbraId)}attributes/`;
}

/** The zimbraId of a key under `accounts/`, or undefined when the key is not a valid account key. */
export function accountIdOfKey(key: string): string | undefined {
  if (!key.startsWith(ACCOUNTS_PREFIX)) return undefined;
  const id = key.slice(ACCOUNTS_PREFIX.length).split('/')[0] ?? '';
  try {
    return safeZimbraId(id) === id ? id : undefined;
  } catch {
    return undefined;
  }
}

/** `directory/<yyyymmddThhmmssZ>.ldif.gz` (or `.ldif` when not compressed) for a dump taken at `at`. */
export function directoryDumpKey(at: Date, gzip = true): string {
  return `${DIRECTORY_PREFIX}${compactTime(at)}.ldif${gzip ? '.gz' : ''}`;
}

/** When the dump at `key` (`directory/<yyyymmddThhmmssZ>.ldif[.gz]`) was taken, ms; undefined for other keys. */
export function directoryDumpTime(key: string): number | undefined {
  const m = /^directory\/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.ldif(?:\.gz)?$/.exec(key);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** `locks/<lockId>.json`. */
export function lockKey(lockId: string): string {
  return `${LOCKS_PREFIX}${safeSegment(lockId, 'lockId')}.json`;
}

/** The lock id of a key under `locks/`, or undefined. */
export function lockIdOfKey(key: string): string | undefined {
  const m = /^locks\/([A-Za-z0-9][A-Za-z0-9_.-]{0,127})\.json$/.exec(key);
  return m?.[1];
}

/** `restores/<restoreId>/`. */
export function restorePrefix(restoreId: string): string {
  return `${RESTORES_PREFIX}${safeSegment(restoreId, 'restoreId')}/`;
}

/** `console/operations/<id>.json`: one operation of the console's history (`id` validated like an id). */
export function consoleOperationKey(id: string): string {
  return `${CONSOLE_OPERATIONS_PREFIX}${safeSegment(id, 'operationId')}.json`;
}

/** `requests/<id>.json` (a task request to the lock holder), or `requests/<id>.result.json` (its answer). */
export function requestKey(id: string, result = false): string {
  return `${REQUESTS_PREFIX}${safeSegment(id, 'requestId')}${result ? '.result' : ''}.json`;
}

/** The request id of a `requests/` key, and whether it is the answer. */
export function requestIdOfKey(key: string): { id: string; result: boolean } | undefined {
  const m = /^requests\/([^/]+?)(\.result)?\.json$/.exec(key);
  return m ? { id: m[1] as string, result: m[2] !== undefined } : undefined;
}

/** `quarantine/<name>` for an object moved aside by check/repair (`name` is validated like an id). */
export function quarantineKey(name: string): string {
  return `${QUARANTINE_PREFIX}${safeSegment(name, 'quarantineName')}`;
}

/** `20261126T042400Z`: sortable, and safe as a key segment on every backend. */
export function compactTime(at: Date): string {
  const iso = at.toISOString(); // 2026-11-26T04:24:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}
