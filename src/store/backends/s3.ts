/**
 * S3-compatible object storage backend, exported as `zimbra-backup/s3` so that the AWS SDK
 * (`@aws-sdk/client-s3`, `@aws-sdk/lib-storage`, optional peer dependencies) is loaded only by
 * those who use it. Nothing else in the library imports this module.
 *
 * ```
 * put(key, body):  body.open() -> byte count check -> lib-storage Upload
 *                  (one PutObject below partSize, multipart above; parts aborted on failure)
 * get(key, range): GetObject [Range] -> length check -> caller
 * stat:            HeadObject (404 -> undefined)      delete: HeadObject, then DeleteObject
 * list(prefix):    ListObjectsV2 pages, fetched as the caller iterates
 * ```
 * Failure modes: an object becomes visible only when its PutObject or CompleteMultipartUpload
 * succeeds, so a failed or aborted put leaves nothing behind (S3 semantics); errors are mapped by
 * `toS3Error` to `ZB_BLOB_NOT_FOUND`, `ZB_ABORTED` or `ZB_STORAGE` (`data.transient` for 5xx,
 * throttling and network failures). Retries belong to `RetryBackend`, not here.
 * @module
 */
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ZimbraBackupError, throwIfAborted } from '../../errors.js';
import { resolveLogger, type Logger } from '../../internal/logger.js';
import type { Secret } from '../../internal/secret.js';
import type { BackendProperties, IoOptions, ObjectInfo, ReplayableBody, StorageBackend } from './backend.js';
import { assertValidKey, assertValidPrefix, resolveRange } from './key.js';
import { ByteCountStream } from '../../internal/byte-count-stream.js';
import { buildS3ClientConfig, intOption } from './s3-client-config.js';
import { isS3Transient, s3HttpStatus, toS3Error } from './s3-errors.js';
import { assertS3Bucket, normalizeS3Prefix, parseS3Url } from './s3-url.js';
import { wrapS3Download } from './s3-download.js';

export { parseS3Url, type S3Url } from './s3-url.js';

/** Static credentials for an S3 backend; the secret parts are kept in a {@link Secret}. */
export interface S3Credentials {
  /** Access key id (not secret; may appear in server logs). */
  accessKeyId: string;
  /** Secret access key; never logged or put in errors. */
  secretAccessKey: string | Secret;
  /** Session token of temporary credentials. */
  sessionToken?: string | Secret;
}

/** When the SDK computes or verifies flexible checksums (CRC32 and friends). */
export type S3ChecksumMode = 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';

/** Options of {@link S3Backend}. */
export interface S3BackendOptions {
  /** Bucket holding the repository. */
  bucket: string;
  /** Repository root inside the bucket, e.g. `zimbra/prod` (default `''`: the bucket root). */
  prefix?: string;
  /** Endpoint of an S3-compatible server, e.g. `http://127.0.0.1:9000` (default: AWS, or the SDK's `AWS_ENDPOINT_URL_S3`). */
  endpoint?: string;
  /** Region (default `'us-east-1'`). */
  region?: string;
  /** Path-style addressing (`endpoint/bucket/key`), needed by most S3-compatible servers (default `false`). */
  forcePathStyle?: boolean;
  /** Static credentials (default: the SDK's default provider chain: environment, profile, instance role). */
  credentials?: S3Credentials;
  /**
   * When request checksums are computed (default `'WHEN_REQUIRED'`). The SDK's own default,
   * `'WHEN_SUPPORTED'`, sends streamed bodies `aws-chunked` with a trailing checksum, which some
   * S3-compatible servers store verbatim: with s3rver 3.7.1, a 300,003-byte streamed PutObject
   * is stored as 300,048 to 300,083 bytes, framing included, depending on how the stream is
   * chunked (reproduced in test/live/s3-checksum.test.ts).
   */
  requestChecksumCalculation?: S3ChecksumMode;
  /** When response checksums are verified (default `'WHEN_REQUIRED'`; our blob store verifies SHA-256 itself). */
  responseChecksumValidation?: S3ChecksumMode;
  /** Multipart part size in bytes (default 8 MiB, minimum 5 MiB, the S3 limit). Objects up to this size take one PutObject. */
  partSize?: number;
  /** Parts of one object uploaded concurrently (default 4); one upload buffers up to `queueSize * partSize` bytes. */
  queueSize?: number;
  /** Maximum concurrent HTTP connections, also advertised in `properties` (default 16). */
  maxConnections?: number;
  /** Keys requested per ListObjectsV2 page (default 1000, the S3 maximum). */
  listPageSize?: number;
  /** Attempts per request made by the SDK itself (default 1: retries belong to `RetryBackend`). */
  maxAttempts?: number;
  /** Time to establish a connection, in ms (default 10,000). */
  connectionTimeoutMs?: number;
  /** Socket inactivity allowed during a request, in ms (default 120,000). */
  requestTimeoutMs?: number;
  /** Logger for debug lines (keys, sizes, timings; never credentials). Default: silent. */
  logger?: Logger | false;
  /**
   * A ready S3 client to use instead of building one; the endpoint, region, credential,
   * checksum, connection and timeout options above are then ignored, and `close()` leaves the
   * client open (its owner destroys it).
   */
  client?: S3Client;
}

