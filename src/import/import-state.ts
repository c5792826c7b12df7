/**
 * The bookkeeping of one import (`restores/<importId>/import.json`): which directory objects it
 * is creating or created (so a resumed run treats them as its own, not as pre-existing), and
 * which accounts finished. Rewritten atomically after each change; small (names only).
 * @module
 */
import { text } from 'node:stream/consumers';
import { ZimbraBackupError, isZimbraBackupError } from '../errors.js';
import { restorePrefix } from '../repository/layout.js';
import { type StorageBackend, bufferBody } from '../store/backends/backend.js';

interface StateBody {
  version: 1;
  /** Lower-cased names of accounts/lists whose Create*Request was sent (created, or perhaps created before a crash). */
  ours: string[];
  /** zimbraIds of source accounts whose content finished. */
  done: string[];
}

/** Persistent progress of one import. */
export class ImportState {
  readonly #backend: StorageBackend;
  readonly #key: string;
  readonly #ours: Set<string>;
  readonly #done: Set<string>;
  #saving: Promise<void> = Promise.resolve();

  private constructor(backend: StorageBackend, key: string, body: StateBody) {
    this.#backend = backend;
    this.#key = key;
    this.#ours = new Set(body.ours);
    this.#done = new Set(body.done);
  }

  /**
   * Loads the state of `importId` (none yet: empty).
   * @throws `ZB_REPOSITORY_CORRUPT` for an unreadable state object.
   */
  static async load(backend: StorageBackend, importId: string, signal?: AbortSignal): Promise<ImportState> {
    const key = `${restorePrefix(importId)}import.json`;
    let body: StateBody = { version: 1, ours: [], done: [] };
    try {
      const parsed = JSON.parse(await text(await backend.get(key, signal ? { signal } : {}))) as StateBody;
      if (parsed.version !== 1 || !Array.isArray(parsed.ours) || !Array.isArray(parsed.done))
        throw new Error('unexpected shape');
      body = parsed;
    } catch (err) {
      if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) {
        if (isZimbraBackupError(err)) throw err;
        throw new ZimbraBackupError(`import state ${key} is corrupt`, {
          code: 'ZB_REPOSITORY_CORRUPT',
          cause: err,
          data: { key },
        });
      }
    }
    return new ImportState(backend, key, body);
  }

  /** True when this import sent the Create request for `name` (account or list). */
  isOurs(name: string): boolean {
    return this.#ours.has(name.toLowerCase());
  }

  /** Records, before the Create request is sent, that `name` is this import's. */
  async claim(name: string, signal?: AbortSignal): Promise<void> {
    if (this.#ours.has(name.toLowerCase())) return;
    this.#ours.add(name.toLowerCase());
    await this.save(signal);
  }

  /** Withdraws a claim whose create found the object already there (someone else's). */
  async release(name: string, signal?: AbortSignal): Promise<void> {
    if (this.#ours.delete(name.toLowerCase())) await this.save(signal);
  }

  /** True when the content of source account `id` finished in an earlier run. */
  isDone(id: string): boolean {
    return this.#done.has(id);
  }

  /** Records that the content of source account `id` finished. */
  async markDone(id: string, signal?: AbortSignal): Promise<void> {
    this.#done.add(id);
    await this.save(signal);
  }

  /** Writes the state (serialised: concurrent accounts call this). */
  save(signal?: AbortSignal): Promise<void> {
    const run = this.#saving.then(async () => {
      const body: StateBody = { version: 1, ours: [...this.#ours].sort(), done: [...this.#done].sort() };
      const bytes = Buffer.from(`${JSON.stringify(body)}\n`);
      await this.#backend.put(this.#key, bufferBody(bytes), signal ? { signal } : {});
    });
    this.#saving = run.catch(() => {});
    return run;
  }
}
