/**
 * Directory dumps as files: LDIF (gzip by default) to a stream, and read back as entries (into a
 * repository: dump-store.ts).
 * @module
 */
import { PassThrough, Readable, Transform, pipeline as pipelineCb, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { ZimbraBackupError } from '../errors.js';
// Types only: the LDAP client (ldapts) is loaded when a dump over LDAP is taken, not at start.
import type { DirectoryDumpOptions } from './directory-dump.js';
import {
  classifyEntry,
  DEFAULT_OPERATIONAL_ATTRIBUTES,
  DIRECTORY_ENTRY_KINDS,
  type DirectoryEntry,
  type DirectoryEntryKind,
} from './directory-entry.js';
import { formatLdifComment, formatLdifRecord, parseLdif, type ParseLdifOptions } from './ldif.js';

/** Entry counts of a dump. */
export interface DirectoryDumpSummary {
  /** All entries written. */
  entries: number;
  /** Entries per kind; every kind is present, zero when none. */
  byKind: Record<DirectoryEntryKind, number>;
}

/** What a written dump amounts to. */
export interface DirectoryDumpResult {
  /** Entry counts. */
  summary: DirectoryDumpSummary;
  /** Bytes written (after compression), in bytes. */
  bytes: number;
  /** When the dump started. */
  startedAt: Date;
  /** Wall time of the whole dump, in ms. */
  durationMs: number;
}

/** Options of {@link writeDirectoryLdif}. */
export interface WriteDirectoryLdifOptions {
  /** Gzip the LDIF. Default true. */
  gzip?: boolean;
  /** Comment put at the top of the file (may span lines). Default none. */
  header?: string;
  /**
   * Leave the server-maintained operational attributes out, for loading with `ldapadd` (which
   * refuses them) rather than `slapadd`. Default false: a dump keeps them.
   */
  omitOperational?: boolean;
  /** Aborts the write. */
  signal?: AbortSignal;
}

/** An all-zero summary. */
function emptySummary(): DirectoryDumpSummary {
  const byKind = Object.fromEntries(DIRECTORY_ENTRY_KINDS.map((k) => [k, 0])) as Record<DirectoryEntryKind, number>;
  return { entries: 0, byKind };
}

/**
 * Writes entries as LDIF content records (RFC 2849) to `out`, which is ended when done; the
 * output loads with both `slapadd` and `ldapadd`.
 * @returns the entry counts and the bytes written.
 * @throws `ZB_ABORTED` on abort; whatever the entry source or `out` throws.
 */
export async function writeDirectoryLdif(
  entries: AsyncIterable<DirectoryEntry>,
  out: Writable,
  opts: WriteDirectoryLdifOptions = {},
): Promise<{ summary: DirectoryDumpSummary; bytes: number }> {
  const summary = emptySummary();
  const omit = opts.omitOperational ? new Set(DEFAULT_OPERATIONAL_ATTRIBUTES.map((a) => a.toLowerCase())) : undefined;
  async function* text(): AsyncGenerator<string> {
    // No `version: 1` line: ldapadd takes it but slapadd refuses it (slapcat never writes one).
    if (opts.header) yield `${formatLdifComment(opts.header)}\n`;
    for await (const e of entries) {
      summary.entries++;
      summary.byKind[e.kind]++;
      yield formatLdifRecord(e, omit ? { omit } : {});
    }
  }
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  const source = Readable.from(text(), { objectMode: false });
  const pipeOpts = opts.signal ? { signal: opts.signal } : {};
  try {
    if (opts.gzip === false) await pipeline(source, counter, out, pipeOpts);
    else await pipeline(source, createGzip(), counter, out, pipeOpts);
  } catch (err) {
    if (opts.signal?.aborted)
      throw new ZimbraBackupError('operation aborted', { code: 'ZB_ABORTED', cause: opts.signal.reason });
    throw err;
  }
  return { summary, bytes };
}

/** Options of {@link writeDirectoryDump}. */
export interface WriteDirectoryDumpOptions extends DirectoryDumpOptions {
  /** Where the LDIF goes; ended when done. */
  out: Writable;
  /** Gzip the LDIF. Default true. */
  gzip?: boolean;
}

/** The header comment of an LDAP dump taken at `at`. */
export function ldapDumpHeader(opts: DirectoryDumpOptions, at: Date): string {
  return [
    'zimbra-backup directory dump',
    `created: ${at.toISOString()}`,
    `bases: ${(opts.baseDNs ?? ['']).map((b) => JSON.stringify(b)).join(' ')}`,
    'load with slapadd (operational attributes included), parents come before children',
  ].join('\n');
}

/**
 * Dumps the directory ({@link dumpDirectory}) as LDIF to a stream.
 * @throws `ZB_LDAP`, `ZB_ABORTED`, `ZB_INVALID_ARGUMENT` (see dumpDirectory).
 */
export async function writeDirectoryDump(opts: WriteDirectoryDumpOptions): Promise<DirectoryDumpResult> {
  const startedAt = new Date();
  const { dumpDirectory } = await import('./directory-dump.js');
  const { summary, bytes } = await writeDirectoryLdif(dumpDirectory(opts), opts.out, {
    gzip: opts.gzip ?? true,
    header: ldapDumpHeader(opts, startedAt),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { summary, bytes, startedAt, durationMs: Date.now() - startedAt.getTime() };
}

/** Yields the bytes of `source`, gunzipped when they start with the gzip magic number. */
async function* maybeGunzip(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = Buffer.from(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield Buffer.from(r.value);
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* all();
    return;
  }
  const out = new PassThrough();
  pipelineCb(Readable.from(all()), createGunzip(), out, () => undefined);
  try {
    for await (const chunk of out) yield chunk as Buffer;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('Z_')) throw err;
    throw new ZimbraBackupError('directory dump is not valid gzip', { code: 'ZB_PROTOCOL', cause: err });
  }
}

/**
 * Reads a directory dump (LDIF, gzipped or not: detected) back as entries, one at a time.
 * @throws `ZB_PROTOCOL` for malformed LDIF or gzip; `ZB_TOO_LARGE` for an oversized line.
 * @example
 * for await (const e of readDirectoryDump(await backend.get(key))) if (e.kind === 'account') …
 */
export async function* readDirectoryDump(
  source: AsyncIterable<Buffer | string>,
  opts: ParseLdifOptions = {},
): AsyncGenerator<DirectoryEntry> {
  for await (const record of parseLdif(maybeGunzip(source), opts)) yield { ...record, kind: classifyEntry(record) };
}

/** Counts entries per kind, e.g. of a dump read back. */
export async function summarizeDirectoryEntries(entries: AsyncIterable<DirectoryEntry>): Promise<DirectoryDumpSummary> {
  const summary = emptySummary();
  for await (const e of entries) {
    summary.entries++;
    summary.byKind[e.kind]++;
  }
  return summary;
}
