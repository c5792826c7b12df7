/**
 * The narrow read-only view of a repository that export and import need (restic's `Dumper`
 * takes a `Loader`, not a repository): a `Repository` satisfies it. Nothing here takes the
 * writer lock.
 * @module
 */
import type { MailboxState } from '../journal/types.js';
import type { Repository } from '../repository/repository.js';

/** What export and import read from a repository. */
export interface RepositoryReader extends Pick<Repository, 'backend' | 'blobs' | 'accounts' | 'journal'> {
  /** The repository config, for the source id in manifests. */
  readonly config?: { readonly id?: string };
}

/** An account's mailbox state at `atMs`, from its journal opened read-only. */
export async function openAccountState(
  repo: Pick<RepositoryReader, 'journal'>,
  accountId: string,
  atMs: number,
  signal?: AbortSignal,
): Promise<MailboxState> {
  const journal = await repo.journal(accountId, { readOnly: true, ...(signal ? { signal } : {}) });
  try {
    return await journal.stateAt(atMs, signal ? { signal } : {});
  } finally {
    await journal.close();
  }
}
