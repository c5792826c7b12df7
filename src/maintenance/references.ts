/**
 * The mark side shared by check and purge: which accounts the repository holds, and which blobs
 * their journals reference (every version still kept, not only the current one).
 * @module
 */
import { isZimbraBackupError, throwIfAborted, ZimbraBackupError } from '../errors.js';
import { type Journal } from '../journal/journal.js';
import { recordDigestSize, recordDigests } from '../journal/record-digests.js';
import type { RecoveredObject } from '../journal/types.js';
import { silentLogger } from '../internal/logger.js';
import type { Repository } from '../repository/repository.js';

/** Where one blob is referenced: account id -> item ids (any version), and the sizes recorded. */
export interface BlobReference {
  /** Item ids per account that reference the blob in some kept version. */
  accounts: Map<string, Set<string>>;
  /** Sizes the journal records for it (normally one). */
  sizes: Set<number>;
}

/** Every referenced digest, and the accounts whose journals could not be read. */
export interface ReferenceScan {
  /** Digest -> where it is referenced. */
  refs: Map<string, BlobReference>;
  /** Accounts scanned. */
  accounts: string[];
  /** Accounts whose journal is damaged: the error names the object (`data.key`). */
  failed: Array<{ accountId: string; error: ZimbraBackupError }>;
  /** Objects the journals ignored on open (torn tails, damaged checkpoints), per account. */
  recovered: Array<{ accountId: string; object: RecoveredObject }>;
  /** Journal records read. */
  records: number;
}

/**
 * Every account id the repository holds: the account index plus whatever lives under `accounts/`
 * (an account whose index entry was lost still has its journal scanned).
 */
export function listAccountIds(repository: Repository, signal?: AbortSignal): Promise<string[]> {
  return repository.accountIds(signal);
}

/** Adds every digest referenced by `journal` (all kept versions) to `refs`; returns the records read. */
export async function collectReferences(
  journal: Journal,
  accountId: string,
  refs: Map<string, BlobReference>,
  signal?: AbortSignal,
): Promise<number> {
  let n = 0;
  for await (const r of journal.records(signal ? { signal } : {})) {
    n += 1;
    if (r.type !== 'item') continue;
    for (const digest of recordDigests(r)) {
      let ref = refs.get(digest);
      if (!ref) {
        ref = { accounts: new Map(), sizes: new Set() };
        refs.set(digest, ref);
      }
      let items = ref.accounts.get(accountId);
      if (!items) {
        items = new Set();
        ref.accounts.set(accountId, items);
      }
      items.add(r.id);
      const size = recordDigestSize(r, digest);
      if (size !== undefined) ref.sizes.add(size);
    }
  }
  return n;
}

/**
 * Reads every selected account's journal (read-only) and collects the blobs it references. A
 * damaged journal is reported in `failed`, not thrown: the caller decides (check reports it,
 * purge refuses to collect garbage without complete references).
 * @param limit Bounds concurrent journal reads (p-limit function).
 */
export async function scanReferences(opts: {
  repository: Repository;
  accounts: readonly string[];
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
  signal?: AbortSignal;
  onAccount?: (done: number, total: number) => void;
  /** Also read every checkpoint (not only the newest, which opening reads). Default false. */
  checkpoints?: boolean;
}): Promise<ReferenceScan> {
  const { repository, accounts, signal } = opts;
  const scan: ReferenceScan = { refs: new Map(), accounts: [...accounts], failed: [], recovered: [], records: 0 };
  let done = 0;
  await Promise.all(
    accounts.map((accountId) =>
      opts.limit(async () => {
        throwIfAborted(signal);
        try {
          // Readers skip a damaged older checkpoint with a warning (derived data): hear it.
          const skipped: RecoveredObject[] = [];
          const logger = {
            ...silentLogger,
            warn: (o: object | string) => {
              const w = o as { key?: unknown; reason?: unknown };
              if (typeof w.key === 'string' && typeof w.reason === 'string')
                skipped.push({ key: w.key, reason: w.reason, removed: false });
            },
          };
          const journal = await repository.journal(accountId, {
            readOnly: true,
            logger,
            ...(signal ? { signal } : {}),
          });
          try {
            // (Not `scan.records += await ...`: that reads the total before the await and loses the
            // records of the accounts scanned meanwhile.)
            const records = await collectReferences(journal, accountId, scan.refs, signal);
            scan.records += records;
            if (opts.checkpoints) await readEveryCheckpoint(repository, journal, accountId, signal);
            const seen = new Set<string>();
            for (const object of [...journal.recovered, ...skipped]) {
              if (seen.has(object.key)) continue;
              seen.add(object.key);
              scan.recovered.push({ accountId, object });
            }
          } finally {
            await journal.close();
          }
        } catch (err) {
          if (!isZimbraBackupError(err, 'ZB_JOURNAL_CORRUPT') && !isZimbraBackupError(err, 'ZB_REPOSITORY_CORRUPT'))
            throw err;
          scan.failed.push({ accountId, error: err as ZimbraBackupError });
        }
        opts.onAccount?.(++done, accounts.length);
      }),
    ),
  );
  return scan;
}

/**
 * Reads every checkpoint of a journal through `stateAt(capture time)`, the public path that
 * loads the newest checkpoint at or before an instant; a damaged one is logged and skipped by
 * the journal, which the caller's logger records.
 */
async function readEveryCheckpoint(
  repository: Repository,
  journal: Journal,
  accountId: string,
  signal?: AbortSignal,
): Promise<void> {
  for (const t of await journal.checkpointTimes(signal ? { signal } : {}))
    await journal.stateAt(t, signal ? { signal } : {});
}

/** Resolves `--accounts` (ids or names from the index) to account ids; unknown ones fail. */
export async function selectAccounts(
  repository: Repository,
  wanted: readonly string[] | undefined,
  signal?: AbortSignal,
): Promise<string[]> {
  const all = await listAccountIds(repository, signal);
  if (!wanted || wanted.length === 0) return all;
  const index = await repository.accounts(signal);
  const out = new Set<string>();
  const missing: string[] = [];
  for (const w of wanted) {
    const needle = w.toLowerCase();
    const hits = index
      .filter((e) => e.id.toLowerCase() === needle || e.name.toLowerCase() === needle)
      .map((e) => e.id.toLowerCase());
    if (all.includes(needle)) hits.push(needle);
    if (hits.length === 0) missing.push(w);
    for (const h of hits) out.add(h);
  }
  if (missing.length > 0)
    throw new ZimbraBackupError(`no such account in the repository: ${missing.join(', ')}`, {
      code: 'ZB_NOT_FOUND',
      data: { accounts: missing },
    });
  return [...out].sort();
}
