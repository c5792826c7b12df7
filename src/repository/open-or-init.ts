/**
 * `openOrInitRepository`: the call an embedder makes on every start (issue #15: the README
 * example called `initRepository` each run and failed the second time with `ZB_CONFLICT`).
 * @module
 */
import { isZimbraBackupError } from '../errors.js';
import { FORMAT_KEY } from './layout.js';
import { initRepository, openRepository, type InitRepositoryOptions, type Repository } from './repository.js';

/**
 * Opens the repository in `backend`, or creates it there when the location holds nothing yet.
 * Creation options (`compression`, `gzipLevel`) apply only to a new repository; an existing one
 * keeps its own. Only an absent FORMAT object means "no repository yet": a FORMAT naming another
 * tool or version, or a non-empty location without FORMAT, is an error, never overwritten.
 * @example
 * ```ts
 * const repository = await openOrInitRepository({ backend: new LocalBackend({ root: '/backup/zimbra' }), compression: 'zstd' });
 * ```
 * @throws `ZB_CONFLICT` (no FORMAT but other objects there), `ZB_NOT_A_REPOSITORY` (a FORMAT of
 *   another tool), `ZB_FORMAT_UNSUPPORTED`, `ZB_REPOSITORY_CORRUPT`, storage errors.
 */
export async function openOrInitRepository(options: InitRepositoryOptions): Promise<Repository> {
  try {
    return await openRepository(options);
  } catch (err) {
    const signal = options.signal;
    if (
      isZimbraBackupError(err, 'ZB_NOT_A_REPOSITORY') &&
      !(await options.backend.stat(FORMAT_KEY, signal ? { signal } : {}))
    )
      return initRepository(options);
    throw err;
  }
}
