/**
 * The format v2 half of the coherency check: referenced blobs are looked up in the index (quick,
 * no per-blob request) or verified by reading their packs sequentially, in pack order, one whole
 * pack per read (full). Also reports orphan packs and index entries whose pack is gone.
 * @module
 */
import pLimit from 'p-limit';
import { isZimbraBackupError, throwIfAborted } from '../errors.js';
import type { Repository } from '../repository/repository.js';
import { BLOB_HEADER_SIZE } from '../store/blob-codec.js';
import { SEAL_OVERHEAD } from '../store/crypto/cipher.js';
import { parseDigest } from '../store/digest.js';
import type { BlobLocation } from '../store/pack/index-table.js';
import { PackReadBuffer, readWholePack } from '../store/pack/pack-reader.js';
import type { PackStore } from '../store/pack/pack-store.js';
import { verifyObject } from '../store/pack/verify-object.js';
import { affected, verifyBlob } from './check.js';
import type { BlobReference } from './references.js';
import type { CheckProblem, CheckProgress } from './types.js';

/** What {@link checkPacks} found. */
export interface PackCheckResult {
  bytes: number;
  problems: CheckProblem[];
  unreferencedBlobs: number;
  unreferencedBytes: number;
}

/** Packs larger than this are verified blob by blob with ranged, streamed reads. */
const WHOLE_PACK_LIMIT = 64 * 1024 * 1024;

