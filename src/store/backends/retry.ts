/**
 * Retry wrapper (restic `backend/retry`): re-runs failed backend calls with exponential backoff
 * and jitter (internal/backoff.ts) while `isRetryable(err)` says the failure is transient. Retries live here, never
 * inside a concrete backend (STYLE.md "Wrappers are separate backends").
 *
 * What is retried: `put` (the {@link ReplayableBody} is re-opened for each attempt), opening a
 * `get` stream (a stream that fails after it was returned is the reader's business: the blob
 * store re-verifies digests), `stat`, `delete` (a NOT_FOUND on a retry counts as success: the
 * earlier attempt did it), and `list` until it has yielded its first object.
 * @module
 */
import type { Readable } from 'node:stream';
import {
  ZimbraBackupError,
  isRetryable as defaultIsRetryable,
  isZimbraBackupError,
  throwIfAborted,
} from '../../errors.js';
import { abortableSleep } from '../../internal/abortable-sleep.js';
import { backoffDelay } from '../../internal/backoff.js';
import { resolveLogger, type Logger } from '../../internal/logger.js';
import type { BackendProperties, IoOptions, ObjectInfo, ReplayableBody, StorageBackend } from './backend.js';

/** Options of {@link RetryBackend}. */
export interface RetryBackendOptions {
  /** Retries after the first attempt. Default: 5. */
  retries?: number;
  /** First backoff delay, in ms. Default: 100. */
  minDelayMs?: number;
  /** Upper bound of one backoff delay, in ms. Default: 10000. */
  maxDelayMs?: number;
  /** Aborts every pending backoff (in addition to each call's own signal). */
  signal?: AbortSignal;
  /** Decides whether an error is worth retrying. Default: `isRetryable` from the error model. */
  isRetryable?: (err: unknown) => boolean;
  /** Called before each backoff; for progress and metrics. */
  onRetry?: (info: { op: string; key: string; attempt: number; delayMs: number; error: unknown }) => void;
  /** Logs each retry at `warn`. Default: silent. */
  logger?: Logger | false;
}

/** A {@link StorageBackend} that retries transient failures of another one. */
export class RetryBackend implements StorageBackend {
  /** The same properties as the wrapped backend. */
  readonly properties: BackendProperties;
  /** The wrapped backend. */
  readonly inner: StorageBackend;
  readonly #retries: number;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  readonly #signal: AbortSignal | undefined;
  readonly #isRetryable: (err: unknown) => boolean;
  readonly #onRetry: RetryBackendOptions['onRetry'];
  readonly #log: Logger;

  /** Wraps `inner`; see {@link RetryBackendOptions} for the defaults. */
  constructor(inner: StorageBackend, options: RetryBackendOptions = {}) {
    this.inner = inner;
    this.properties = { ...inner.properties };
    this.#retries = nonNegativeInt(options.retries ?? 5, 'retries');
    this.#minDelay = nonNegativeInt(options.minDelayMs ?? 100, 'minDelayMs');
    this.#maxDelay = nonNegativeInt(options.maxDelayMs ?? 10_000, 'maxDelayMs');
    if (this.#maxDelay < this.#minDelay) {
      throw new ZimbraBackupError('maxDelayMs must be >= minDelayMs', {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'maxDelayMs' },
      });
    }
    this.#signal = options.signal;
    this.#isRetryable = options.isRetryable ?? defaultIsRetryable;
    this.#onRetry = options.onRetry;
    this.#log = resolveLogger(options.logger);
  }

  /** @inheritDoc */
  put(key: string, body: ReplayableBody, opts: IoOptions = {}): Promise<void> {
    return this.#retry('put', key, opts.signal, () => this.inner.put(key, body, opts));
  }

  /** @inheritDoc */
  get(key: string, opts: IoOptions & { offset?: number; length?: number } = {}): Promise<Readable> {
    return this.#retry('get', key, opts.signal, () => this.inner.get(key, opts));
  }

  /** @inheritDoc */
  stat(key: string, opts: IoOptions = {}): Promise<{ size: number } | undefined> {
    return this.#retry('stat', key, opts.signal, () => this.inner.stat(key, opts));
  }

  /** @inheritDoc */
  async *list(prefix: string, opts: IoOptions = {}): AsyncIterable<ObjectInfo> {
    for (let attempt = 0; ; attempt++) {
      let yielded = false;
      try {
        for await (const info of this.inner.list(prefix, opts)) {
          yielded = true;
          yield info;
        }
        return;
      } catch (err) {
        // Restarting after a yield would repeat objects the consumer already saw.
        if (yielded || !this.#shouldRetry(err, attempt)) throw err;
        await this.#backoff('list', prefix, attempt, err, opts.signal);
      }
    }
  }

  /** @inheritDoc */
  async delete(key: string, opts: IoOptions = {}): Promise<void> {
    let attempt = 0;
    await this.#retry('delete', key, opts.signal, async () => {
      try {
        await this.inner.delete(key, opts);
      } catch (err) {
        // An earlier attempt may have deleted it before failing to report success.
        if (attempt > 0 && isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) return;
        throw err;
      } finally {
        attempt++;
      }
    });
  }

  /** Closes the wrapped backend. */
  async close(): Promise<void> {
    await this.inner.close?.();
  }

  async #retry<T>(op: string, key: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(signal);
      throwIfAborted(this.#signal);
      try {
        return await fn();
      } catch (err) {
        if (!this.#shouldRetry(err, attempt)) throw err;
        await this.#backoff(op, key, attempt, err, signal);
      }
    }
  }

  #shouldRetry(err: unknown, attempt: number): boolean {
    return attempt < this.#retries && !isZimbraBackupError(err, 'ZB_ABORTED') && this.#isRetryable(err);
  }

  async #backoff(
    op: string,
    key: string,
    attempt: number,
    error: unknown,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    // The shared backoff (jittered), but never below the server's Retry-After hint.
    const hinted = (error as { retryAfterMs?: unknown }).retryAfterMs;
    const delayMs = Math.max(
      typeof hinted === 'number' ? Math.min(hinted, this.#maxDelay) : 0,
      backoffDelay(attempt + 1, { baseDelayMs: this.#minDelay, maxDelayMs: this.#maxDelay }),
    );
    this.#log.warn(
      { op, key, attempt: attempt + 1, delayMs, code: (error as { code?: unknown }).code },
      'storage call failed; retrying',
    );
    this.#onRetry?.({ op, key, attempt: attempt + 1, delayMs, error });
    await abortableSleep(delayMs, signal, this.#signal);
  }
}

function nonNegativeInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new ZimbraBackupError(`${field} must be a non-negative integer`, {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field },
    });
  }
  return value;
}
