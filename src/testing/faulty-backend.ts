/**
 * Fault-injecting {@link StorageBackend} wrapper for tests (kopia `FaultyStorage`): a per-method
 * script of failures, delays, mid-stream cuts and corruptions, and `expectAllFaultsExercised()` so a
 * test cannot pass because its fault never fired.
 * @module
 */
import { type Readable, Transform, pipeline, type TransformCallback } from 'node:stream';
import { ZimbraBackupError } from '../errors.js';
import { abortableSleep } from '../internal/abortable-sleep.js';
import type {
  BackendProperties,
  IoOptions,
  ObjectInfo,
  ReplayableBody,
  StorageBackend,
} from '../store/backends/backend.js';

/** Backend methods a fault can target. */
export type FaultMethod = 'put' | 'get' | 'stat' | 'list' | 'delete';

/**
 * One scripted fault. A bare fault (`{}`) fails the call with the default error; a fault with only
 * `delayMs` and/or `corrupt` does not fail unless `error` is given too.
 */
export interface Fault {
  /** How many matching calls it hits. Default: 1. */
  times?: number;
  /** Matching calls to let through untouched before it starts hitting. Default: 0. */
  skip?: number;
  /** Only calls whose key (list: prefix) equals this string or matches this pattern. Default: all. */
  key?: string | RegExp;
  /** Wait before the call, in ms (aborts with the call's signal). Default: 0. */
  delayMs?: number;
  /**
   * The error to throw (a factory is called per hit). `true` means the default: a transient
   * `ZB_STORAGE` error (`data.transient`, `data.injected`), which `RetryBackend` retries.
   */
  error?: unknown | (() => unknown) | true;
  /**
   * put: the body stream fails after this many bytes reached the inner backend (a put cut midway);
   * get: the returned stream fails after this many bytes.
   */
  afterBytes?: number;
  /** put: one byte of the stored object is flipped; get: one byte of the returned stream is flipped. */
  corrupt?: boolean;
}

/** Faults per method, consumed in order. */
export type FaultScript = Partial<Record<FaultMethod, Fault | Fault[]>>;

interface ArmedFault extends Fault {
  method: FaultMethod;
  left: number;
  toSkip: number;
  hits: number;
}

/** Wraps a backend and injects the scripted faults; calls without a matching fault pass through. */
export class FaultyBackend implements StorageBackend {
  /** The same properties as the wrapped backend. */
  readonly properties: BackendProperties;
  /** The wrapped backend. */
  readonly inner: StorageBackend;
  /** Calls seen per method, faulted or not. */
  readonly calls: Record<FaultMethod, number> = { put: 0, get: 0, stat: 0, list: 0, delete: 0 };
  readonly #faults: ArmedFault[] = [];

  /** Wraps `inner` with `script`; more faults can be added later with {@link FaultyBackend.add}. */
  constructor(inner: StorageBackend, script: FaultScript = {}) {
    this.inner = inner;
    this.properties = { ...inner.properties };
    this.add(script);
  }

  /** Arms more faults. */
  add(script: FaultScript): this {
    for (const [method, spec] of Object.entries(script) as Array<[FaultMethod, Fault | Fault[] | undefined]>) {
      for (const f of spec === undefined ? [] : Array.isArray(spec) ? spec : [spec]) {
        const times = f.times ?? 1;
        if (!Number.isInteger(times) || times < 1)
          throw new ZimbraBackupError('fault times must be >= 1', { code: 'ZB_INVALID_ARGUMENT', data: { method } });
        this.#faults.push({ ...f, method, left: times, toSkip: f.skip ?? 0, hits: 0 });
      }
    }
    return this;
  }

  /** Throws an Error naming every fault that has not fired as many times as scripted. */
  expectAllFaultsExercised(): void {
    const unused = this.#faults.filter((f) => f.left > 0 || f.toSkip > 0);
    if (unused.length > 0) {
      const list = unused
        .map((f) => `${f.method}${f.key ? ` ${String(f.key)}` : ''} (${f.hits}/${f.hits + f.left} hits)`)
        .join(', ');
      throw new Error(`faults not exercised: ${list}`);
    }
  }