/** Checks the referenced blobs of a v2 repository (see the module doc). */
export async function checkPacks(opts: {
  repository: Repository;
  packs: PackStore;
  refs: Map<string, BlobReference>;
  full: boolean;
  /** Every journal was read: unreferenced blobs and orphans mean something. */
  complete: boolean;
  concurrency: number;
  signal?: AbortSignal;
  onProgress?: (p: CheckProgress) => void;
}): Promise<PackCheckResult> {
  const { repository, packs, refs, full, signal } = opts;
  const io = signal ? { signal } : {};
  await packs.reload(io);
  const stored = new Map<string, number>();
  for await (const { key, size } of repository.backend.list(packs.layout.packsPrefix, io)) {
    const id = packs.packIdOfKey(key);
    if (id) stored.set(id, size);
  }
  const out: PackCheckResult = { bytes: 0, problems: [], unreferencedBlobs: 0, unreferencedBytes: 0 };
  const problem = (
    kind: CheckProblem['kind'],
    message: string,
    digest: string,
    key: string,
    ref?: BlobReference,
    severity: CheckProblem['severity'] = 'error',
  ): CheckProblem => ({
    kind,
    severity,
    message,
    digest,
    key,
    accounts: ref ? affected(ref) : [],
  });
  // Referenced blobs grouped by pack, each group in offset order: sequential reads.
  const byPack = new Map<string, Array<[string, BlobLocation, BlobReference]>>();
  const sealOverhead = packs.cipher ? SEAL_OVERHEAD : 0;
  let loaded = 0;
  const total = refs.size;
  for (const [digest, ref] of refs) {
    const loc = packs.locate(packs.idOf(digest));
    if (!loc) {
      out.problems.push(problem('missing-blob', 'referenced blob is in no index file', digest, '', ref));
      opts.onProgress?.({ phase: 'blobs', loaded: ++loaded, total, unit: 'blobs', bytes: out.bytes });
      continue;
    }
    const key = packs.packKey(loc.pack);
    if (!stored.has(loc.pack)) {
      out.problems.push(problem('missing-blob', `the pack holding this blob is missing (${key})`, digest, key, ref));
      opts.onProgress?.({ phase: 'blobs', loaded: ++loaded, total, unit: 'blobs', bytes: out.bytes });
      continue;
    }
    const recorded = [...ref.sizes];
    if (!full) {
      if (recorded.some((s) => s !== loc.rawSize))
        out.problems.push(
          problem(
            'size-mismatch',
            `the index says ${loc.rawSize} bytes, the journal records ${recorded.join('/')}`,
            digest,
            key,
            ref,
          ),
        );
      else if (loc.codec === 'none' && loc.length !== BLOB_HEADER_SIZE + loc.rawSize + sealOverhead)
        out.problems.push(
          problem(
            'size-mismatch',
            `uncompressed blob object is ${loc.length} bytes, expected ${BLOB_HEADER_SIZE + loc.rawSize + sealOverhead}`,
            digest,
            key,
            ref,
          ),
        );
      else out.bytes += loc.rawSize;
      opts.onProgress?.({ phase: 'blobs', loaded: ++loaded, total, unit: 'blobs', bytes: out.bytes });
      continue;
    }
    const list = byPack.get(loc.pack) ?? [];
    list.push([digest, loc, ref]);
    byPack.set(loc.pack, list);
  }
  const limit = pLimit(Math.max(1, Math.min(opts.concurrency, 2)));
  // One read buffer per pack being verified, reused from pack to pack (pack-reader.ts).
  const buffers: PackReadBuffer[] = [];
  await Promise.all(
    [...byPack.keys()].sort().map((id) =>
      limit(async () => {
        throwIfAborted(signal);
        const items = (byPack.get(id) ?? []).sort((a, b) => a[1].offset - b[1].offset);
        const key = packs.packKey(id);
        let whole: Buffer | undefined;
        const buffer = buffers.pop() ?? new PackReadBuffer();
        try {
          if ((stored.get(id) ?? 0) <= WHOLE_PACK_LIMIT) {
            try {
              whole = (await readWholePack(repository.backend, key, io, packs.cipher, buffer)).bytes;
            } catch (err) {
              if (!isZimbraBackupError(err, 'ZB_REPOSITORY_CORRUPT')) throw err;
              // A damaged trailer: the blobs may still verify one by one through the index.
            }
          }
          await verifyItems(items, whole, key);
        } finally {
          buffers.push(buffer);
        }
      }),
    ),
  );
  async function verifyItems(
    items: Array<[string, BlobLocation, BlobReference]>,
    whole: Buffer | undefined,
    key: string,
  ): Promise<void> {
    for (const [digest, loc, ref] of items) {
      const verdict = whole
        ? verifyObject(whole.subarray(loc.offset, loc.offset + loc.length), packs.idOf(digest), key, packs.cipher)
        : undefined;
      if (verdict === undefined) {
        const r = await verifyBlob(repository, digest, ref, true, signal);
        out.bytes += r.bytes;
        if (r.problem) out.problems.push({ ...r.problem, key });
      } else if (!verdict.ok) {
        out.problems.push(problem('corrupt-blob', `blob fails verification: ${verdict.reason}`, digest, key, ref));
      } else {
        out.bytes += verdict.size;
        const recorded = [...ref.sizes];
        if (recorded.some((s) => s !== verdict.size))
          out.problems.push(
            problem(
              'size-mismatch',
              `blob verifies (${verdict.size} bytes) but the journal records ${recorded.join('/')}`,
              digest,
              key,
              ref,
              'warning',
            ),
          );
      }
      opts.onProgress?.({ phase: 'blobs', loaded: ++loaded, total, unit: 'blobs', bytes: out.bytes });
    }
  }
  if (full && opts.complete) {
    const indexed = new Set<string>();
    let seen = 0;
    // Encrypted: the index holds keyed-MAC ids, so the references are compared by id.
    const refIds = packs.cipher ? new Set([...refs.keys()].map((d) => packs.idOf(d))) : refs;
    for (const [digest, loc] of packs.table.entries()) {
      indexed.add(loc.pack);
      opts.onProgress?.({ phase: 'unreferenced', loaded: ++seen, unit: 'objects' });
      if (refIds.has(digest)) continue;
      const key = packs.packKey(loc.pack);
      if (!stored.has(loc.pack)) {
        out.problems.push(
          problem(
            'orphan-index-entry',
            'an index entry names a missing pack; no journal needs it (purge drops it)',
            parseDigest(digest),
            key,
            undefined,
            'info',
          ),
        );
        continue;
      }
      out.unreferencedBlobs += 1;
      out.unreferencedBytes += loc.length;
      out.problems.push(
        problem(
          'unreferenced-blob',
          'no journal references this blob (purge collects it)',
          digest,
          key,
          undefined,
          'info',
        ),
      );
    }
    for (const [id, size] of stored) {
      if (indexed.has(id)) continue;
      out.unreferencedBytes += size;
      out.problems.push({
        kind: 'orphan-pack',
        severity: 'info',
        message: `no index file names this pack (${size} bytes; a write interrupted before its index, or a concurrent writer's pack not yet indexed; purge removes it once old enough)`,
        key: packs.packKey(id),
        accounts: [],
      });
    }
  }
  return out;
}
