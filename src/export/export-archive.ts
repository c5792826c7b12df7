/**
 * `exportArchive`: one deterministic tar(.gz) stream holding a manifest, the directory, each
 * account's mailbox state at an instant and every referenced blob once (docs/archive-format.md).
 * @module
 */
import { encryptArchiveStream, type ArchiveEncryptionOptions } from './archive-crypto.js';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import type { AccountIndexEntry } from '../repository/account-index.js';
import { ZimbraBackupError, isZimbraBackupError, throwIfAborted } from '../errors.js';
import { writeDirectoryLdif } from '../directory/directory-dump-io.js';
import { parseDigest } from '../store/digest.js';
import { inPackOrder } from '../store/read-order.js';
import { recordDigestSize, recordDigests } from '../journal/record-digests.js';
import {
  ARCHIVE_FORMAT_NAME,
  ARCHIVE_FORMAT_VERSION,
  DIRECTORY_MEMBER,
  MANIFEST_MEMBER,
  blobMember,
  canonicalJson,
  stateMember,
  type ArchiveManifest,
  type ManifestAccount,
  type ManifestMember,
} from './archive-format.js';
import { domainOf, exportDirectorySource, type DirectoryAccount } from './export-directory.js';
import { openAccountState, type RepositoryReader } from './repository-reader.js';
import { countKinds, encodeStateLine, stateRecords } from './state-lines.js';
import { TarOutput } from './tar-output.js';
import { invalidOptionOf } from '../internal/invalid-argument.js';
import type { ProgressEvent } from '../internal/progress.js';

const invalid = invalidOptionOf();

/** A progress event of {@link exportArchive}: `metadata` counts accounts, `blobs` and `done` blobs. */
export interface ExportProgress extends ProgressEvent<'metadata' | 'blobs' | 'done', 'accounts' | 'blobs'> {
  /** Entries of the phase in all. */
  total: number;
  /** Archive bytes written so far (after compression). */
  bytes: number;
}

/** Options of {@link exportArchive}. */
export interface ExportArchiveOptions {
  /** The repository (or any {@link RepositoryReader}); the export never takes the writer lock. */
  repo: RepositoryReader;
  /** Destination; ended when the archive is complete, destroyed on failure. */
  out: Writable;
  /** Only these accounts (names or zimbraIds). Default: every account. */
  accounts?: string[];
  /** Only accounts of these domains. Default: every domain. */
  domains?: string[];
  /** The instant exported (Date or ms since the epoch). Default: now. Also every member's mtime. */
  at?: Date | number;
  /** Outer compression. Default 'gzip'. */
  compression?: 'gzip' | 'none';
  /** gzip level 1-9. Default 6. */
  gzipLevel?: number;
  /** Directory for the metadata spool (state members are hashed before the manifest is written). Default: `os.tmpdir()`. */
  tmpDir?: string;
  /** Progress events (may repeat a count). */
  onProgress?: (p: ExportProgress) => void;
  /** Aborts the export (the destination is destroyed). */
  signal?: AbortSignal;
  /**
   * Encrypt the archive with a password (docs/FORMAT.md "Encrypted archives"); `importArchive`
   * reads it given the same password.
   */
  encryption?: ArchiveEncryptionOptions;
}

/** What {@link exportArchive} wrote. */
export interface ExportArchiveResult {
  /** The manifest written first. */
  manifest: ArchiveManifest;
  /** Bytes written to `out`. */
  bytes: number;
  /** Wall time in ms. */
  durationMs: number;
}

interface Spooled extends ManifestMember {
  file: string;
}

/** Writes text chunks to a file, returning its size and SHA-256. */
async function spool(
  file: string,
  chunks: AsyncIterable<string> | Iterable<string>,
  signal?: AbortSignal,
): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(Readable.from(chunks, { objectMode: false }), tap, createWriteStream(file), signal ? { signal } : {});
  return { size, sha256: hash.digest('hex') };
}