const MIB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MIB;
const MAX_PART_SIZE = 5 * 1024 * MIB;

/**
 * A {@link StorageBackend} on Amazon S3 or an S3-compatible server (MinIO, Ceph RGW, s3rver...).
 *
 * Objects live under `<prefix>/<key>`. Writes stream through `@aws-sdk/lib-storage`, so memory
 * stays bounded by `queueSize * partSize` whatever the object size. No hot-path operation lists
 * the bucket. Costs: `stat` is one HEAD, `delete` a HEAD plus a DELETE (S3 deletes are idempotent,
 * and the contract wants a missing key reported).
 * @example
 * ```ts
 * import { S3Backend } from 'zimbra-backup/s3';
 * const backend = new S3Backend({ bucket: 'backups', prefix: 'zimbra', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
 * await backend.put('FORMAT', { open: () => Readable.from(['{"format":"zimbra-backup"}']) });
 * await backend.close();
 * ```
 */
export class S3Backend implements StorageBackend {
  /** `atomicReplace` (S3 swaps whole objects) and the connection limit. */
  readonly properties: BackendProperties;
  /** Bucket holding the repository. */
  readonly bucket: string;
  /** Normalised repository root inside the bucket ('' for the bucket root). */
  readonly prefix: string;
  readonly #client: S3Client;
  readonly #ownsClient: boolean;
  readonly #root: string;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #listPageSize: number;
  readonly #logger: Logger;

  /**
   * @throws ZimbraBackupError `ZB_INVALID_ARGUMENT` naming the bad field.
   */
  constructor(options: S3BackendOptions) {
    assertS3Bucket(options.bucket);
    this.bucket = options.bucket;
    this.prefix = normalizeS3Prefix(options.prefix ?? '');
    this.#root = this.prefix === '' ? '' : `${this.prefix}/`;
    this.#partSize = intOption(options.partSize, 'partSize', 8 * MIB, MIN_PART_SIZE, MAX_PART_SIZE);
    this.#queueSize = intOption(options.queueSize, 'queueSize', 4);
    this.#listPageSize = intOption(options.listPageSize, 'listPageSize', 1000, 1, 1000);
    const maxConnections = intOption(options.maxConnections, 'maxConnections', 16);
    this.#logger = resolveLogger(options.logger);
    this.properties = { atomicReplace: true, maxConnections };
    if (options.client !== undefined) {
      this.#client = options.client;
      this.#ownsClient = false;
    } else {
      this.#client = new S3Client(buildS3ClientConfig(options, maxConnections));
      this.#ownsClient = true;
    }
  }

