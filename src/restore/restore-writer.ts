/**
 * `RestoreWriter`: writes a {@link RestorePlan} (folders, tags, item versions) into one mailbox.
 *
 * ```text
 * load target tree + tags
 * folders, parents first: system folders (id < 256) map by path; others CreateFolder fie=1
 * tags: CreateTag unless one of that name exists
 * items, `concurrency` at a time, in the pack order of their blobs (sequential reads):
 *   in id map (earlier run) or in skipIds -> skipped
 *   same content already in the target folder -> skipped (recorded in the id map)
 *   else write (blob verified while streaming) -> id map old -> new
 * id map flushed as it goes and on the way out (also on abort)
 * ```
 * A failed item (corrupt blob, fault) is reported in `failures` and the run goes on; an abort
 * stops launching items, waits for those in flight, saves the id map and rejects `ZB_ABORTED`.
 * @module
 */
import pLimit from 'p-limit';
import { throwIfAborted, ZimbraBackupError } from '../errors.js';
import { resolveLogger, type Logger } from '../internal/logger.js';
import type { AccountSelector } from '../soap/transports/transport.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import type { BlobStore } from '../store/blob-store.js';
import { inPackOrder } from '../store/read-order.js';
import { contactMembers, writeItem } from './item-writers.js';
import type { RestoreIdMap } from './restore-id-map.js';
import { TargetMailbox } from './target-mailbox.js';
import {
  emptyCounts,
  type PlannedItem,
  type RestoreFailure,
  type RestorePlan,
  type RestoreProgress,
  type RestoreWriteResult,
} from './types.js';
import { errorCodeOf } from '../internal/fault-code.js';
import { NOTES_DISABLED_HINT, probeNotes, type NoteSupport } from './note-writer.js';

/** Options of {@link RestoreWriter}. */
export interface RestoreWriterOptions {
  /** Admin-authenticated client of the target server. */
  client: ZimbraClient;
  /** Target mailbox (name, or a selector). */
  account: string | AccountSelector;
  /** Where item content comes from. */
  blobs: BlobStore;
  /** Old -> new id map of this restore (persisted; see {@link RestoreIdMap}). */
  idMap: RestoreIdMap;
  /** Items written concurrently. Default 4. */
  concurrency?: number;
  /** Source item ids not to write (items that still exist in the target: same-account restores). */
  skipIds?: ReadonlySet<string>;
  /** Progress events. */
  onProgress?: (p: RestoreProgress) => void;
  /** Logger. Default: silent. */
  logger?: Logger | false;
  /** Aborts the run (the id map keeps what was written). */
  signal?: AbortSignal;
}

/** Up to this many items into one folder, duplicates are checked per item (by Message-ID) rather than by listing the folder. */
const NARROW_MAX_ITEMS = 16;

/** The key of an item in the id map. */
export function idMapKey(kind: string, id: string): string {
  return `${kind}:${id}`;
}

function failureOf(id: string, kind: PlannedItem['record']['kind'], err: unknown): RestoreFailure {
  const message = (err as { message?: string } | undefined)?.message;
  return { id, kind, code: errorCodeOf(err) ?? 'ERROR', message: message ?? String(err) };
}

/**
 * Writes restore plans into one mailbox with bounded concurrency, an id map, duplicate checks and
 * per-item failure reports.
 * @example
 * ```ts
 * const idMap = await RestoreIdMap.open({ backend: repo.backend, restoreId });
 * const writer = new RestoreWriter({ client, account: 'user@example.com', blobs: repo.blobs, idMap });
 * const result = await writer.write(plan);
 * ```
 */
export class RestoreWriter {
  readonly #opts: RestoreWriterOptions;
  readonly #log: Logger;

