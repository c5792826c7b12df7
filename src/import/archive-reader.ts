/**
 * Reading an export archive into a staging repository, trusting nothing in it.
 *
 * ```text
 * bytes -> gunzip when it starts with 1f 8b -> tar-stream extract, one member at a time:
 *   type must be 'file'; name must be exactly a v1 name (so no '..', '/abs', './x', links, devices)
 *   manifest.json first (<= 16 MiB, known format, version <= 1)
 *   directory.ldif, accounts/<id>/state.jsonl: listed in the manifest, size as listed,
 *     streamed to the staging directory while hashed; SHA-256 must equal the manifest's
 *   blobs/<hex>: after all metadata, referenced by some state, stored with putKnownDigest
 *     (verified before it becomes visible); each name once
 * end: every listed member, state and referenced blob seen; then the account index and a marker
 * ```
 * Every violation is `ZB_ARCHIVE_INVALID` with `data.reason` and `data.member`. Member names
 * never become file paths: the staging repository's keys are built from validated ids.
 * @module
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ZimbraBackupError, isZimbraBackupError, throwIfAborted } from '../errors.js';
import { recordDigests } from '../journal/record-digests.js';
import { readDirectoryDump } from '../directory/directory-dump-io.js';
import { directoryDumpKey } from '../repository/layout.js';
import type { Repository } from '../repository/repository.js';
import { parseDigest } from '../store/digest.js';
import {
  MANIFEST_MEMBER,
  MAX_MANIFEST_BYTES,
  archiveInvalid,
  classifyMember,
  parseManifest,
  type ArchiveManifest,
  type ManifestMember,
  parseStateLine,
  type StateRecord,
} from '../export/index.js';

/** One member as tar-stream's extract yields it: a byte stream with its header. */
type TarEntry = Readable & { header: tar.Header };

/** Options of {@link stageArchive}. */
export interface StageArchiveOptions {
  /** The archive bytes (tar, or tar.gz: detected). */
  archive: Readable;
  /** An empty repository to stage into (any backend; importArchive uses a LocalBackend in its work directory). */
  staging: Repository;
  /** A private directory for member spool files (inside the staging work directory). */
  tmpDir: string;
  /** Largest member accepted, in bytes. Default 4 GiB. */
  maxMemberBytes?: number;
  /** Longest state line accepted, in bytes. Default 64 MiB. */
  maxLineBytes?: number;
  /** Progress: members staged and their bytes. */
  onProgress?: (p: { phase: 'stage'; loaded: number; bytes: number }) => void;
  /** Aborts reading. */
  signal?: AbortSignal;
}

/** The result of staging: the manifest and its own digest (identifies the archive for resumes). */
export interface StagedArchive {
  /** The validated manifest. */
  manifest: ArchiveManifest;
  /** SHA-256 of the manifest's bytes: identifies the archive. */
  manifestSha256: string;
}

/** Yields the archive's bytes, gunzipped when they start with the gzip magic. */
async function* decompressed(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = src[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const r = await it.next();
    if (r.done) break;
    head = Buffer.concat([head, r.value]);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip();
  pipeline(Readable.from(rest()), gunzip).catch(() => {}); // errors surface through the iteration below
  for await (const c of gunzip) yield c as Buffer;
}

async function readAll(entry: AsyncIterable<Buffer>, max: number, member: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of entry) {
    n += c.length;
    if (n > max) throw archiveInvalid(`${member} is larger than ${max} bytes`, { reason: 'oversized', member });
    parts.push(c);
  }
  return Buffer.concat(parts);
}

/** Streams a member to a file (honouring backpressure) and returns its SHA-256. */
async function spoolMember(entry: AsyncIterable<Buffer>, file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  try {
    for await (const c of entry) {
      throwIfAborted(signal);
      hash.update(c);
      if (!out.write(c)) await once(out, 'drain');
    }
    out.end();
    await finished(out);
  } finally {
    out.destroy();
  }
  return hash.digest('hex');
}

