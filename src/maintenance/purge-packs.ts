/**
 * Garbage collection of format v2 (docs/FORMAT.md "Garbage collection"): packs are never modified,
 * so unreferenced blobs are reclaimed by deleting packs that hold no live blob and by rewriting
 * (repacking) packs whose live fraction fell below a threshold.
 *
 * ```text
 * reload the index (the index files read now are the only ones this run may delete)
 * per indexed pack: live bytes (blobs the mark kept) / pack size
 *   no live blob -> delete;  live fraction < threshold -> repack;  else keep (dead entries leave the index)
 *   packs under 1/8 of the target size, when there are two or more -> repack (merged into full ones)
 * orphan packs (in no index file) older than the grace period -> delete
 * recheck (lock ours and alone, journals unchanged since the mark)   -- nothing written before this
 * repack: copy the live blob objects, verified, into new packs; flush (new packs + their index file)
 * write one index of everything live; delete the index files read above
 * delete the repacked, dead and orphan packs                         -- only now unreferenced by any index
 * ```
 * A crash at any step leaves every live blob reachable: new packs before their index are orphans,
 * old index files and new ones may coexist (duplicates are harmless), and old packs are deleted
 * only once no index file names them. Index files and packs another writer wrote after the reload
 * are never touched; orphan packs younger than the grace period may be a concurrent writer's,
 * written but not yet indexed, and are left alone.
 * @module
 */
import { throwIfAborted } from '../errors.js';
import { isZimbraBackupError } from '../errors.js';
import type { RepositoryLock } from '../repository/lock.js';
import type { Repository } from '../repository/repository.js';
import type { BlobLocation } from '../store/pack/index-table.js';
import { readWholePack } from '../store/pack/pack-reader.js';
import { PackStore, idTimeMs } from '../store/pack/pack-store.js';
import { verifyObject } from '../store/pack/verify-object.js';
import type { PurgeProgress } from './types.js';

/** What the v2 collection did (or would do). */
export interface PackGcResult {
  blobsRemoved: number;
  blobsKept: number;
  packsDeleted: number;
  packsRewritten: number;
  orphanPacksDeleted: number;
  /** Stored bytes freed. */
  bytesReclaimed: number;
  /** Live bytes copied into new packs. */
  bytesRewritten: number;
}

/** Options of {@link collectPacks}. */
export interface PackGcOptions {
  repository: Repository;
  packs: PackStore;
  /** Digests the journals reference (the mark). */
  marked: ReadonlySet<string>;
  dryRun: boolean;
  lock: RepositoryLock | undefined;
  /** Stops with nothing deleted when a writer slipped in since the mark. */
  recheck: () => Promise<void>;
  /** Repack packs whose live fraction is below this. */
  repackBelow: number;
  /** Orphan packs younger than this (ms) are left alone. */
  orphanGraceMs: number;
  now: number;
  onProgress?: (p: PurgeProgress) => void;
  signal?: AbortSignal;
}

