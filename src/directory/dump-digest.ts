/**
 * The content digest of a directory dump, and how a backup tells that the directory has not
 * changed since the newest dump (issue 12: a no-change run writes no new `directory/` object).
 *
 * ```text
 * digest = sha256 over the entries in dump order, each as its LDIF record with attribute names
 *          sorted (case-insensitively) and each attribute's values sorted (bytewise): the server's
 *          attribute order is not part of the content
 * header comment of every dump since format v2: "# content-sha256: <64 hex>"
 * unchanged = the newest dump in directory/ carries the same digest
 * ```
 * A dump without the line (older versions, imports) never counts as unchanged, so the first
 * backup after an upgrade writes one. Comments are not LDIF content: `slapadd`, `ldapadd` and
 * {@link readDirectoryDump} skip them.
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import type { StorageBackend } from '../store/backends/backend.js';
import type { DirectoryEntry, DirectoryValue } from './directory-entry.js';
import { findDirectoryDump } from './directory-source.js';
import { formatLdifRecord } from './ldif.js';

/** The header label of the content digest. */
export const DUMP_DIGEST_LABEL = 'content-sha256';

/** Stored bytes read back from the newest dump when looking for its digest line. */
const HEAD_BYTES = 16 * 1024;

function valueBytes(v: DirectoryValue): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

/** The digest of a dump's entries, fed one entry at a time (memory does not grow with the dump). */
export class DumpDigest {
  readonly #hash: Hash = createHash('sha256');

  /** Adds the next entry, in dump order. */
  update(entry: DirectoryEntry): void {
    const names = Object.keys(entry.attributes).sort((a, b) => {
      const x = a.toLowerCase();
      const y = b.toLowerCase();
      return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
    });
    const attributes: Record<string, DirectoryValue[]> = {};
    for (const n of names)
      attributes[n] = [...(entry.attributes[n] ?? [])].sort((a, b) => Buffer.compare(valueBytes(a), valueBytes(b)));
    this.#hash.update(formatLdifRecord({ dn: entry.dn, attributes }));
  }

  /** The digest, lower-case hex; call once, after the last entry. */
  hex(): string {
    return this.#hash.digest('hex');
  }
}

/** Yields `entries` unchanged, feeding each to `digest` on the way. */
export async function* digesting(
  entries: AsyncIterable<DirectoryEntry>,
  digest: DumpDigest,
): AsyncGenerator<DirectoryEntry> {
  for await (const e of entries) {
    digest.update(e);
    yield e;
  }
}

/** The header line that records `hex` (without the comment marker). */
export function digestHeaderLine(hex: string): string {
  return `${DUMP_DIGEST_LABEL}: ${hex}`;
}

/**
 * The content digest in the header of the dump at `key`, or undefined when its header has none.
 * Reads only the leading comment lines (the stream is closed after them).
 */
export async function dumpDigestOf(
  backend: StorageBackend,
  key: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  // A ranged read: an S3 or local dump is not read past its head (an encrypted one is opened whole).
  const head = await leadingText(
    await backend.get(key, { offset: 0, length: HEAD_BYTES, ...(signal ? { signal } : {}) }),
  );
  for (const line of head.split('\n')) {
    // comment lines and their folded continuations (a leading space) make up the header
    if (!line.startsWith('#') && !line.startsWith(' ')) break;
    const m = new RegExp(`^# ${DUMP_DIGEST_LABEL}: ([0-9a-f]{64})$`).exec(line.trimEnd());
    if (m) return m[1];
  }
  return undefined;
}

/**
 * The leading text of a dump: its first {@link HEAD_BYTES} stored bytes, gunzipped as far as they go
 * when they start with the gzip magic number (the header is the first gzip member, a few hundred
 * bytes); the rest of the object is not read.
 */
async function leadingText(source: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const raw of source) {
      const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as string);
      chunks.push(chunk);
      n += chunk.length;
      if (n >= HEAD_BYTES) break;
    }
  } finally {
    source.destroy();
  }
  const head = Buffer.concat(chunks).subarray(0, HEAD_BYTES);
  if (head[0] !== 0x1f || head[1] !== 0x8b) return head.toString('utf8');
  try {
    // Z_SYNC_FLUSH: a prefix of the stream inflates without an "unexpected end" error.
    return gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('utf8');
  } catch {
    // a damaged dump has no readable digest: it never counts as unchanged
    return '';
  }
}

/** The newest dump in the repository and its recorded digest (undefined digest: none recorded). */
export async function newestDumpDigest(
  backend: StorageBackend,
  signal?: AbortSignal,
): Promise<{ key: string; digest: string | undefined } | undefined> {
  const key = await findDirectoryDump(backend, undefined, signal);
  if (key === undefined) return undefined;
  return { key, digest: await dumpDigestOf(backend, key, signal) };
}
