/**
 * The per-restore id map (old item id -> new item id), kept in the repository under
 * `restores/<restoreId>/` so an interrupted restore resumes without writing anything twice and a
 * rerun of a finished restore writes nothing.
 *
 * ```text
 * restores/<restoreId>/operation.json           what the restore is (written once; reruns read it back)
 * restores/<restoreId>/map/<ms>-<rand>.json     append-only chunks: [[kind:oldId, newId], ...]
 * ```
 * Chunks are write-once objects (works on object storage, where nothing can be appended); the map
 * is the union of all chunks. New entries are flushed every `flushEvery` entries or
 * `flushIntervalMs`, and on close. A crash can lose the entries of the last unflushed window:
 * the writer's duplicate check (same content in the same folder) catches those items on resume.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { isZimbraBackupError, ZimbraBackupError } from '../errors.js';
import { restorePrefix } from '../repository/layout.js';
import { bufferBody, type ReplayableBody, type StorageBackend } from '../store/backends/backend.js';
import type { JsonValue } from '../journal/types.js';

/** Options of {@link RestoreIdMap.open}. */
export interface RestoreIdMapOptions {
  /** Repository backend. */
  backend: StorageBackend;
  /** The restore's id (validated as a key segment). */
  restoreId: string;
  /** Flush after this many new entries. Default 64. */
  flushEvery?: number;
  /** Flush pending entries at least this often, in ms. Default 1000. */
  flushIntervalMs?: number;
  /** Read-only (dry runs): `set` keeps entries in memory only. Default false. */
  readOnly?: boolean;
  /** Aborts loading. */
  signal?: AbortSignal;
}

function jsonBody(value: unknown): ReplayableBody {
  const bytes = Buffer.from(`${JSON.stringify(value)}\n`);
  return bufferBody(bytes);
}

/**
 * Old -> new id map of one restore, persisted as append-only chunks.
 * @example
 * ```ts
 * const map = await RestoreIdMap.open({ backend: repo.backend, restoreId });
 * if (!map.get('message:257')) { ...write...; map.set('message:257', newId); }
 * await map.close();
 * ```
 */
export class RestoreIdMap {
  readonly #backend: StorageBackend;
  readonly #prefix: string;
  readonly #entries = new Map<string, string>();
  readonly #pending: Array<[string, string]> = [];
  readonly #flushEvery: number;
  readonly #intervalMs: number;
  readonly #readOnly: boolean;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #error: unknown;

  private constructor(opts: RestoreIdMapOptions) {
    this.#backend = opts.backend;
    this.#prefix = restorePrefix(opts.restoreId);
    this.#flushEvery = opts.flushEvery ?? 64;
    this.#intervalMs = opts.flushIntervalMs ?? 1000;
    this.#readOnly = opts.readOnly === true;
  }

  /**
   * Loads every chunk of the restore's map (none: an empty map).
   * @throws `ZB_REPOSITORY_CORRUPT` for an unreadable chunk; `ZB_UNSAFE_PATH` for a bad restore id.
   */
  static async open(opts: RestoreIdMapOptions): Promise<RestoreIdMap> {
    const map = new RestoreIdMap(opts);
    const io = opts.signal ? { signal: opts.signal } : {};
    for await (const { key } of opts.backend.list(`${map.#prefix}map/`, io)) {
      if (!key.endsWith('.json')) continue;
      const body = await text(await opts.backend.get(key, io));
      let parsed: { version?: number; entries?: unknown };
      try {
        parsed = JSON.parse(body) as { version?: number; entries?: unknown };
      } catch (cause) {
        // Chunks are put atomically, so a damaged one is corruption, not a torn write.
        throw new ZimbraBackupError(`restore id map chunk ${key} is corrupt`, {
          code: 'ZB_REPOSITORY_CORRUPT',
          cause,
          data: { key },
        });
      }
      if (parsed.version !== 1 || !Array.isArray(parsed.entries)) {
        throw new ZimbraBackupError(`restore id map chunk ${key} has an unknown shape`, {
          code: 'ZB_REPOSITORY_CORRUPT',
          data: { key },
        });
      }
      for (const e of parsed.entries as unknown[]) {
        if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string') map.#entries.set(e[0], e[1]);
      }
    }
    return map;
  }

  /** Entries in the map. */
  get size(): number {
    return this.#entries.size;
  }

  /** The new id of `key` (`<kind>:<oldId>`), or undefined when not restored yet. */
  get(key: string): string | undefined {
    return this.#entries.get(key);
  }

  /** Every entry (key -> new id). */
  entries(): ReadonlyMap<string, string> {
    return this.#entries;
  }

  /** Records that `key` was written as `newId`; persisted by the next flush. */
  set(key: string, newId: string): void {
    if (this.#entries.get(key) === newId) return;
    this.#entries.set(key, newId);
    if (this.#readOnly) return;
    this.#pending.push([key, newId]);
    if (this.#pending.length >= this.#flushEvery) void this.flush().catch(() => {});
    else if (!this.#timer && this.#intervalMs > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush().catch(() => {});
      }, this.#intervalMs);
      this.#timer.unref();
    }
  }

  /**
   * Writes pending entries as one new chunk. Flushes are serialised.
   * @throws the storage error of a failed chunk write (the entries stay pending for the next flush).
   */
  flush(signal?: AbortSignal): Promise<void> {
    const run = this.#flushing.then(async () => {
      if (this.#pending.length === 0) return;
      const batch = this.#pending.splice(0, this.#pending.length);
      const key = `${this.#prefix}map/${String(Date.now()).padStart(15, '0')}-${randomBytes(6).toString('hex')}.json`;
      try {
        await this.#backend.put(key, jsonBody({ version: 1, entries: batch }), signal ? { signal } : {});
      } catch (err) {
        this.#pending.unshift(...batch);
        this.#error = err;
        throw err;
      }
    });
    this.#flushing = run.catch(() => {});
    return run;
  }

  /** Flushes what is pending and stops the timer. Call it in `finally`, also after an abort. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
    this.#error = undefined;
  }

  /** The last background flush error, if any (also rethrown by the next explicit flush). */
  get lastError(): unknown {
    return this.#error;
  }

  /** Reads the restore's operation record, or undefined when this restore never ran. */
  async readOperation(signal?: AbortSignal): Promise<{ [k: string]: JsonValue } | undefined> {
    try {
      const body = await text(await this.#backend.get(`${this.#prefix}operation.json`, signal ? { signal } : {}));
      return JSON.parse(body) as { [k: string]: JsonValue };
    } catch (err) {
      if (isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) return undefined;
      if (err instanceof SyntaxError)
        throw new ZimbraBackupError('restore operation record is corrupt', {
          code: 'ZB_REPOSITORY_CORRUPT',
          cause: err,
          data: { key: `${this.#prefix}operation.json` },
        });
      throw err;
    }
  }

  /** Writes the restore's operation record (what it restores, choices made on the first run). */
  async writeOperation(op: { [k: string]: JsonValue }, signal?: AbortSignal): Promise<void> {
    if (this.#readOnly) return;
    await this.#backend.put(`${this.#prefix}operation.json`, jsonBody(op), signal ? { signal } : {});
  }
}