  constructor(opts: RestoreWriterOptions) {
    const c = opts.concurrency ?? 4;
    if (!Number.isInteger(c) || c < 1)
      throw new ZimbraBackupError('concurrency must be an integer >= 1', {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'concurrency' },
      });
    this.#opts = opts;
    this.#log = resolveLogger(opts.logger);
  }

  /**
   * Writes `plan`. Resolves with counts, bytes, failures and duration.
   * @throws `ZB_ABORTED` when the signal fires; errors reading the target's folder tree or
   *   creating folders/tags (without them no item can be placed).
   */
  async write(plan: RestorePlan): Promise<RestoreWriteResult> {
    const started = Date.now();
    const { client, account, signal, idMap } = this.#opts;
    const result: RestoreWriteResult = { counts: emptyCounts(), bytes: 0, failures: [], durationMs: 0 };
    const progress = (p: RestoreProgress): void => this.#opts.onProgress?.(p);
    const target = new TargetMailbox(client, account, signal);
    let failed = false;
    try {
      progress({ phase: 'prepare', loaded: 0, unit: 'items' });
      await target.load();
      await this.#folders(plan, target, result, progress);
      await this.#tags(plan, target, result, progress);
      await this.#items(plan, target, result, progress);
      progress({
        phase: 'done',
        loaded: plan.items.length,
        total: plan.items.length,
        unit: 'items',
        bytes: result.bytes,
      });
      return { ...result, durationMs: Date.now() - started };
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      // Saving the id map matters most after an abort; its own failure must not hide the first error.
      await idMap.close().catch((err: unknown) => {
        if (!failed) throw err;
        this.#log.error({ code: (err as { code?: string }).code }, 'restore: could not save the id map');
      });
    }
  }

  async #folders(
    plan: RestorePlan,
    target: TargetMailbox,
    result: RestoreWriteResult,
    progress: (p: RestoreProgress) => void,
  ): Promise<void> {
    const folders = [...plan.folders].sort((a, b) => a.path.split('/').length - b.path.split('/').length);
    let done = 0;
    for (const f of folders) {
      throwIfAborted(this.#opts.signal);
      // System folders (ids below 256) are fixed by the server: reuse the target's by path, else by id
      // (some, like Tags and Conversations, sit outside the user root and have no comparable path).
      const system = f.sourceId !== undefined && Number(f.sourceId) < 256 ? f.sourceId : undefined;
      const existing =
        target.folderId(f.path) ?? (system !== undefined && target.hasFolderId(system) ? system : undefined);
      const id =
        existing ??
        (await target.ensureFolder(f.path, {
          ...(f.view ? { view: f.view } : {}),
          ...(f.color !== undefined ? { color: f.color } : {}),
        }));
      result.counts.folder[existing ? 'skipped' : 'restored']++;
      if (f.sourceId !== undefined) this.#opts.idMap.set(idMapKey('folder', f.sourceId), id);
      progress({ phase: 'folders', loaded: ++done, total: folders.length, unit: 'folders' });
    }
  }

  async #tags(
    plan: RestorePlan,
    target: TargetMailbox,
    result: RestoreWriteResult,
    progress: (p: RestoreProgress) => void,
  ): Promise<void> {
    const wanted = new Map<string, { name: string; color?: number }>();
    for (const t of plan.tags) wanted.set(t.name.toLowerCase(), t);
    for (const it of plan.items)
      for (const name of it.record.tags ?? [])
        if (!wanted.has(name.toLowerCase())) wanted.set(name.toLowerCase(), { name });
    let done = 0;
    for (const t of wanted.values()) {
      throwIfAborted(this.#opts.signal);
      if (target.hasTag(t.name)) result.counts.tag.skipped++;
      else {
        await target.ensureTag(t.name, t.color);
        result.counts.tag.restored++;
      }
      progress({ phase: 'tags', loaded: ++done, total: wanted.size, unit: 'tags' });
    }
  }

  async #items(
    plan: RestorePlan,
    target: TargetMailbox,
    result: RestoreWriteResult,
    progress: (p: RestoreProgress) => void,
  ): Promise<void> {
    const { idMap, signal, skipIds } = this.#opts;
    const limit = pLimit(this.#opts.concurrency ?? 4);
    // Notes need CreateNoteRequest, which a stock server does not register: ask once, before any note.
    const notes: { support: NoteSupport } = { support: 'unknown' };
    const noteToWrite = (it: PlannedItem): boolean =>
      it.record.kind === 'note' &&
      !skipIds?.has(it.record.id) &&
      idMap.get(idMapKey('note', it.record.id)) === undefined;
    if (plan.items.some(noteToWrite)) {
      target.listNotes();
      notes.support = await probeNotes(this.#opts.client, {
        account: this.#opts.account,
        ...(signal ? { signal } : {}),
      });
    }
    const ctx = {
      notes,
      client: this.#opts.client,
      account: this.#opts.account,
      blobs: this.#opts.blobs,
      target,
      ...(signal ? { signal } : {}),
      contactIdOf: (sourceId: string): string | undefined => {
        const id = idMap.get(idMapKey('contact', sourceId));
        return id === undefined || id === 'present' ? undefined : id;
      },
    };
    let done = 0;
    const total = plan.items.length;
    const perFolder = new Map<string, number>();
    for (const it of plan.items) perFolder.set(it.path.toLowerCase(), (perFolder.get(it.path.toLowerCase()) ?? 0) + 1);
    for (const [path, n] of perFolder) if (n <= NARROW_MAX_ITEMS) target.preferNarrow(path);
    const one = async (item: PlannedItem): Promise<void> => {
      const rec = item.record;
      const counts = result.counts[rec.kind as keyof typeof result.counts];
      const key = idMapKey(rec.kind, rec.id);
      if (!counts) {
        result.failures.push(
          failureOf(
            rec.id,
            rec.kind,
            new ZimbraBackupError(`cannot restore a ${rec.kind}`, { code: 'ZB_UNSUPPORTED' }),
          ),
        );
        return;
      }
      if (idMap.get(key) !== undefined || skipIds?.has(rec.id)) {
        counts.skipped++;
        return;
      }
      throwIfAborted(signal);
      try {
        const folderId = await target.ensureFolder(item.path);
        const out = await writeItem(ctx, rec, item.path, folderId);
        if ('present' in out) {
          counts.skipped++;
          idMap.set(key, 'present');
        } else {
          counts.restored++;
          result.bytes += out.bytes;
          idMap.set(key, out.newId);
        }
      } catch (err) {
        if (signal?.aborted) throw err;
        counts.failed++;
        result.failures.push(failureOf(rec.id, rec.kind, err));
        this.#log.warn(
          { itemId: rec.id, kind: rec.kind, code: (err as { code?: string }).code },
          'restore: item failed',
        );
      }
    };
    const run = (items: PlannedItem[]): Promise<Array<PromiseSettledResult<void>>> =>
      Promise.allSettled(
        items.map((item) =>
          limit(async () => {
            try {
              await one(item);
            } finally {
              progress({ phase: 'items', loaded: ++done, total, unit: 'items', bytes: result.bytes });
            }
          }),
        ),
      );
    // Items start in the pack order of their blobs: each pack is read from start to end.
    const ordered = await inPackOrder(this.#opts.blobs, plan.items, (it) => it.record.digest, signal ? { signal } : {});
    // Contact groups last, so that their members can point at the restored contacts.
    const isGroup = (it: PlannedItem): boolean => contactMembers(it.record).length > 0;
    const settled = [...(await run(ordered.filter((it) => !isGroup(it)))), ...(await run(ordered.filter(isGroup)))];
    throwIfAborted(signal);
    if (notes.support === 'disabled') {
      (result.warnings ??= []).push(`notes not restored: ${NOTES_DISABLED_HINT}`);
      this.#log.warn({ code: 'service.UNKNOWN_DOCUMENT' }, 'restore: the target server has notes disabled');
    }
    const unexpected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (unexpected) throw unexpected.reason;
  }
}
