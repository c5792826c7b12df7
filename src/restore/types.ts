/**
 * Shared types of the restore side: plans, progress events, results.
 * @module
 */
import type { ItemKind, ItemRecord } from '../journal/types.js';
import type { Logger } from '../internal/logger.js';
import type { Repository } from '../repository/repository.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import type { ProgressEvent } from '../internal/progress.js';

/** Item kinds a restore writes as items (folders and tags are set up before them). */
export type RestoreItemKind = 'message' | 'contact' | 'appointment' | 'task' | 'document' | 'note';

/** Every {@link RestoreItemKind}. */
export const RESTORE_ITEM_KINDS: readonly RestoreItemKind[] = [
  'message',
  'contact',
  'appointment',
  'task',
  'document',
  'note',
];

/** A folder a restore makes sure exists in the target. */
export interface PlannedFolder {
  /** The folder's id in the source mailbox (undefined for folders the restore invents, like `Restored ...`). */
  sourceId?: string;
  /** Absolute target path, e.g. `/Restored 2026-11-26 14:03/Inbox/Sub`. */
  path: string;
  /** Default item type (`message`, `contact`, `appointment`...). */
  view?: string;
  /** Colour index. */
  color?: number;
}

/** One item a restore writes: its source version and where it goes. */
export interface PlannedItem {
  /** The item version to restore (from the journal). */
  record: ItemRecord;
  /** Absolute target folder path. */
  path: string;
}

/** What a restore does: folders (parents first), tag names, then items. */
export interface RestorePlan {
  /** Folders to create or reuse (with `fie`). */
  folders: PlannedFolder[];
  /** Tags to create or reuse, by name (items' tags are added automatically). */
  tags: Array<{ name: string; color?: number }>;
  /** Items to write. */
  items: PlannedItem[];
  /** Source items a restore cannot write (saved searches, mountpoints...), with the reason. */
  unsupported: Array<{ id: string; kind: ItemKind; reason: string }>;
}

/**
 * A progress event. Phases run `prepare` -> `folders` -> `tags` -> `items` -> `done`; `loaded` and
 * `total` count entries of the phase. Events may repeat a count (concurrent items finish out of order).
 */
export interface RestoreProgress extends ProgressEvent<
  'prepare' | 'folders' | 'tags' | 'items' | 'done',
  'items' | 'folders' | 'tags'
> {
  /** Bytes of item content written so far (uncompressed). */
  bytes?: number;
}

/** Per-kind counters of a restore. */
export interface RestoreKindCounts {
  /** Written to the target in this run. */
  restored: number;
  /** Already restored by an earlier run of the same restore (id map) or already present (same content, same folder). */
  skipped: number;
  /** Failed (see `failures`). */
  failed: number;
}

/** One item that could not be restored. */
export interface RestoreFailure {
  /** Source item id. */
  id: string;
  /** Its kind. */
  kind: ItemKind;
  /** Error code (`ZB_DIGEST_MISMATCH`, `ZB_BLOB_NOT_FOUND`, a Zimbra fault code...). */
  code: string;
  /** Error message (no secrets). */
  message: string;
}

/** What one restore write run did (the writer is internal; its counts make up {@link RestoreResult}). */
export interface RestoreWriteResult {
  /** Counters per item kind, plus `folder` and `tag`. */
  counts: Record<RestoreItemKind | 'folder' | 'tag', RestoreKindCounts>;
  /** Bytes of item content uploaded (uncompressed). */
  bytes: number;
  /** Items that failed, with the reason; nothing was written for them. */
  failures: RestoreFailure[];
  /** Wall time of the run in ms. */
  durationMs: number;
  /**
   * What the user must know beyond per-item failures, e.g. that the target server has notes
   * disabled (each note is then also a failure, or in a dry run listed under `unsupported`).
   */
  warnings?: string[];
}

/** One line of a dry run: what would be restored and where. */
export interface PlannedEntry {
  /** Source item id. */
  id: string;
  /** Item kind. */
  kind: ItemKind;
  /** Target folder path (for folders: the folder itself). */
  path: string;
  /** Name (folders, documents) or empty. */
  name?: string;
  /** Content size in bytes, when known. */
  size?: number;
  /** Content digest, when it has content. */
  digest?: string;
  /** True when an earlier run of the same restore already wrote it. */
  alreadyRestored?: boolean;
}

/** Options every mailbox restore operation takes. */
export interface RestoreOperationOptions {
  /** The repository to read from. */
  repository: Repository;
  /** An admin-authenticated client of the target server. */
  client: ZimbraClient;
  /** Source account: zimbraId or name as the repository knows it. */
  account: string;
  /** Only plan: return the list of what would be restored, write nothing. Default false. */
  dryRun?: boolean;
  /** Items written concurrently. Default 4. */
  concurrency?: number;
  /** Progress events (see {@link RestoreProgress}). */
  onProgress?: (p: RestoreProgress) => void;
  /** Logger. Default: silent. */
  logger?: Logger | false;
  /** Aborts the restore; what was written stays recorded in the id map, so a rerun resumes. */
  signal?: AbortSignal;
}

/** The result of every mailbox restore operation. */
export interface RestoreResult extends RestoreWriteResult {
  /** Deterministic id of the operation (its bookkeeping lives under `restores/<restoreId>/`). */
  restoreId: string;
  /** The source account's zimbraId. */
  sourceAccountId: string;
  /** The mailbox written to (name). */
  targetAccount: string;
  /** True for a dry run (nothing written; `planned` lists what would be). */
  dryRun: boolean;
  /** Dry run: what would be restored. Real run: empty. */
  planned: PlannedEntry[];
  /** Source items that cannot be restored (saved searches, mountpoints...). */
  unsupported: RestorePlan['unsupported'];
}

/** A fresh zeroed counter set. */
export function emptyCounts(): RestoreWriteResult['counts'] {
  const z = (): RestoreKindCounts => ({ restored: 0, skipped: 0, failed: 0 });
  return {
    message: z(),
    contact: z(),
    appointment: z(),
    task: z(),
    document: z(),
    note: z(),
    folder: z(),
    tag: z(),
  };
}
