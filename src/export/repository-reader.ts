/**
 * The narrow read-only view of a repository that export and import need (restic's `Dumper`
 * takes a `Loader`, not a repository): a `Repository` satisfies it, and so does anything that
 * can list/get objects and stream verified blobs. Nothing here takes the writer lock.
 * @module
 */
import { Journal } from '../journal/journal.js';
import type { MailboxState } from '../journal/types.js';
import { accountPrefix } from '../repository/layout.js';
import type { StorageBackend } from '../store/backends/backend.js';
import type { BlobStore } from '../store/blob-store.js';

/** What export and import read from a repository. */
export interface RepositoryReader {
  /** Object storage holding the journals, the account index and the directory dumps (only read). */
  readonly backend: StorageBackend;
  /** Verified blob reads: `get` streams the original bytes and fails at the end on a digest mismatch. */
  readonly blobs: Pick<BlobStore, 'get' | 'stat'>;
  /** The repository config, for the source id in manifests. */
  readonly config?: { readonly id?: string };
}

/** An account's mailbox state at `atMs`, from its journal opened read-only. */
export async function openAccountState(
  repo: Pick<RepositoryReader, 'backend'>,
  accountId: string,
  atMs: number,
  signal?: AbortSignal,
): Promise<MailboxState> {
  const journal = await Journal.open({
    backend: repo.backend,
    prefix: accountPrefix(accountId),
    readOnly: true,
    ...(signal ? { signal } : {}),
  });
  try {
    return await journal.stateAt(atMs, signal ? { signal } : {});
  } finally {
    await journal.close();
  }
}