async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const c of createReadStream(file)) {
    hash.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Picks the accounts to export from the account index. */
export function selectAccounts(
  index: readonly AccountIndexEntry[],
  accounts?: string[],
  domains?: string[],
): { entries: AccountIndexEntry[]; named: Set<string> } {
  const named = new Set<string>();
  let entries = [...index];
  if (accounts) {
    const wanted = accounts.map((a) => a.trim().toLowerCase()).filter(Boolean);
    entries = [];
    for (const w of wanted) {
      const hits = index.filter((a) => a.id.toLowerCase() === w || a.name.toLowerCase() === w);
      if (hits.length === 0)
        throw new ZimbraBackupError(`account ${w} is not in this repository`, {
          code: 'ZB_NOT_FOUND',
          data: { account: w },
        });
      for (const h of hits)
        if (!named.has(h.id)) {
          named.add(h.id);
          entries.push(h);
        }
    }
  }
  if (domains) {
    const ds = new Set(domains.map((d) => d.trim().toLowerCase()));
    entries = entries.filter((a) => ds.has(domainOf(a.name)));
  }
  return { entries: entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), named };
}

/**
 * Writes a deterministic export archive: `manifest.json`, `directory.ldif`, one
 * `accounts/<zimbraId>/state.jsonl` per account, then `blobs/<sha256>` for every distinct blob,
 * in the repository's pack order (read sequentially). The same repository and `at` give
 * byte-identical output.
 *
 * Memory: one account's state at a time plus the set of distinct blob digests; metadata is
 * spooled to `tmpDir` so the manifest (first) can list its digests; blobs stream from the store.
 * @throws `ZB_NOT_FOUND` (a named account is not in the repository), `ZB_INVALID_ARGUMENT`,
 *   `ZB_DIGEST_MISMATCH` / `ZB_SIZE_MISMATCH` / `ZB_BLOB_NOT_FOUND` naming a bad blob (the export
 *   stops, `out` is destroyed), `ZB_ABORTED`, storage errors.
 * @example
 * ```ts
 * await exportArchive({ repo, out: fs.createWriteStream('backup.tar.gz'), at: Date.parse('2026-11-26T04:00:00Z') });
 * ```
 */