  /** @inheritDoc */
  async put(key: string, body: ReplayableBody, opts: IoOptions = {}): Promise<void> {
    const f = await this.#enter('put', key, opts.signal);
    if (f && fails(f) && f.afterBytes === undefined) throw makeError(f, key);
    if (f && (f.afterBytes !== undefined || f.corrupt)) {
      const wrapped: ReplayableBody = {
        ...(body.size === undefined ? {} : { size: body.size }),
        open: () => pipeline(body.open(), mangle(f, key), noop),
      };
      return this.inner.put(key, wrapped, opts);
    }
    return this.inner.put(key, body, opts);
  }

  /** @inheritDoc */
  async get(key: string, opts: IoOptions & { offset?: number; length?: number } = {}): Promise<Readable> {
    const f = await this.#enter('get', key, opts.signal);
    if (f && fails(f) && f.afterBytes === undefined) throw makeError(f, key);
    const stream = await this.inner.get(key, opts);
    if (f && (f.afterBytes !== undefined || f.corrupt)) {
      return pipeline(stream, mangle(f, key), noop);
    }
    return stream;
  }

  /** @inheritDoc */
  async stat(key: string, opts: IoOptions = {}): Promise<{ size: number } | undefined> {
    const f = await this.#enter('stat', key, opts.signal);
    if (f && fails(f)) throw makeError(f, key);
    return this.inner.stat(key, opts);
  }

  /** @inheritDoc */
  async *list(prefix: string, opts: IoOptions = {}): AsyncIterable<ObjectInfo> {
    const f = await this.#enter('list', prefix, opts.signal);
    if (f && fails(f)) throw makeError(f, prefix);
    yield* this.inner.list(prefix, opts);
  }

  /** @inheritDoc */
  async delete(key: string, opts: IoOptions = {}): Promise<void> {
    const f = await this.#enter('delete', key, opts.signal);
    if (f && fails(f)) throw makeError(f, key);
    return this.inner.delete(key, opts);
  }

  /** Closes the wrapped backend. */
  async close(): Promise<void> {
    await this.inner.close?.();
  }

  /** Counts the call, picks the first armed fault that matches, and applies its delay. */
  async #enter(method: FaultMethod, key: string, signal: AbortSignal | undefined): Promise<ArmedFault | undefined> {
    this.calls[method]++;
    const f = this.#faults.find((x) => x.method === method && x.left > 0 && matches(x.key, key));
    if (!f) return undefined;
    if (f.toSkip > 0) {
      f.toSkip--;
      return undefined;
    }
    f.left--;
    f.hits++;
    if (f.delayMs) await abortableSleep(f.delayMs, signal);
    return f;
  }
}

/** pipeline() needs a callback; errors reach the consumer through the returned stream. */
function noop(): void {}

/** Whether a hit of `f` fails the call (before any byte moves). */
function fails(f: Fault): boolean {
  if (f.error !== undefined) return true;
  return f.delayMs === undefined && f.afterBytes === undefined && !f.corrupt;
}

function matches(pattern: string | RegExp | undefined, key: string): boolean {
  if (pattern === undefined) return true;
  return typeof pattern === 'string' ? pattern === key : pattern.test(key);
}

function makeError(f: Fault, key: string): unknown {
  if (f.error === undefined || f.error === true) {
    return new ZimbraBackupError(`injected fault on ${key}`, {
      code: 'ZB_STORAGE',
      data: { key, transient: true, injected: true },
    });
  }
  return typeof f.error === 'function' ? (f.error as () => unknown)() : f.error;
}

/** A pass-through that fails after `afterBytes` and/or flips the middle byte of the first chunk. */
function mangle(f: Fault, key: string): Transform {
  let seen = 0;
  let flipped = !f.corrupt;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      let out = chunk;
      if (!flipped && out.length > 0) {
        out = Buffer.from(out);
        const at = out.length >> 1;
        out[at] = (out[at] ?? 0) ^ 0x5a;
        flipped = true;
      }
      if (f.afterBytes !== undefined && seen + out.length > f.afterBytes) {
        const keep = f.afterBytes - seen;
        if (keep > 0) this.push(out.subarray(0, keep));
        seen = f.afterBytes;
        cb(toError(makeError(f, key)));
        return;
      }
      seen += out.length;
      cb(null, out);
    },
  });
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
