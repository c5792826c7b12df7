/**
 * `migrate`: converts a version 1 repository (one object per blob) to version 2 (packs + index)
 * in place, resumably (docs/FORMAT.md "Changes", "Pack files").
 *
 * ```text
 * lock (writer)
 * load the v2 index written by an earlier, interrupted run (those blobs are skipped)
 * for each blobs/ab/cd/<digest>: read the object, verify it, append it to a pack   (flush every 1,000)
 * flush (packs + index durable)
 * replace FORMAT with version 2 (same id, compression)          -- the switch: one atomic put
 * delete blobs/                                                 -- v2 never reads them
 * ```
 * Crash-safe at every point: before the switch the repository is version 1 with every blob object
 * in place (packs and index files are invisible to version 1); after it, every blob is in an index
 * file, and leftover `blobs/` objects are deleted by the next run. A damaged blob object stops the
 * migration before the switch (run `check --repair` first): nothing is lost or half converted.
 * @module
 */
import { Readable } from 'node:stream';
import { ZimbraBackupError, isZimbraBackupError, throwIfAborted } from '../errors.js';
import { DEFAULT_PACK_SIZE, encodeFormat, type RepositoryConfig } from '../repository/format.js';
import { BLOBS_PREFIX, FORMAT_KEY, blobLayout } from '../repository/layout.js';
import type { LockOptions } from '../repository/lock.js';
import type { Repository } from '../repository/repository.js';
import { BLOB_HEADER_SIZE, decodeBlobHeader } from '../store/blob-codec.js';
import { readHead } from '../store/blob-stream.js';
import { PackStore } from '../store/pack/pack-store.js';
import { readSmallObject } from '../store/pack/read-object.js';
import { verifyObject } from '../store/pack/verify-object.js';
import type { ProgressEvent } from '../internal/progress.js';
import { bufferBody } from '../store/backends/backend.js';

/** Options of {@link migrateRepository}. */
export interface MigrateOptions {
  /** The repository (version 1, or version 2 with leftovers of an interrupted migration). */
  repository: Repository;
  /** Count what would be converted; change nothing, take no lock. Default false. */
  dryRun?: boolean;
  /** Target pack size of the new repository. Default 16 MiB. */
  packSize?: number;
  /** Writer-lock options (owner defaults to 'migrate'). */
  lock?: LockOptions;
  /** Progress: blob objects done so far. */
  onProgress?: (p: ProgressEvent<'pack' | 'cleanup', 'objects'> & { total: number }) => void;
  signal?: AbortSignal;
}

/** What {@link migrateRepository} did (or would do). */
export interface MigrateResult {
  dryRun: boolean;
  /** Format version before the run. */
  fromVersion: number;
  /** Version 1 blob objects found. */
  blobObjects: number;
  /** Their stored bytes. */
  bytes: number;
  /** Of those, already in packs (an earlier, interrupted run). */
  alreadyPacked: number;
  /** Packs written by this run. */
  packsWritten: number;
  /** `blobs/` objects deleted after the switch. */
  objectsDeleted: number;
  /** True when the repository is version 2 with no version 1 blob objects left. */
  complete: boolean;
}

/**
 * Converts a version 1 repository to version 2 (see the module doc). Rerunning after any
 * interruption finishes the job; running it on a complete version 2 repository does nothing.
 * @throws `ZB_LOCK_HELD`; `ZB_REPOSITORY_CORRUPT` naming a damaged blob object (nothing switched);
 *   `ZB_ABORTED`; backend errors.
 */
