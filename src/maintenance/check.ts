/**
 * The coherency check (DESIGN.md section 1, `CoherencyCheck`): every blob referenced by any kept
 * journal version exists with a plausible size (quick) or re-hashes to its digest (full), and
 * every journal is readable end to end.
 * @module
 */
import pLimit from 'p-limit';
import { isZimbraBackupError, throwIfAborted, ZimbraBackupError } from '../errors.js';
import type { LockOptions, RepositoryLock } from '../repository/lock.js';
import type { Repository } from '../repository/repository.js';
import { BLOB_HEADER_SIZE } from '../store/blob-codec.js';
import { parseDigest } from '../store/digest.js';
import { checkPacks } from './check-packs.js';
import { scanReferences, selectAccounts, type BlobReference } from './references.js';
import { repairProblems } from './repair.js';
import type { AffectedAccount, CheckProblem, CheckProgress } from './types.js';
import { invalidOptionOf } from '../internal/invalid-argument.js';

const invalid = invalidOptionOf('check option');

/** Options of {@link checkRepository}. */
export interface CheckOptions {
  /** The repository to check. Readers need no lock; `repair` takes the writer lock. */
  repository: Repository;
  /** Re-hash every referenced blob and list unreferenced ones. Default false (quick: stat only). */
  full?: boolean;
  /**
   * Quick check plus re-hashing a random fraction (0 < sample <= 1) of the referenced blobs, e.g.
   * 0.05: catches silent corruption over time at a fraction of a full check's cost. Ignored with
   * `full`. Not available for format-v2 (pack) repositories yet (`ZB_UNSUPPORTED`).
   */
  sample?: number;
  /** Only these accounts (zimbraIds or names from the account index). Default: every account. */
  accounts?: readonly string[];
  /** Quarantine damaged blobs and mark affected items for refetch by the next backup. Default false. */
  repair?: boolean;
  /** Blobs verified at once. Default: the backend's `maxConnections`. */
  concurrency?: number;
  /** Progress events (not monotonic: blobs finish out of order). */
  onProgress?: (p: CheckProgress) => void;
  /** Aborts the check; nothing is half-written (a repair commits per account). */
  signal?: AbortSignal;
  /** Writer-lock options used by `repair` (owner defaults to 'check-repair'). */
  lock?: LockOptions;
  /** A writer lock the caller already holds, used by `repair` instead of its own (see `PurgeOptions.heldLock`). */
  heldLock?: RepositoryLock;
}

/** What {@link checkRepository} found. */
export interface CheckResult {
  /** True when no problem of severity `error` was found. */
  ok: boolean;
  /** Whether blobs were re-hashed. */
  full: boolean;
  /** Accounts whose journals were read. */
  accounts: number;
  /** Journal records read. */
  records: number;
  /** Distinct referenced blobs checked. */
  blobsChecked: number;
  /** Of those, blobs re-hashed (all with `full`, the sampled ones with `sample`, else 0). */
  blobsRehashed: number;
  /** Uncompressed bytes re-hashed (full) or described by the headers checked (quick). */
  bytesChecked: number;
  /** Blobs no journal references (full mode over all accounts only; otherwise 0). */
  unreferencedBlobs: number;
  /** Stored bytes of those blobs. */
  unreferencedBytes: number;
  /** Wall time in ms. */
  durationMs: number;
  /** `bytesChecked` per second of wall time, in MB/s (10^6 bytes). */
  mbPerSecond: number;
  /** Every problem, errors first. */
  problems: CheckProblem[];
  /** Problems of severity error. */
  errors: number;
  /** Errors not expected to be healed: without `repair`, every error; with it, those not healable by the next backup. */
  remaining: number;
}

/**
 * Checks a repository: journals readable, referenced blobs present with the recorded size
 * (quick), or re-hashed (full). Restartable at no cost but the work done: it writes nothing
 * unless `repair` is set.
 * @example
 * ```ts
 * const r = await checkRepository({ repository: repo, full: true });
 * for (const p of r.problems) console.log(p.kind, p.digest, p.accounts);
 * ```
 * @throws `ZB_INVALID_ARGUMENT` for bad options; `ZB_NOT_FOUND` for an unknown account;
 *   `ZB_LOCK_HELD` when `repair` cannot take the writer lock; `ZB_ABORTED`; backend errors.
 */
