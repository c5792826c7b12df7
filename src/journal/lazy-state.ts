/**
 * The state of a journal opened lazily (`JournalOptions.lazy`): the newest checkpoint stays on
 * disk, read a page at a time for the ids a commit or a lookup names (checkpoint-pages.ts), and
 * the segments after it are applied on top. Issue 12: a backup run that applies a sync delta
 * touches the items of the delta, not the account's whole history.
 *
 * ```text
 * StateBuilder (the journal's state) holds only *resolved* ids: for each, what the checkpoint
 * says (live / tombstone / nothing), then every later record of it applied in order.
 * resolve(ids)   page reads for the ids not resolved yet -> into the builder
 * apply(batch)   resolve its ids first; a delete of a live folder takes the folder's whole
 *                subtree (StateBuilder.remove), which needs every item: cascades() says so
 *                and the journal then reads the whole state instead (Journal.load)
 * counts         checkpoint counts - resolved ids as the checkpoint had them + builder sizes
 * ```
 * Memory: the page table (one entry per 64 items) plus the resolved ids' records; both far
 * below the whole state that a full open holds.
 * @module
 */
import type { PagedCheckpoint } from './checkpoint-pages.js';
import type { Batch } from './segment.js';
import type { StateBuilder } from './state-at.js';
import { FOLDER_KINDS, type JournalRecord, type JournalRecordInput } from './types.js';

/** Ids of the item and delete records of `records`. */
export function recordIds(records: readonly (JournalRecord | JournalRecordInput)[]): string[] {
  const ids: string[] = [];
  for (const r of records) if (r.type === 'item' || r.type === 'delete') ids.push(r.id);
  return ids;
}

/** A lazily read journal state (see the module doc). */
export class LazyState {
  readonly #resolved = new Set<string>();
  /** Resolved ids the checkpoint holds as live items, and as tombstones. */
  #baseLive = 0;
  #baseDead = 0;

  constructor(readonly checkpoint: PagedCheckpoint) {}

  /** Ids resolved so far (for tests and stats). */
  get resolved(): number {
    return this.#resolved.size;
  }

  /** Brings what the checkpoint holds for `ids` into `state` (only for ids not resolved yet). */
  async resolve(state: StateBuilder, ids: readonly string[], signal?: AbortSignal): Promise<void> {
    const todo = [...new Set(ids)].filter((id) => !this.#resolved.has(id));
    if (todo.length === 0) return;
    const found = await this.checkpoint.lookup(todo, signal);
    for (const id of todo) {
      this.#resolved.add(id);
      const point = found.get(id);
      if (point === undefined) continue;
      if ('live' in point) {
        this.#baseLive += 1;
        state.items.set(id, point.live);
      } else {
        this.#baseDead += 1;
        state.tombstones.set(id, point.dead);
      }
    }
  }

  /**
   * True when applying `records` could delete a folder (a subtree delete needs the whole state).
   * `records`' ids must be resolved.
   */
  cascades(state: StateBuilder, records: readonly (JournalRecord | JournalRecordInput)[]): boolean {
    const folders = new Set<string>();
    for (const r of records) {
      if (r.type === 'item' && FOLDER_KINDS.has(r.kind)) folders.add(r.id);
      if (r.type !== 'delete') continue;
      const kind = state.items.get(r.id)?.kind;
      if (folders.has(r.id) || (kind && FOLDER_KINDS.has(kind)) || (r.kind && FOLDER_KINDS.has(r.kind))) return true;
    }
    return false;
  }

  /**
   * Applies the segments after the checkpoint (read at open). False, with `state` unusable, when
   * one of them deletes a folder: the caller then opens in full.
   */
  async replay(state: StateBuilder, batches: readonly Batch[], signal?: AbortSignal): Promise<boolean> {
    await this.resolve(
      state,
      batches.flatMap((b) => recordIds(b.records)),
      signal,
    );
    for (const batch of batches) {
      if (this.cascades(state, batch.records)) return false;
      state.applyBatch(batch);
    }
    return true;
  }

  /** Live items and tombstones of the whole state. */
  counts(state: StateBuilder): { items: number; tombstones: number } {
    return {
      items: this.checkpoint.counts.items - this.#baseLive + state.items.size,
      tombstones: this.checkpoint.counts.tombstones - this.#baseDead + state.tombstones.size,
    };
  }
}