  /**
   * Streams `body` to `key`; the object appears only once the whole upload has completed.
   * Objects up to `partSize` take one PutObject, larger ones a multipart upload whose parts are
   * discarded on failure. An abort that comes after the last byte was read can lose the race:
   * the put then resolves and the object exists.
   * @throws ZimbraBackupError `ZB_SIZE_MISMATCH` (body length differs from `body.size`),
   *   `ZB_ABORTED`, `ZB_UNSAFE_PATH`, `ZB_STORAGE` (server or body failure; `data.transient`).
   */
  async put(key: string, body: ReplayableBody, opts: IoOptions = {}): Promise<void> {
    const { signal } = opts;
    throwIfAborted(signal);
    const objectKey = this.#objectKey(key);
    const started = Date.now();
    const counter = new ByteCountStream({
      ...(body.size === undefined ? {} : { expectedSize: body.size }),
      onMismatch: (expected, actual) =>
        new ZimbraBackupError(`body of "${key}" has ${actual} bytes, expected ${expected}`, {
          code: 'ZB_SIZE_MISMATCH',
          data: { op: 'put', key, expected, actual },
        }),
    });
    let source: Readable;
    try {
      source = body.open();
    } catch (err) {
      throw bodyError(err, key, signal);
    }
    // The first failure of our own side (source error, size mismatch, abort) is what the caller
    // must see, not a later failure of lib-storage's cleanup (AbortMultipartUpload).
    let localError: unknown;
    const fail = (err: unknown): void => {
      localError ??= err;
      counter.destroy(err as Error);
    };
    source.on('error', fail);
    source.pipe(counter);
    // Abort by failing the source stream rather than Upload.abort(): lib-storage then aborts the
    // multipart upload (leavePartsOnError: false) *before* done() rejects, so nothing is left
    // behind when put() returns. A part already in flight finishes first.
    const onAbort = (): void => {
      fail(
        new ZimbraBackupError('S3 put aborted', {
          code: 'ZB_ABORTED',
          cause: signal?.reason,
          data: { op: 'put', key },
        }),
      );
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    counter.on('error', (err) => {
      localError ??= err;
    });
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.bucket, Key: objectKey, Body: counter },
      partSize: this.#partSize,
      queueSize: this.#queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      if (localError !== undefined && err !== localError && upload.uploadId !== undefined) {
        // The parts could not be discarded: invisible, but billed until a lifecycle rule
        // (AbortIncompleteMultipartUpload) removes them.
        const s3Code = (err as { name?: unknown }).name;
        this.#logger.warn(
          { op: 'put', key, uploadId: upload.uploadId, s3Code },
          's3 multipart upload left behind after a failed put',
        );
      }
      throw localError === undefined
        ? toS3Error(err, { op: 'put', bucket: this.bucket, key, signal })
        : bodyError(localError, key, signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      source.unpipe(counter);
      if (!source.destroyed) source.destroy();
    }
    this.#logger.debug(
      { op: 'put', key, bytes: counter.bytes, ms: Date.now() - started, multipart: upload.uploadId !== undefined },
      's3 put',
    );
  }

  /**
   * Streams the object, or `length` bytes from `offset`, clamped at the end of the object (an
   * offset equal to the size gives an empty stream, a larger one `ZB_INVALID_ARGUMENT`, as for
   * every backend). The stream fails if the server sends fewer bytes than it announced.
   * @throws ZimbraBackupError `ZB_BLOB_NOT_FOUND`, `ZB_INVALID_ARGUMENT`, `ZB_ABORTED`, `ZB_STORAGE`.
   */
  async get(key: string, opts: IoOptions & { offset?: number; length?: number } = {}): Promise<Readable> {
    const { signal } = opts;
    throwIfAborted(signal);
    const objectKey = this.#objectKey(key);
    const offset = intOption(opts.offset, 'offset', 0, 0);
    const length = opts.length === undefined ? undefined : intOption(opts.length, 'length', 0, 0);
    if (length === 0) {
      // S3 has no empty range: check existence, return nothing.
      await this.#sizeOrThrow(key, signal);
      return Readable.from([]);
    }
    const range =
      offset === 0 && length === undefined
        ? undefined
        : `bytes=${offset}-${length === undefined ? '' : offset + length - 1}`;
    let res;
    try {
      res = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey, Range: range }), {
        abortSignal: signal,
      });
    } catch (err) {
      // 416: the range starts at or past the end. Resolve it as every backend does (key.ts):
      // empty at the end, ZB_INVALID_ARGUMENT beyond, ZB_BLOB_NOT_FOUND when missing.
      if (s3HttpStatus(err) === 416) {
        const size = await this.#sizeOrThrow(key, signal);
        resolveRange(key, size, offset, length);
        return Readable.from([]);
      }
      throw toS3Error(err, { op: 'get', bucket: this.bucket, key, signal });
    }
    if (!(res.Body instanceof Readable)) {
      throw new ZimbraBackupError('S3 get returned no Node.js stream', {
        code: 'ZB_STORAGE',
        data: { op: 'get', key, transient: false },
      });
    }
    return wrapS3Download(res.Body, {
      expected: res.ContentLength,
      signal,
      ctx: { op: 'get', bucket: this.bucket, key },
    });
  }

  /** Size of the object (one HEAD request), or undefined when it does not exist. */
  async stat(key: string, opts: IoOptions = {}): Promise<{ size: number } | undefined> {
    throwIfAborted(opts.signal);
    const objectKey = this.#objectKey(key);
    try {
      const res = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }), {
        abortSignal: opts.signal,
      });
      return { size: res.ContentLength ?? 0 };
    } catch (err) {
      const mapped = toS3Error(err, { op: 'stat', bucket: this.bucket, key, signal: opts.signal });
      if (mapped.code === 'ZB_BLOB_NOT_FOUND') return undefined;
      throw mapped;
    }
  }

  /**
   * Every object whose repository-relative key starts with `prefix`, one ListObjectsV2 page
   * (`listPageSize` keys) fetched at a time as the caller iterates. Keys put or deleted during
   * the iteration may or may not appear. Not for hot paths: one request per page.
   */
  async *list(prefix: string, opts: IoOptions = {}): AsyncIterable<ObjectInfo> {
    const { signal } = opts;
    assertValidPrefix(prefix);
    const fullPrefix = this.#root + prefix;
    let token: string | undefined;
    do {
      throwIfAborted(signal);
      let page;
      try {
        page = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: fullPrefix,
            ContinuationToken: token,
            MaxKeys: this.#listPageSize,
          }),
          { abortSignal: signal },
        );
      } catch (err) {
        throw toS3Error(err, { op: 'list', bucket: this.bucket, key: prefix, signal });
      }
      for (const obj of page.Contents ?? []) {
        if (obj.Key === undefined || !obj.Key.startsWith(fullPrefix)) continue;
        yield { key: obj.Key.slice(this.#root.length), size: obj.Size ?? 0 };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /**
   * Removes the object. S3 deletes are idempotent, so a HEAD first reports a missing key.
   * @throws ZimbraBackupError `ZB_BLOB_NOT_FOUND` when the key does not exist.
   */
  async delete(key: string, opts: IoOptions = {}): Promise<void> {
    const { signal } = opts;
    await this.#sizeOrThrow(key, signal);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.#objectKey(key) }), {
        abortSignal: signal,
      });
    } catch (err) {
      throw toS3Error(err, { op: 'delete', bucket: this.bucket, key, signal });
    }
    this.#logger.debug({ op: 'delete', key }, 's3 delete');
  }

  /** Closes the HTTP connections of a client this backend created; an injected client stays open. */
  async close(): Promise<void> {
    if (this.#ownsClient) this.#client.destroy();
  }

  async #sizeOrThrow(key: string, signal: AbortSignal | undefined): Promise<number> {
    const info = await this.stat(key, { signal });
    if (info === undefined) {
      throw new ZimbraBackupError(`S3 object "${key}" not found`, {
        code: 'ZB_BLOB_NOT_FOUND',
        data: { bucket: this.bucket, key },
      });
    }
    return info.size;
  }

  #objectKey(key: string): string {
    // Callers validate keys (contract); checking again keeps a hostile key from escaping the
    // prefix on servers that map keys onto a file system (s3rver, MinIO in FS mode).
    assertValidKey(key);
    return this.#root + key;
  }
}