/** Collects garbage by deleting and repacking packs (see the module doc). */
export async function collectPacks(o: PackGcOptions): Promise<PackGcResult> {
  const { repository, packs, marked, signal } = o;
  const io = signal ? { signal } : {};
  const r: PackGcResult = {
    blobsRemoved: 0,
    blobsKept: 0,
    packsDeleted: 0,
    packsRewritten: 0,
    orphanPacksDeleted: 0,
    bytesReclaimed: 0,
    bytesRewritten: 0,
  };
  await packs.reload(io);
  const readIndexFiles = [...packs.indexFiles];
  const stored = new Map<string, number>();
  for await (const { key, size } of repository.backend.list(packs.layout.packsPrefix, io)) {
    const id = packs.packIdOfKey(key);
    if (id) stored.set(id, size);
  }
  const live = new Map<string, Array<[string, BlobLocation]>>();
  const indexedPacks = new Set<string>();
  // Encrypted: the index holds keyed-MAC ids, so the marked content digests are compared by id.
  const markedIds = packs.cipher ? new Set([...marked].map((d) => packs.idOf(d))) : marked;
  for (const [digest, loc] of packs.table.entries()) {
    indexedPacks.add(loc.pack);
    if (!markedIds.has(digest) || !stored.has(loc.pack)) {
      r.blobsRemoved++;
      continue;
    }
    r.blobsKept++;
    const list = live.get(loc.pack) ?? [];
    list.push([digest, loc]);
    live.set(loc.pack, list);
  }
  const remove: string[] = [];
  const repack: string[] = [];
  // Small packs (flushes of real-time capture write one per commit) are merged once there are
  // several, so the number of objects stays bounded by the data, not by the number of commits.
  const small = [...live.keys()].filter((id) => (stored.get(id) ?? Infinity) < packs.targetPackBytes / 8);
  const mergeSmall = new Set(small.length >= 2 ? small : []);
  for (const id of indexedPacks) {
    const size = stored.get(id);
    if (size === undefined) continue; // missing: only its index entries go (check reports it)
    const entries = live.get(id);
    const liveBytes = (entries ?? []).reduce((n, [, l]) => n + l.length, 0);
    if (!entries) {
      remove.push(id);
      r.packsDeleted++;
      r.bytesReclaimed += size;
    } else if ((liveBytes / size < o.repackBelow || mergeSmall.has(id)) && entries.length > 0) {
      repack.push(id);
      r.packsRewritten++;
      r.bytesRewritten += liveBytes;
      r.bytesReclaimed += size - liveBytes;
    }
  }
  const orphans = [...stored].filter(([id]) => !indexedPacks.has(id) && o.now - idTimeMs(id) >= o.orphanGraceMs);
  for (const [, size] of orphans) r.bytesReclaimed += size;
  r.orphanPacksDeleted = orphans.length;
  const changes = r.blobsRemoved > 0 || remove.length > 0 || repack.length > 0 || orphans.length > 0;
  if (o.dryRun || !changes) return r;

  await o.recheck();
  // Repack: verified copies of the live blobs into new packs (a writer of our own, so the
  // repository's open pack and its index files are not mixed in).
  const writer = new PackStore({
    backend: repository.backend,
    layout: packs.layout,
    targetPackBytes: packs.targetPackBytes,
    ...(packs.cipher ? { cipher: packs.cipher } : {}),
  });
  const keepWhole = new Set<string>();
  let done = 0;
  for (const id of repack.sort()) {
    throwIfAborted(signal);
    o.lock?.assertHeld();
    const key = packs.packKey(id);
    const entries = (live.get(id) ?? []).sort((a, b) => a[1].offset - b[1].offset);
    let bytes: Buffer | undefined;
    try {
      bytes = (await readWholePack(repository.backend, key, io, packs.cipher)).bytes;
    } catch (err) {
      if (!isZimbraBackupError(err, 'ZB_REPOSITORY_CORRUPT')) throw err;
    }
    // A damaged pack (or a codec we cannot check synchronously) is kept as it is: check reports it.
    const objects = entries.map(([d, l]) => {
      const stored = bytes?.subarray(l.offset, l.offset + l.length);
      const verdict = stored === undefined ? undefined : verifyObject(stored, d, key, packs.cipher);
      // The plaintext object: the writer seals it again (fresh nonce) when the repository is encrypted.
      return { d, l, obj: verdict?.ok ? verdict.object : undefined };
    });
    if (objects.some((x) => x.obj === undefined)) {
      keepWhole.add(id);
      continue;
    }
    for (const x of objects) await writer.add(x.d, x.l.rawSize, x.l.codec, x.obj as Buffer);
    o.onProgress?.({ phase: 'sweep', loaded: ++done, total: repack.length, unit: 'packs' });
  }
  await writer.flush(io);
  // One index of everything live: kept packs' live entries, then the rewritten blobs' new places.
  const entries: Array<[string, BlobLocation]> = [];
  for (const [id, list] of live) if (!repack.includes(id) || keepWhole.has(id)) entries.push(...list);
  entries.push(...writer.table.entries());
  o.lock?.assertHeld();
  await packs.replaceIndex(entries, [...readIndexFiles, ...writer.indexFiles], io);
  const gone = [...remove, ...repack.filter((id) => !keepWhole.has(id)), ...orphans.map(([id]) => id)];
  for (const id of gone) {
    o.lock?.assertHeld();
    await repository.backend.delete(packs.packKey(id), io).catch((err: unknown) => {
      if (!isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) throw err;
    });
  }
  return r;
}
