/**
 * The repository's list of accounts it has seen: zimbraId, name, when first and last seen, and
 * when the server stopped listing it. One small JSON object, replaced atomically; it lets
 * `status`, `ls` and restores find an account by name without listing every object.
 * @module
 */
import { text } from 'node:stream/consumers';
import { isZimbraBackupError, ZimbraBackupError } from '../errors.js';
import { ACCOUNT_INDEX_KEY } from './layout.js';
import { type StorageBackend, bufferBody } from '../store/backends/backend.js';

/** One account known to the repository. */
export interface AccountIndexEntry {
  /** zimbraId. */
  id: string;
  /** Primary address when last seen. */
  name: string;
  /** First capture, ms since the epoch. */
  firstSeenMs: number;
  /**
   * When an engine last recorded the account as listed, ms since the epoch: written with the
   * entry's last change (new, renamed, back from deletion), not on every run, so a run that
   * changes nothing does not rewrite the index.
   */
  lastSeenMs: number;
  /** When the server stopped listing it (the backup is kept for the account retention). */
  deletedMs?: number;
}

/**
 * Per-engine account indexes of engines under shared locks (docs/FORMAT.md, "Several writers"):
 * each engine replaces only its own `index/accounts.d/<engine>.json`, so no engine overwrites
 * another's update; readers merge them with `index/accounts.json`.
 */
export const ENGINE_ACCOUNT_INDEX_PREFIX = 'index/accounts.d/';

/** Key of one engine's account index (the name reduced to `[A-Za-z0-9._-]`). */
export function engineAccountIndexKey(engine: string): string {
  const safe = engine
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 200);
  return `${ENGINE_ACCOUNT_INDEX_PREFIX}${safe || '_'}.json`;
}

/**
 * Reads the account index: `index/accounts.json` merged with every engine's own index. Per
 * account the newest word wins (the larger of lastSeenMs and deletedMs), firstSeenMs is the
 * earliest. An absent index is empty.
 */
export async function readAccountIndex(backend: StorageBackend, signal?: AbortSignal): Promise<AccountIndexEntry[]> {
  const lists = [await readIndexObject(backend, ACCOUNT_INDEX_KEY, signal)];
  for await (const { key } of backend.list(ENGINE_ACCOUNT_INDEX_PREFIX, signal ? { signal } : {}))
    if (key.endsWith('.json')) lists.push(await readIndexObject(backend, key, signal));
  if (lists.length === 1) return lists[0]!;
  return mergeAccountIndexes(lists);
}

/** Merges account lists (see {@link readAccountIndex}). */
export function mergeAccountIndexes(lists: readonly (readonly AccountIndexEntry[])[]): AccountIndexEntry[] {
  const word = (e: AccountIndexEntry): number => Math.max(e.lastSeenMs, e.deletedMs ?? 0);
  const out = new Map<string, AccountIndexEntry>();
  for (const list of lists)
    for (const e of list) {
      const k = e.id.toLowerCase();
      const prev = out.get(k);
      if (!prev) {
        out.set(k, { ...e });
        continue;
      }
      const first = Math.min(prev.firstSeenMs, e.firstSeenMs);
      const newer = word(e) > word(prev) || (word(e) === word(prev) && e.deletedMs !== undefined);
      out.set(k, { ...(newer ? e : prev), firstSeenMs: first });
    }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** Replaces one engine's own account index (engines under a shared lock). */
export async function writeEngineAccountIndex(
  backend: StorageBackend,
  engine: string,
  accounts: AccountIndexEntry[],
  signal?: AbortSignal,
): Promise<void> {
  await putIndex(backend, engineAccountIndexKey(engine), accounts, signal);
}

async function readIndexObject(
  backend: StorageBackend,
  key: string,
  signal?: AbortSignal,
): Promise<AccountIndexEntry[]> {
  let body: string;
  try {
    body = await text(await backend.get(key, signal ? { signal } : {}));
  } catch (err) {
    if (isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) return [];
    throw err;
  }
  try {
    const parsed = JSON.parse(body) as { version?: number; accounts?: AccountIndexEntry[] };
    if (parsed.version !== 1 || !Array.isArray(parsed.accounts)) throw new Error('unexpected shape');
    return parsed.accounts;
  } catch (cause) {
    throw new ZimbraBackupError(`account index ${key} is corrupt`, {
      code: 'ZB_REPOSITORY_CORRUPT',
      cause,
      data: { key },
    });
  }
}

/**
 * Replaces the account index (atomic put). Writers hold the exclusive repository lock and pass
 * the merged view ({@link readAccountIndex}), so the engines' own indexes are folded in and
 * removed afterwards.
 */
export async function writeAccountIndex(
  backend: StorageBackend,
  accounts: AccountIndexEntry[],
  signal?: AbortSignal,
): Promise<void> {
  await putIndex(backend, ACCOUNT_INDEX_KEY, accounts, signal);
  const folded: string[] = [];
  for await (const { key } of backend.list(ENGINE_ACCOUNT_INDEX_PREFIX, signal ? { signal } : {})) folded.push(key);
  for (const key of folded)
    await backend.delete(key).catch((err: unknown) => {
      if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
    });
}

async function putIndex(
  backend: StorageBackend,
  key: string,
  accounts: AccountIndexEntry[],
  signal?: AbortSignal,
): Promise<void> {
  const sorted = [...accounts].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const bytes = Buffer.from(`${JSON.stringify({ version: 1, accounts: sorted }, null, 1)}\n`);
  await backend.put(key, bufferBody(bytes), signal ? { signal } : {});
}

/** Finds an account by zimbraId or (case-insensitive) name; prefers a live one over a deleted one. */
export function findAccount(index: readonly AccountIndexEntry[], idOrName: string): AccountIndexEntry | undefined {
  const needle = idOrName.toLowerCase();
  const matches = index.filter((a) => a.id.toLowerCase() === needle || a.name.toLowerCase() === needle);
  return matches.find((a) => a.deletedMs === undefined) ?? matches[0];
}