/** Parses a state member line by line (bounded lines), hashing the bytes. */
async function readState(
  entry: AsyncIterable<Buffer>,
  member: string,
  maxLine: number,
): Promise<{ records: StateRecord[]; sha256: string }> {
  const hash = createHash('sha256');
  const records: StateRecord[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  const take = (line: Buffer): void => {
    lineNo++;
    if (line.length > 0) records.push(parseStateLine(line.toString('utf8'), member, lineNo));
  };
  for await (const chunk of entry) {
    hash.update(chunk);
    let start = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, start)) {
      take(Buffer.concat([...pending, chunk.subarray(start, i)]));
      pending = [];
      pendingBytes = 0;
      start = i + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxLine)
        throw archiveInvalid(`${member} line ${lineNo + 1} is longer than ${maxLine} bytes`, {
          reason: 'oversized',
          member,
        });
    }
  }
  if (pendingBytes > 0) take(Buffer.concat(pending));
  return { records, sha256: hash.digest('hex') };
}

/** A tar entry as a blob source that can be opened once; the store may never open it (already stored). */
function onceSource(
  entry: TarEntry,
  member: string,
  size: number,
): { size: number; open: () => Readable; opened: () => boolean } {
  let used = false;
  return {
    size,
    open: () => {
      // A retried put would need the bytes again; the tar stream has moved on.
      if (used) throw archiveInvalid(`${member} cannot be read twice`, { reason: 'internal', member });
      used = true;
      return entry as unknown as Readable;
    },
    opened: () => used,
  };
}

/**
 * Validates an archive while copying it into `staging`: blobs into its blob store, each state into
 * a journal (one commit at the archive's instant), the directory as a dump, and the account index.
 * Nothing is read from the archive into a path of its choosing.
 * @throws `ZB_ARCHIVE_INVALID` (see the module doc), `ZB_ABORTED`, staging storage errors.
 */
