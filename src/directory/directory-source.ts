/**
 * Finding directory dumps (`directory/<yyyymmddThhmmssZ>.ldif[.gz]`) in the repository and reading
 * their entries.
 * @module
 */
import { readDirectoryDump } from './directory-dump-io.js';
import type { DirectoryEntry } from './directory-entry.js';
import { DIRECTORY_PREFIX, directoryDumpTime } from '../repository/layout.js';
import type { StorageBackend } from '../store/backends/backend.js';
import { entryValue, passwordHash } from './directory-entry.js';

/** The key of the newest directory dump taken at or before `atMs` (default: the newest), or undefined. */
export async function findDirectoryDump(
  backend: StorageBackend,
  atMs?: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  let best: { key: string; t: number } | undefined;
  for await (const { key } of backend.list(DIRECTORY_PREFIX, signal ? { signal } : {})) {
    const t = directoryDumpTime(key);
    if (t === undefined || (atMs !== undefined && t > atMs)) continue;
    if (!best || t > best.t) best = { key, t };
  }
  return best?.key;
}

/** Streams the entries of one directory dump. */
export async function* dumpEntries(
  backend: StorageBackend,
  key: string,
  signal?: AbortSignal,
): AsyncGenerator<DirectoryEntry> {
  const body = await backend.get(key, signal ? { signal } : {});
  yield* readDirectoryDump(body as AsyncIterable<Buffer>);
}

export { entryValue, passwordHash };

/** The `userPassword` hash of an account in the newest dump at or before `atMs`, if a dump has it. */
export async function passwordHashOf(
  backend: StorageBackend,
  zimbraId: string,
  atMs?: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const key = (await findDirectoryDump(backend, atMs, signal)) ?? (await findDirectoryDump(backend, undefined, signal));
  if (!key) return undefined;
  for await (const e of dumpEntries(backend, key, signal)) {
    if (e.kind !== 'account' || entryValue(e, 'zimbraId')?.toLowerCase() !== zimbraId.toLowerCase()) continue;
    return passwordHash(e);
  }
  return undefined;
}