export async function exportArchive(opts: ExportArchiveOptions): Promise<ExportArchiveResult> {
  const started = Date.now();
  const atMs = opts.at === undefined ? Date.now() : opts.at instanceof Date ? opts.at.getTime() : opts.at;
  if (!Number.isSafeInteger(atMs) || atMs < 0) throw invalid('at', 'must be a valid time');
  const compression = opts.compression ?? 'gzip';
  if (compression !== 'gzip' && compression !== 'none') throw invalid('compression', "must be 'gzip' or 'none'");
  const { repo, signal } = opts;
  const tmp = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'zb-export-'));
  try {
    const { entries, named } = selectAccounts(await repo.accounts(signal), opts.accounts, opts.domains);
    const blobs = new Map<string, string>(); // digest -> first referencing "account/item", for error messages
    const accounts: ManifestAccount[] = [];
    const dirAccounts: DirectoryAccount[] = [];
    const states: Spooled[] = [];
    let loaded = 0;
    for (const a of entries) {
      throwIfAborted(signal);
      const state = await openAccountState(repo, a.id, atMs, signal);
      opts.onProgress?.({ phase: 'metadata', loaded: ++loaded, total: entries.length, unit: 'accounts', bytes: 0 });
      // Not backed up yet at `at`, or gone by then (unless asked for by name): nothing to migrate.
      if (state.seq === 0 || (state.accountDeleted && !named.has(a.id))) continue;
      const own = new Map<string, number>();
      for (const rec of state.items.values()) {
        for (const digest of recordDigests(rec)) {
          own.set(digest, recordDigestSize(rec, digest) ?? 0);
          if (!blobs.has(digest)) blobs.set(digest, `${a.name} item ${rec.id}`);
        }
      }
      const name = stateMember(a.id);
      const file = join(tmp, `${states.length}.jsonl`);
      const sum = await spool(
        file,
        (function* () {
          for (const r of stateRecords(state)) yield encodeStateLine(r);
        })(),
        signal,
      );
      states.push({ name, file, ...sum });
      accounts.push({
        id: a.id,
        name: a.name,
        ...(state.accountDeleted ? { deleted: true } : {}),
        counts: countKinds(state),
        blobs: own.size,
        bytes: [...own.values()].reduce((x, y) => x + y, 0),
      });
      dirAccounts.push({ id: a.id, name: a.name, ...(state.account ? { attrs: state.account.attrs } : {}) });
    }
    const domains = new Set(opts.domains?.map((d) => d.toLowerCase()) ?? dirAccounts.map((a) => domainOf(a.name)));
    const dir = await exportDirectorySource(repo.backend, atMs, dirAccounts, domains, signal);
    const dirFile = join(tmp, 'directory.ldif');
    let dirEntries = 0;
    await writeDirectoryLdif(
      (async function* () {
        for await (const e of dir.entries) {
          dirEntries++;
          yield e;
        }
      })(),
      createWriteStream(dirFile),
      { gzip: false, ...(signal ? { signal } : {}) },
    );
    const directory: Spooled = { name: DIRECTORY_MEMBER, file: dirFile, ...(await hashFile(dirFile)) };
    // Pack order (pack id, offset): the blobs are read pack by pack, each sequentially; digest
    // order first, so blobs outside packs (format v1) come out sorted and the archive is stable.
    const digests = await inPackOrder(repo.blobs, [...blobs.keys()].sort(), (d) => d, signal ? { signal } : {});
    const sizes = await blobSizes(repo, digests, blobs, signal);
    const manifest: ArchiveManifest = {
      format: ARCHIVE_FORMAT_NAME,
      version: ARCHIVE_FORMAT_VERSION,
      atMs,
      at: new Date(atMs).toISOString(),
      source: { ...(repo.config?.id ? { repositoryId: repo.config.id } : {}) },
      selection: {
        accounts: opts.accounts ? [...opts.accounts].map((s) => s.toLowerCase()).sort() : null,
        domains: opts.domains ? [...domains].sort() : null,
      },
      directory: { source: dir.source, ...(dir.dumpKey ? { dumpKey: dir.dumpKey } : {}), entries: dirEntries },
      accounts,
      members: [directory, ...states].map(({ name, size, sha256 }) => ({ name, size, sha256 })),
      blobs: { count: digests.length, bytes: sizes.reduce((x, y) => x + y, 0) },
    };
    const encrypt = opts.encryption ? await encryptArchiveStream(opts.encryption) : undefined;
    const out = new TarOutput(opts.out, {
      gzip: compression === 'gzip',
      ...(encrypt ? { encrypt } : {}),
      atMs,
      ...(opts.gzipLevel ? { gzipLevel: opts.gzipLevel } : {}),
      ...(signal ? { signal } : {}),
    });
    try {
      await out.addBuffer(
        MANIFEST_MEMBER,
        Buffer.from(`${JSON.stringify(JSON.parse(canonicalJson(manifest)), null, 1)}\n`),
      );
      for (const m of [directory, ...states]) await out.addStream(m.name, m.size, createReadStream(m.file), signal);
      const ahead = new ReadAhead(repo, digests, sizes, blobs, signal);
      for (let i = 0; i < digests.length; i++) {
        await out.addStream(blobMember(digests[i]!), sizes[i]!, await ahead.take(i), signal);
        opts.onProgress?.({ phase: 'blobs', loaded: i + 1, total: digests.length, unit: 'blobs', bytes: out.bytes });
      }
      await out.finish();
    } catch (err) {
      await out.fail(err);
      throw err;
    }
    opts.onProgress?.({
      phase: 'done',
      loaded: digests.length,
      total: digests.length,
      unit: 'blobs',
      bytes: out.bytes,
    });
    return { manifest, bytes: out.bytes, durationMs: Date.now() - started };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function blobError(err: unknown, digest: string, ref: string): unknown {
  if (!isZimbraBackupError(err) || err.code === 'ZB_ABORTED') return err;
  return new ZimbraBackupError(`blob ${digest} (${ref}) cannot be exported: ${err.message}`, {
    code: err.code,
    cause: err,
    data: { ...err.data, digest, ref },
  });
}

async function openBlob(
  repo: RepositoryReader,
  digest: string,
  ref: string,
  signal?: AbortSignal,
): Promise<AsyncIterable<Buffer>> {
  let src: Readable;
  try {
    src = await repo.blobs.get(parseDigest(digest), signal ? { signal } : {});
  } catch (err) {
    throw blobError(err, digest, ref);
  }
  // The store verifies the digest at the end of the stream: name the blob in that error too.
  return (async function* () {
    try {
      for await (const c of src) yield c as Buffer;
    } catch (err) {
      throw blobError(err, digest, ref);
    } finally {
      src.destroy();
    }
  })();
}

/** Blobs up to this size are read ahead into memory. */
const SMALL_BLOB = 1024 * 1024;
/** How many blobs are read ahead (memory: at most this many small blobs). */
const READ_AHEAD = 8;

/**
 * Overlaps the reads of the next few small blobs with the writing of the current one: on object
 * storage each get costs a round trip, and the archive must still come out in digest order.
 * Large blobs are streamed when their turn comes, so memory stays bounded by READ_AHEAD x SMALL_BLOB.
 */
class ReadAhead {
  readonly #pending = new Map<number, Promise<Buffer>>();

  constructor(
    private readonly repo: RepositoryReader,
    private readonly digests: readonly string[],
    private readonly sizes: readonly number[],
    private readonly refs: ReadonlyMap<string, string>,
    private readonly signal?: AbortSignal,
  ) {}

  /** The bytes of blob `i` (verified: a bad blob rejects, naming it). */
  async take(i: number): Promise<AsyncIterable<Buffer>> {
    for (let j = i; j < Math.min(i + READ_AHEAD, this.digests.length); j++) {
      if (this.sizes[j]! > SMALL_BLOB || this.#pending.has(j)) continue;
      const d = this.digests[j]!;
      const p = (async () => {
        const parts: Buffer[] = [];
        for await (const c of await openBlob(this.repo, d, this.refs.get(d)!, this.signal)) parts.push(c);
        return Buffer.concat(parts);
      })();
      p.catch(() => {}); // observed by take(j)
      this.#pending.set(j, p);
    }
    const ready = this.#pending.get(i);
    this.#pending.delete(i);
    if (ready) {
      const buf = await ready;
      return (async function* () {
        yield buf;
      })();
    }
    const d = this.digests[i]!;
    return openBlob(this.repo, d, this.refs.get(d)!, this.signal);
  }
}

/** Uncompressed sizes for the tar headers: from the blob headers (16 at a time), else by reading the blob once. */
async function blobSizes(
  repo: RepositoryReader,
  digests: readonly string[],
  refs: Map<string, string>,
  signal?: AbortSignal,
): Promise<number[]> {
  const limit = pLimit(16);
  const out: number[] = [];
  for (let i = 0; i < digests.length; i += 256) {
    throwIfAborted(signal);
    out.push(
      ...(await Promise.all(
        digests.slice(i, i + 256).map((d) => limit(() => blobSize(repo, d, refs.get(d)!, signal))),
      )),
    );
  }
  return out;
}

async function blobSize(repo: RepositoryReader, d: string, ref: string, signal?: AbortSignal): Promise<number> {
  let st;
  try {
    st = await repo.blobs.stat(parseDigest(d), signal ? { signal } : {});
  } catch (err) {
    throw blobError(err, d, ref);
  }
  if (!st)
    throw blobError(
      new ZimbraBackupError('blob is missing from the repository', { code: 'ZB_BLOB_NOT_FOUND', data: { digest: d } }),
      d,
      ref,
    );
  if (st.size !== undefined) return st.size;
  let n = 0;
  for await (const c of await openBlob(repo, d, ref, signal)) n += c.length;
  return n;
}
