/**
 * Directory dumps into a repository: entries spooled as LDIF to a temporary file while their
 * content digest is computed, then stored as one object `directory/<time>.ldif[.gz]` whose header
 * records the digest, unless the newest dump already holds the same content (dump-digest.ts).
 *
 * ```text
 * entries -> digest + LDIF body (gzip member) -> spool file
 * ifChanged and the newest dump's digest is the same -> nothing written; its key is the result
 * else put(key, header member "# ... content-sha256: <hex>" + spooled body)   one object, whole
 * ```
 * The spool exists because a backend put needs a body it can replay on retry, and an LDAP or SOAP
 * read cannot be replayed identically; nothing is stored unless every entry was read. A gzipped
 * dump is two gzip members (header, body): gunzip, zcat and Node's zlib read them as one stream.
 * Skipping an unchanged dump keeps point-in-time reads right: the dump for an instant is the newest
 * at or before it (directory-source.ts), and the newest one still describes the directory.
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { StorageBackend } from '../store/backends/backend.js';
// Types only: the LDAP client (ldapts) is loaded by saveDirectoryDump, not by a SOAP snapshot.
import type { DirectoryDumpOptions } from './directory-dump.js';
import {
  ldapDumpHeader,
  writeDirectoryLdif,
  type DirectoryDumpResult,
  type DirectoryDumpSummary,
} from './directory-dump-io.js';
import type { DirectoryEntry } from './directory-entry.js';
import { findDirectoryDump } from './directory-source.js';
import { digestHeaderLine, digesting, dumpDigestOf, DumpDigest } from './dump-digest.js';
import { formatLdifComment } from './ldif.js';

/** Options of {@link storeDirectoryEntries}. */
export interface StoreDirectoryEntriesOptions {
  /** Repository storage. */
  backend: StorageBackend;
  /** Object key of a new dump, chosen by the repository layout (`directory/<time>.ldif[.gz]`). */
  key: string;
  /** The entries, parents first. */
  entries: AsyncIterable<DirectoryEntry>;
  /** Header comment (may span lines); the digest line is appended to it. */
  header: string;
  /** Gzip the LDIF. Default true. */
  gzip?: boolean;
  /**
   * Write nothing when the newest dump in the repository records the same content digest (its
   * key is returned, `unchanged: true`). Default false: always store a new dump.
   */
  ifChanged?: boolean;
  /** Directory for the spool file. Default `os.tmpdir()`. */
  tmpDir?: string;
  signal?: AbortSignal;
}

/** A stored (or found unchanged) dump. */
export interface StoredDirectoryDump {
  /** The new dump's key, or the newest existing dump's when unchanged. */
  key: string;
  /** Entry counts of the content read. */
  summary: DirectoryDumpSummary;
  /** Bytes written (the stored object's size); 0 when nothing was written. */
  bytes: number;
  /** Content digest (hex), as recorded in the header. */
  digest: string;
  /** True when nothing was written because the newest dump holds the same content. */
  unchanged: boolean;
}

/**
 * Stores `entries` as a directory dump (see the module doc).
 * @throws whatever the entries throw (`ZB_LDAP`, the SOAP client's errors), `ZB_ABORTED`, `ZB_STORAGE`.
 */
export async function storeDirectoryEntries(opts: StoreDirectoryEntriesOptions): Promise<StoredDirectoryDump> {
  const { backend, signal } = opts;
  const gzip = opts.gzip ?? true;
  const io = signal ? { signal } : {};
  const dir = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'zb-ldif-'));
  try {
    const file = join(dir, gzip ? 'body.ldif.gz' : 'body.ldif');
    const digest = new DumpDigest();
    const { summary } = await writeDirectoryLdif(
      digesting(opts.entries, digest),
      createWriteStream(file, { mode: 0o600 }),
      {
        gzip,
        ...io,
      },
    );
    const hex = digest.hex();
    if (opts.ifChanged) {
      const newest = await findDirectoryDump(backend, undefined, signal);
      if (newest !== undefined && (await dumpDigestOf(backend, newest, signal)) === hex)
        return { key: newest, summary, bytes: 0, digest: hex, unchanged: true };
    }
    // The digest line is not folded (82 characters; RFC 2849 allows long lines), so a reader
    // finds it with a line match.
    const text = `${formatLdifComment(opts.header)}# ${digestHeaderLine(hex)}\n`;
    const head = gzip ? gzipSync(text) : Buffer.from(text, 'utf8');
    const { size } = await stat(file);
    const total = head.length + size;
    await backend.put(
      opts.key,
      {
        size: total,
        open: () =>
          Readable.from(
            (async function* () {
              yield head;
              yield* createReadStream(file);
            })(),
          ),
      },
      io,
    );
    return { key: opts.key, summary, bytes: total, digest: hex, unchanged: false };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Options of {@link saveDirectoryDump}. */
export interface SaveDirectoryDumpOptions extends DirectoryDumpOptions {
  /** Repository storage. */
  backend: StorageBackend;
  /** Object key, chosen by the repository layout (e.g. `directory/<time>.ldif.gz`). */
  key: string;
  /** Gzip the LDIF. Default true. */
  gzip?: boolean;
  /** Directory for the spool file. Default `os.tmpdir()`. */
  tmpDir?: string;
  /** Store nothing when the newest dump holds the same content (see {@link storeDirectoryEntries}). Default false. */
  ifChanged?: boolean;
}

/**
 * Dumps the directory over LDAP into a repository object (spooled first, see the module doc);
 * nothing is stored unless the whole dump succeeded.
 * @throws `ZB_LDAP`, `ZB_ABORTED`, `ZB_STORAGE` (from the backend).
 */
export async function saveDirectoryDump(
  opts: SaveDirectoryDumpOptions,
): Promise<DirectoryDumpResult & StoredDirectoryDump> {
  const startedAt = new Date();
  const { dumpDirectory } = await import('./directory-dump.js');
  const stored = await storeDirectoryEntries({
    backend: opts.backend,
    key: opts.key,
    entries: dumpDirectory(opts),
    header: ldapDumpHeader(opts, startedAt),
    ...(opts.gzip !== undefined ? { gzip: opts.gzip } : {}),
    ...(opts.ifChanged !== undefined ? { ifChanged: opts.ifChanged } : {}),
    ...(opts.tmpDir !== undefined ? { tmpDir: opts.tmpDir } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { ...stored, startedAt, durationMs: Date.now() - startedAt.getTime() };
}