export async function migrateRepository(opts: MigrateOptions): Promise<MigrateResult> {
  const { repository, signal } = opts;
  const io = signal ? { signal } : {};
  const backend = repository.backend;
  const dryRun = opts.dryRun === true;
  const config = repository.config;
  const packSize = opts.packSize ?? config.packSize ?? DEFAULT_PACK_SIZE;
  const result: MigrateResult = {
    dryRun,
    fromVersion: config.version,
    blobObjects: 0,
    bytes: 0,
    alreadyPacked: 0,
    packsWritten: 0,
    objectsDeleted: 0,
    complete: false,
  };
  const objects: Array<{ key: string; digest: string; size: number }> = [];
  for await (const { key, size } of backend.list(BLOBS_PREFIX, io)) {
    const digest = blobLayout.parse(key);
    if (digest) objects.push({ key, digest, size });
  }
  result.blobObjects = objects.length;
  result.bytes = objects.reduce((n, o) => n + o.size, 0);
  if (repository.encrypted) {
    // Encrypted repositories are created as version 2 and never hold version 1 blob objects; FORMAT
    // (with its encryption field) is left alone.
    if (objects.length > 0)
      throw new ZimbraBackupError(
        'an encrypted repository holds version 1 blob objects; this library never writes them there',
        {
          code: 'ZB_UNSUPPORTED',
          data: { reason: 'encrypted', key: objects[0]?.key },
        },
      );
    return { ...result, complete: true };
  }
  const packs = new PackStore({ backend, targetPackBytes: packSize });
  await packs.load(io);
  result.alreadyPacked = objects.filter((o) => packs.has(o.digest)).length;
  if (dryRun) {
    result.complete = config.version === 2 && objects.length === 0;
    return result;
  }
  const lock = await repository.lock({ owner: 'migrate', ...opts.lock, ...io });
  lock.startHeartbeat();
  try {
    if (config.version === 1) {
      let done = 0;
      for (const o of objects) {
        throwIfAborted(signal);
        if (!packs.has(o.digest)) await packObject(packs, o, packSize, io);
        if (++done % 1000 === 0) {
          lock.assertHeld();
          await packs.flush(io);
        }
        opts.onProgress?.({ phase: 'pack', loaded: done, total: objects.length, unit: 'objects' });
      }
      await packs.flush(io);
      result.packsWritten = packs.counters.packsWritten;

      lock.assertHeld();
      // The switch: one atomic replace of FORMAT; from here on readers use the packs.
      const next: RepositoryConfig = {
        format: config.format,
        version: 2,
        id: config.id,
        created: config.created,
        compression: config.compression,
        gzipLevel: config.gzipLevel,
        blobLayout: 'packs',
        packSize,
      };
      const bytes = encodeFormat(next);
      await backend.put(FORMAT_KEY, bufferBody(bytes), io);
    }
    let deleted = 0;
    for (const o of objects) {
      // Only objects the index holds (all of them, unless a writer broke in before the switch).
      if (!packs.has(o.digest)) continue;
      lock.assertHeld();
      await backend.delete(o.key, io).catch((err: unknown) => {
        if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
      });
      deleted++;
      opts.onProgress?.({ phase: 'cleanup', loaded: deleted, total: objects.length, unit: 'objects' });
    }
    result.objectsDeleted = deleted;
    result.complete = deleted === objects.length;
  } finally {
    await lock.release();
  }
  return result;
}

/** Copies one verified version 1 blob object into the pack store. */
async function packObject(
  packs: PackStore,
  o: { key: string; digest: string; size: number },
  packSize: number,
  io: { signal?: AbortSignal },
): Promise<void> {
  const backend = packs.backend;
  if (o.size >= packSize / 2) {
    // Large: stream it into a pack of its own (the header gives codec and size; the stream is
    // verified by the first full check, as large objects are never held in memory).
    const head = await backend.get(o.key, { ...io, offset: 0, length: BLOB_HEADER_SIZE });
    let h;
    try {
      h = decodeBlobHeader(await readHead(head, BLOB_HEADER_SIZE, o.key), o.key);
    } finally {
      head.destroy();
    }
    if (h.size === undefined) throw damaged(o, 'the header records no size');
    const size = h.size;
    await packs.addLarge(o.digest, size, h.codec, o.size, () => streamOf(backend, o.key), io);
    return;
  }
  const bytes = await readSmallObject(backend, o.key, io);
  const verdict = verifyObject(bytes, o.digest, o.key);
  if (verdict && !verdict.ok) throw damaged(o, verdict.reason);
  const h = decodeBlobHeader(bytes, o.key);
  await packs.add(o.digest, verdict?.size ?? h.size ?? 0, h.codec, bytes);
}

function streamOf(backend: PackStore['backend'], key: string): Readable {
  return Readable.from(
    (async function* () {
      yield* await backend.get(key);
    })(),
    { objectMode: false },
  );
}

function damaged(o: { key: string; digest: string }, why: string): ZimbraBackupError {
  return new ZimbraBackupError(
    `blob object ${o.key} is damaged (${why}); nothing was switched: run zimbra-backup check --full --repair, then migrate again`,
    { code: 'ZB_REPOSITORY_CORRUPT', data: { key: o.key, digest: o.digest, reason: why } },
  );
}