/** The error a put reports when its own side failed: the body, its length, or an abort. */
function bodyError(err: unknown, key: string, signal: AbortSignal | undefined): ZimbraBackupError {
  if (err instanceof ZimbraBackupError) return err;
  if (signal?.aborted === true)
    return new ZimbraBackupError('S3 put aborted', { code: 'ZB_ABORTED', cause: err, data: { op: 'put', key } });
  const detail = err instanceof Error ? err.message : String(err);
  return new ZimbraBackupError(`S3 put "${key}": reading the body failed: ${detail}`, {
    code: 'ZB_STORAGE',
    cause: err,
    data: { op: 'put', key, transient: isS3Transient(err), body: true },
  });
}

/** Options of {@link createS3BackendFromUrl}: everything but what the URL says. */
export type S3BackendFromUrlOptions = Omit<S3BackendOptions, 'bucket' | 'prefix'>;

/**
 * Builds an {@link S3Backend} for an `s3://bucket/prefix[?endpoint=URL&region=R&path-style=true]`
 * repository URL (the CLI's `--repo`). Options given explicitly win over URL parameters. Without
 * `credentials`, the SDK's default chain applies (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`,
 * `AWS_PROFILE`, instance roles), which is how the CLI passes them: never on the command line.
 * @throws ZimbraBackupError `ZB_INVALID_ARGUMENT` for a malformed URL or option.
 */
export function createS3BackendFromUrl(url: string, opts: S3BackendFromUrlOptions = {}): S3Backend {
  const parsed = parseS3Url(url);
  const fromUrl: Partial<S3BackendOptions> = {};
  if (parsed.endpoint !== undefined) fromUrl.endpoint = parsed.endpoint;
  if (parsed.region !== undefined) fromUrl.region = parsed.region;
  if (parsed.forcePathStyle !== undefined) fromUrl.forcePathStyle = parsed.forcePathStyle;
  const explicit = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  return new S3Backend({ ...fromUrl, ...explicit, bucket: parsed.bucket, prefix: parsed.prefix });
}