export async function stageArchive(opts: StageArchiveOptions): Promise<StagedArchive> {
  const { staging, signal } = opts;
  const maxMember = opts.maxMemberBytes ?? 4 * 1024 ** 3;
  const maxLine = opts.maxLineBytes ?? 64 * 1024 ** 2;
  const extract = tar.extract();
  const feed = pipeline(
    Readable.from(decompressed(opts.archive)),
    extract as unknown as Writable,
    signal ? { signal } : {},
  );
  feed.catch(() => {});
  let manifest: ArchiveManifest | undefined;
  let manifestSha256 = '';
  const listed = new Map<string, ManifestMember>();
  const seen = new Set<string>();
  const referenced = new Set<string>();
  const blobsSeen = new Set<string>();
  let staged = 0;
  let bytes = 0;
  try {
    for await (const entry of extract as AsyncIterable<TarEntry>) {
      throwIfAborted(signal);
      const h = entry.header;
      const member = String(h.name).slice(0, 200);
      if (h.type !== 'file')
        throw archiveInvalid(`${member} is a ${h.type}, only regular files are allowed`, {
          reason: 'not-a-file',
          member,
          type: h.type,
        });
      const what = classifyMember(h.name);
      if (what.kind === 'unknown')
        throw archiveInvalid(`unknown member ${JSON.stringify(member)}`, { reason: 'unknown-member', member });
      if (seen.has(h.name)) throw archiveInvalid(`${member} appears twice`, { reason: 'duplicate', member });
      seen.add(h.name);
      if (h.size > maxMember)
        throw archiveInvalid(`${member} is ${h.size} bytes, more than the limit of ${maxMember}`, {
          reason: 'oversized',
          member,
        });
      if (!manifest) {
        if (what.kind !== 'manifest')
          throw archiveInvalid(`the first member must be ${MANIFEST_MEMBER}, not ${member}`, {
            reason: 'manifest-not-first',
            member,
          });
        if (h.size > MAX_MANIFEST_BYTES)
          throw archiveInvalid('manifest.json is too large', { reason: 'oversized', member });
        const raw = await readAll(entry as AsyncIterable<Buffer>, MAX_MANIFEST_BYTES, member);
        manifest = parseManifest(raw);
        manifestSha256 = createHash('sha256').update(raw).digest('hex');
        for (const m of manifest.members) listed.set(m.name, m);
        for (const m of manifest.members) {
          const k = classifyMember(m.name);
          if (k.kind === 'state' && !manifest.accounts.some((a) => a.id === k.accountId))
            throw archiveInvalid(`${m.name} belongs to no account of the manifest`, {
              reason: 'manifest-mismatch',
              member: m.name,
            });
        }
        continue;
      }
      if (what.kind === 'manifest')
        throw archiveInvalid('manifest.json appears twice', { reason: 'duplicate', member });
      if (what.kind === 'blob') {
        await stageBlob(staging, entry, what.digest, h.size, referenced, listed, seen, signal);
        blobsSeen.add(what.digest);
      } else {
        if (blobsSeen.size > 0)
          throw archiveInvalid(`${member} comes after the blobs`, { reason: 'out-of-order', member });
        const m = listed.get(h.name);
        if (!m) throw archiveInvalid(`${member} is not listed in the manifest`, { reason: 'unknown-member', member });
        if (m.size !== h.size)
          throw archiveInvalid(`${member} is ${h.size} bytes, the manifest says ${m.size}`, {
            reason: 'size-mismatch',
            member,
          });
        if (what.kind === 'directory') await stageDirectory(opts, entry, m, manifest.atMs);
        else {
          const { records, sha256 } = await readState(entry as AsyncIterable<Buffer>, member, maxLine);
          if (sha256 !== m.sha256)
            throw archiveInvalid(`${member} does not match its manifest digest`, { reason: 'digest-mismatch', member });
          for (const r of records) for (const d of recordDigests(r)) referenced.add(d);
          await commitState(staging, what.accountId, records, manifest.atMs, signal);
        }
      }
      bytes += h.size;
      opts.onProgress?.({ phase: 'stage', loaded: ++staged, bytes });
    }
    await feed;
  } catch (err) {
    extract.destroy();
    opts.archive.destroy();
    throw toArchiveError(err);
  }
  if (!manifest) throw archiveInvalid('empty archive (no manifest.json)', { reason: 'no-manifest' });
  for (const name of listed.keys())
    if (!seen.has(name))
      throw archiveInvalid(`${name} is listed in the manifest but missing (truncated archive?)`, {
        reason: 'missing-member',
        member: name,
      });
  for (const d of referenced)
    if (!blobsSeen.has(d))
      throw archiveInvalid(`blob ${d} is referenced but missing (truncated archive?)`, {
        reason: 'missing-member',
        member: `blobs/${d}`,
      });
  if (blobsSeen.size !== manifest.blobs.count)
    throw archiveInvalid(`the manifest lists ${manifest.blobs.count} blobs, the archive holds ${blobsSeen.size}`, {
      reason: 'manifest-mismatch',
    });
  // Format v2: blobs no commit flushed (shared ones staged after the last state) become durable.
  await staging.blobs.flush(signal ? { signal } : {});
  await staging.writeAccounts(
    manifest.accounts.map((a) => ({
      id: a.id,
      name: a.name.toLowerCase(),
      firstSeenMs: manifest!.atMs,
      lastSeenMs: manifest!.atMs,
    })),
    signal,
  );
  return { manifest, manifestSha256 };
}

function toArchiveError(err: unknown): unknown {
  if (isZimbraBackupError(err)) {
    if (err.code === 'ZB_DIGEST_MISMATCH' || err.code === 'ZB_SIZE_MISMATCH')
      return archiveInvalid(
        `a blob's bytes do not match its name: ${err.message}`,
        { reason: 'digest-mismatch', ...err.data },
        err,
      );
    return err;
  }
  if ((err as { name?: string }).name === 'AbortError')
    return new ZimbraBackupError('operation aborted', { code: 'ZB_ABORTED', cause: err });
  // tar-stream ("Unexpected end of data", "Invalid tar header") and zlib ("unexpected end of file").
  return archiveInvalid(`unreadable tar stream: ${(err as Error).message}`, { reason: 'malformed' }, err);
}

