/**
 * Read order of many blobs (issue 12, "Reads"): restore, export and `check --full` read the blobs
 * they need pack by pack, each pack from its start to its end, so a local disk reads sequentially
 * and object storage serves ranged reads of one object after another.
 *
 * ```text
 * items -> blob digest -> index location (pack id, offset)
 *   sorted by pack id (random, so any fixed order of the packs), then offset;
 *   items without a located blob (format v1, no blob, not indexed) keep their order, first
 * ```
 * @module
 */
import type { IoOptions } from './backends/backend.js';
import type { BlobStore } from './blob-store.js';

/**
 * Returns `items` reordered so that reading their blobs one after another reads each pack
 * sequentially (see the module doc). The sort is stable and `items` is not modified. In a format v1
 * repository (one object per blob) the order is unchanged.
 * @param digestOf - The blob an item reads, or undefined for an item without one.
 */
export async function inPackOrder<T>(
  blobs: BlobStore,
  items: readonly T[],
  digestOf: (item: T) => string | undefined,
  opts: IoOptions = {},
): Promise<T[]> {
  const packs = blobs.packs;
  if (!packs) return [...items];
  await packs.load(opts);
  const keyed = items.map((item, i) => {
    const d = digestOf(item);
    // Encrypted repositories index blobs by keyed-MAC id: look items up by that.
    const loc = d === undefined ? undefined : packs.locate(packs.idOf(d));
    return { item, i, pack: loc?.pack, offset: loc?.offset ?? 0 };
  });
  keyed.sort((a, b) => {
    if (a.pack !== b.pack) {
      if (a.pack === undefined) return -1;
      if (b.pack === undefined) return 1;
      return a.pack < b.pack ? -1 : 1;
    }
    return a.offset - b.offset || a.i - b.i;
  });
  return keyed.map((k) => k.item);
}