export async function checkRepository(opts: CheckOptions): Promise<CheckResult> {
  const { repository, signal } = opts;
  if (!repository?.blobs) throw invalid('repository', 'is required');
  const concurrency = opts.concurrency ?? repository.backend.properties.maxConnections;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw invalid('concurrency', 'must be a positive integer');
  const full = opts.full === true;
  const sample = full ? undefined : opts.sample;
  if (sample !== undefined && !(sample > 0 && sample <= 1)) throw invalid('sample', 'must be a fraction in (0, 1]');
  if (sample !== undefined && repository.blobs.packs)
    throw new ZimbraBackupError('sampled checks are not available for pack (format v2) repositories yet; use full', {
      code: 'ZB_UNSUPPORTED',
      data: { field: 'sample' },
    });
  const started = performance.now();
  const accounts = await selectAccounts(repository, opts.accounts, signal);
  // Separate limiters for journals and blobs (p-limit: never nest a limiter in itself).
  const scan = await scanReferences({
    repository,
    accounts,
    limit: pLimit(Math.min(concurrency, 4)),
    checkpoints: true,
    ...(signal ? { signal } : {}),
    onAccount: (loaded, total) => opts.onProgress?.({ phase: 'journals', loaded, total, unit: 'accounts' }),
  });
  const problems: CheckProblem[] = [];
  for (const { accountId, error } of scan.failed) {
    const key = typeof error.data['key'] === 'string' ? error.data['key'] : undefined;
    problems.push({
      kind: 'journal-corrupt',
      severity: 'error',
      message: error.message,
      ...(key ? { key } : {}),
      accounts: [{ id: accountId, items: [] }],
    });
  }
  for (const { accountId, object } of scan.recovered) {
    problems.push({
      kind: 'journal-recovered',
      severity: 'warning',
      message: `journal object ignored by readers: ${object.reason}`,
      key: object.key,
      accounts: [{ id: accountId, items: [] }],
    });
  }
  const limit = pLimit(concurrency);
  let loaded = 0;
  let bytes = 0;
  const total = scan.refs.size;
  let unreferencedBlobs = 0;
  let unreferencedBytes = 0;
  let rehashed = full ? total : 0;
  const complete = (opts.accounts === undefined || opts.accounts.length === 0) && scan.failed.length === 0;
  const packs = repository.blobs.packs;
  if (packs) {
    const r = await checkPacks({
      repository,
      packs,
      refs: scan.refs,
      full,
      complete,
      concurrency,
      ...(signal ? { signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    bytes = r.bytes;
    problems.push(...r.problems);
    unreferencedBlobs = r.unreferencedBlobs;
    unreferencedBytes = r.unreferencedBytes;
  } else {
    const deep = sampled([...scan.refs.keys()], sample);
    rehashed = full ? total : deep.size;
    await Promise.all(
      [...scan.refs].map(([digest, ref]) =>
        limit(async () => {
          throwIfAborted(signal);
          const r = await verifyBlob(repository, digest, ref, full || deep.has(digest), signal);
          bytes += r.bytes;
          if (r.problem) problems.push(r.problem);
          opts.onProgress?.({ phase: 'blobs', loaded: ++loaded, total, unit: 'blobs', bytes });
        }),
      ),
    );
  }
  // Unreferenced blobs mean something only against every journal: skip with --accounts or a damaged journal.
  if (!packs && full && complete) {
    let seen = 0;
    for await (const { key, size } of repository.backend.list(
      repository.blobs.layout.prefix,
      signal ? { signal } : {},
    )) {
      const digest = repository.blobs.layout.parse(key);
      opts.onProgress?.({ phase: 'unreferenced', loaded: ++seen, unit: 'objects' });
      if (!digest || scan.refs.has(digest)) continue;
      unreferencedBlobs += 1;
      unreferencedBytes += size;
      problems.push({
        kind: 'unreferenced-blob',
        severity: 'info',
        message: 'no journal references this blob (purge collects it)',
        digest,
        key,
        accounts: [],
      });
    }
  }
  if (opts.repair && problems.some((p) => p.severity === 'error')) {
    await repairProblems({
      repository,
      problems,
      ...(signal ? { signal } : {}),
      ...(opts.lock ? { lock: opts.lock } : {}),
      ...(opts.heldLock ? { heldLock: opts.heldLock } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
  }
  const order = { error: 0, warning: 1, info: 2 } as const;
  problems.sort(
    (a, b) =>
      order[a.severity] - order[b.severity] ||
      a.kind.localeCompare(b.kind) ||
      (a.digest ?? a.key ?? '').localeCompare(b.digest ?? b.key ?? ''),
  );
  const errors = problems.filter((p) => p.severity === 'error');
  const durationMs = performance.now() - started;
  return {
    ok: errors.length === 0,
    full,
    accounts: accounts.length,
    records: scan.records,
    blobsChecked: total,
    blobsRehashed: rehashed,
    bytesChecked: bytes,
    unreferencedBlobs,
    unreferencedBytes,
    durationMs: Math.round(durationMs),
    mbPerSecond: durationMs > 0 ? bytes / 1e6 / (durationMs / 1000) : 0,
    problems,
    errors: errors.length,
    remaining: errors.filter((p) => !p.repair?.healable).length,
  };
}

/** A uniformly random subset of `ceil(fraction * n)` digests (partial Fisher-Yates). */
function sampled(digests: string[], fraction: number | undefined): Set<string> {
  if (fraction === undefined || digests.length === 0) return new Set();
  const k = Math.min(digests.length, Math.ceil(fraction * digests.length));
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(Math.random() * (digests.length - i));
    [digests[i], digests[j]] = [digests[j]!, digests[i]!];
  }
  return new Set(digests.slice(0, k));
}

/** Affected accounts and items of a reference, sorted for stable output. */
export function affected(ref: BlobReference): AffectedAccount[] {
  return [...ref.accounts]
    .map(([id, items]) => ({ id, items: [...items].sort((a, b) => a.length - b.length || a.localeCompare(b)) }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Checks one blob; `bytes` counts the uncompressed bytes verified (full) or described (quick). */
export async function verifyBlob(
  repository: Repository,
  digestText: string,
  ref: BlobReference,
  full: boolean,
  signal?: AbortSignal,
): Promise<{ bytes: number; problem?: CheckProblem }> {
  const digest = parseDigest(digestText);
  const key = repository.blobs.layout.key(digest);
  const problem = (
    kind: CheckProblem['kind'],
    message: string,
    severity: CheckProblem['severity'] = 'error',
  ): { bytes: number; problem: CheckProblem } => ({
    bytes: 0,
    problem: { kind, severity, message, digest, key, accounts: affected(ref) },
  });
  const io = signal ? { signal } : {};
  const recorded = [...ref.sizes];
  if (!full) {
    let st;
    try {
      st = await repository.blobs.stat(digest, io);
    } catch (err) {
      if (isZimbraBackupError(err, 'ZB_REPOSITORY_CORRUPT'))
        return problem('corrupt-blob', `blob header is damaged: ${(err as Error).message}`);
      throw err;
    }
    if (!st) return problem('missing-blob', 'referenced blob is missing');
    if (st.size !== undefined && recorded.some((s) => s !== st.size)) {
      return problem('size-mismatch', `blob header says ${st.size} bytes, the journal records ${recorded.join('/')}`);
    }
    // An uncompressed object is exactly header + payload: a cheap truncation check.
    if (st.codec === 'none' && st.size !== undefined && st.storedSize !== BLOB_HEADER_SIZE + st.size) {
      return problem(
        'size-mismatch',
        `uncompressed blob object is ${st.storedSize} bytes, expected ${BLOB_HEADER_SIZE + st.size}`,
      );
    }
    return { bytes: st.size ?? 0 };
  }
  let size = 0;
  try {
    const stream = await repository.blobs.get(digest, io);
    for await (const chunk of stream) size += (chunk as Buffer).length;
  } catch (err) {
    if (isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) return problem('missing-blob', 'referenced blob is missing');
    if (
      isZimbraBackupError(err, 'ZB_DIGEST_MISMATCH') ||
      isZimbraBackupError(err, 'ZB_SIZE_MISMATCH') ||
      isZimbraBackupError(err, 'ZB_REPOSITORY_CORRUPT')
    ) {
      return {
        bytes: size,
        problem: problem('corrupt-blob', `blob fails verification: ${(err as Error).message}`).problem,
      };
    }
    throw err;
  }
  if (recorded.some((s) => s !== size)) {
    // The bytes hash to the digest, so the content is right and only the journal's size field is off.
    return {
      bytes: size,
      problem: problem(
        'size-mismatch',
        `blob verifies (${size} bytes) but the journal records ${recorded.join('/')}`,
        'warning',
      ).problem,
    };
  }
  return { bytes: size };
}