async function stageBlob(
  staging: Repository,
  entry: TarEntry,
  digest: string,
  size: number,
  referenced: ReadonlySet<string>,
  listed: ReadonlyMap<string, ManifestMember>,
  seen: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<void> {
  const member = `blobs/${digest}`;
  // Every state member is read before the first blob, so an unreferenced blob is an unknown member.
  for (const name of listed.keys())
    if (!seen.has(name)) throw archiveInvalid(`${member} comes before ${name}`, { reason: 'out-of-order', member });
  if (!referenced.has(digest))
    throw archiveInvalid(`${member} is referenced by no item`, { reason: 'unknown-member', member });
  const src = onceSource(entry, member, size);
  await staging.blobs.putKnownDigest(parseDigest(digest), src, signal ? { signal } : {});
  if (!src.opened())
    for await (const _ of entry as AsyncIterable<Buffer>) {
      /* already staged by an earlier run: drain */
    }
}

async function stageDirectory(
  opts: StageArchiveOptions,
  entry: TarEntry,
  m: ManifestMember,
  atMs: number,
): Promise<void> {
  const file = join(opts.tmpDir, 'directory.ldif');
  try {
    const sha = await spoolMember(entry as AsyncIterable<Buffer>, file, opts.signal);
    if (sha !== m.sha256)
      throw archiveInvalid(`${m.name} does not match its manifest digest`, {
        reason: 'digest-mismatch',
        member: m.name,
      });
    try {
      for await (const _ of readDirectoryDump(createReadStream(file) as AsyncIterable<Buffer>))
        throwIfAborted(opts.signal);
    } catch (err) {
      if (isZimbraBackupError(err, 'ZB_ABORTED')) throw err;
      throw archiveInvalid(
        `${m.name} is not valid LDIF: ${(err as Error).message}`,
        { reason: 'bad-directory', member: m.name },
        err,
      );
    }
    await opts.staging.backend.put(
      directoryDumpKey(new Date(atMs), false),
      { size: m.size, open: () => createReadStream(file) },
      opts.signal ? { signal: opts.signal } : {},
    );
  } finally {
    await rm(file, { force: true });
  }
}

async function commitState(
  staging: Repository,
  accountId: string,
  records: StateRecord[],
  atMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const journal = await staging.journal(accountId, {
    clock: () => atMs,
    checkpointMinRecords: 0,
    compactAfterSegments: 0,
    ...(signal ? { signal } : {}),
  });
  try {
    if (records.length > 0)
      await journal.commit(records.map(({ captureMs: _c, ...r }) => r) as never, {
        captureMs: atMs,
        ...(signal ? { signal } : {}),
      });
  } finally {
    await journal.close();
  }
}

/**
 * Reads only the manifest (the first member) of an archive and stops: how a resumed import
 * checks that it is looking at the archive it staged before.
 * @throws `ZB_ARCHIVE_INVALID` when the first member is not a valid manifest.
 */
export async function readArchiveManifest(archive: Readable, signal?: AbortSignal): Promise<StagedArchive> {
  const extract = tar.extract();
  const feed = pipeline(Readable.from(decompressed(archive)), extract as unknown as Writable, signal ? { signal } : {});
  feed.catch(() => {});
  try {
    for await (const entry of extract as AsyncIterable<TarEntry>) {
      if (entry.header.type !== 'file' || entry.header.name !== MANIFEST_MEMBER) break;
      const raw = await readAll(entry as AsyncIterable<Buffer>, MAX_MANIFEST_BYTES, MANIFEST_MEMBER);
      return { manifest: parseManifest(raw), manifestSha256: createHash('sha256').update(raw).digest('hex') };
    }
  } catch (err) {
    throw toArchiveError(err);
  } finally {
    extract.destroy();
    archive.destroy();
  }
  throw archiveInvalid(`the first member must be ${MANIFEST_MEMBER}`, { reason: 'manifest-not-first' });
}
