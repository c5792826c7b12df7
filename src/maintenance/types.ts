/** Types of the coherency check and the purge. @module */
import type { ProgressEvent } from '../internal/progress.js';

/** What kind of problem {@link CheckProblem} describes. */
export type CheckProblemKind =
  /** A referenced blob object does not exist. */
  | 'missing-blob'
  /** A referenced blob fails verification (digest, codec, header) or its header is damaged. */
  | 'corrupt-blob'
  /** A blob's size (header, or object length for uncompressed blobs) disagrees with the journal. */
  | 'size-mismatch'
  /** A journal segment is damaged or missing: the account's history cannot be read in full. */
  | 'journal-corrupt'
  /** A journal object readers ignore: a torn tail (an unacknowledged commit) or a damaged checkpoint (derived data). */
  | 'journal-recovered'
  /** A blob no journal references (full mode; informational: purge collects it). */
  | 'unreferenced-blob'
  /** Format v2: a pack no index file names (a crash between pack and index write; purge removes it). */
  | 'orphan-pack'
  /** Format v2: an index entry whose pack is missing, referenced by no journal (purge drops it). */
  | 'orphan-index-entry';

/** How serious a problem is: errors make the check fail; warnings and info do not. */
export type CheckSeverity = 'error' | 'warning' | 'info';

/** One item affected by a problem, grouped by account. */
export interface AffectedAccount {
  /** zimbraId. */
  id: string;
  /** Item ids whose kept versions reference the damaged object (empty when unknown). */
  items: string[];
}

/** What `--repair` did about one problem. */
export interface ProblemRepair {
  /** Where the damaged object was moved (under `quarantine/`). */
  quarantineKey?: string;
  /** Items marked for refetch by the next backup (their current version referenced the blob). */
  refetch: AffectedAccount[];
  /** True when the next backup run is expected to heal the problem completely. */
  healable: boolean;
  /** Why not, when `healable` is false. */
  note?: string;
}

/** One problem found by {@link checkRepository}. */
export interface CheckProblem {
  /** Kind of problem. */
  kind: CheckProblemKind;
  /** Severity: errors fail the check. */
  severity: CheckSeverity;
  /** Human-readable description. */
  message: string;
  /** The blob concerned, for blob problems. */
  digest?: string;
  /** The object concerned (blob key, journal segment key). */
  key?: string;
  /** Accounts and items affected. */
  accounts: AffectedAccount[];
  /** Set by `--repair`. */
  repair?: ProblemRepair;
}

/** Progress of a check (`loaded` may not be monotonic across phases). */
export interface CheckProgress extends ProgressEvent<
  'journals' | 'blobs' | 'unreferenced' | 'repair',
  'accounts' | 'blobs' | 'objects'
> {
  // phase: `journals` (unit accounts): reading journals; `blobs`: stat/verify of referenced blobs;
  // `unreferenced` (unit objects): listing all blob objects; `repair` (unit blobs).
  /** Uncompressed bytes verified so far (full mode). */
  bytes?: number;
}

/**
 * Progress of a purge: `plan`/`compact`/`mark` count accounts; `accounts`: removing deleted
 * accounts; `sweep`: garbage blobs (format v1) or packs to rewrite (format v2).
 */
export type PurgeProgress = ProgressEvent<
  'plan' | 'compact' | 'accounts' | 'mark' | 'sweep',
  'accounts' | 'blobs' | 'packs'
>;
