/**
 * The repository's list of accounts it has seen: zimbraId, name, when first and last seen, and
 * when the server stopped listing it. One small JSON object, replaced atomically; it lets
 * `status`, `ls` and restores find an account by name without listing every object.
 * @module
 */
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { isZimbraBackupError, ZimbraBackupError } from '../errors.js';
import { ACCOUNT_INDEX_KEY } from './layout.js';
import type { StorageBackend } from '../store/backends/backend.js';

/** One account known to the repository. */
export interface AccountIndexEntry {
  /** zimbraId. */
  id: string;
  /** Primary address when last seen. */
  name: string;
  /** First capture, ms since the epoch. */
  firstSeenMs: number;
  /** Last time the server listed it, ms since the epoch. */
  lastSeenMs: number;
  /** When the server stopped listing it (the backup is kept for the account retention). */
  deletedMs?: number;
}

/** Reads the account index; an absent index is empty. */
export async function readAccountIndex(backend: StorageBackend, signal?: AbortSignal): Promise<AccountIndexEntry[]> {
  let body: string;
  try {
    body = await text(await backend.get(ACCOUNT_INDEX_KEY, signal ? { signal } : {}));
  } catch (err) {
    if (isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) return [];
    throw err;
  }
  try {
    const parsed = JSON.parse(body) as { version?: number; accounts?: AccountIndexEntry[] };
    if (parsed.version !== 1 || !Array.isArray(parsed.accounts)) throw new Error('unexpected shape');
    return parsed.accounts;
  } catch (cause) {
    throw new ZimbraBackupError(`account index ${ACCOUNT_INDEX_KEY} is corrupt`, {
      code: 'ZB_REPOSITORY_CORRUPT',
      cause,
      data: { key: ACCOUNT_INDEX_KEY },
    });
  }
}

/** Replaces the account index (atomic put). Writers hold the repository lock. */
export async function writeAccountIndex(
  backend: StorageBackend,
  accounts: AccountIndexEntry[],
  signal?: AbortSignal,
): Promise<void> {
  const sorted = [...accounts].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const bytes = Buffer.from(`${JSON.stringify({ version: 1, accounts: sorted }, null, 1)}\n`);
  await backend.put(
    ACCOUNT_INDEX_KEY,
    { size: bytes.length, open: () => Readable.from([bytes]) },
    signal ? { signal } : {},
  );
}

/** Finds an account by zimbraId or (case-insensitive) name; prefers a live one over a deleted one. */
export function findAccount(index: readonly AccountIndexEntry[], idOrName: string): AccountIndexEntry | undefined {
  const needle = idOrName.toLowerCase();
  const matches = index.filter((a) => a.id.toLowerCase() === needle || a.name.toLowerCase() === needle);
  return matches.find((a) => a.deletedMs === undefined) ?? matches[0];
}
