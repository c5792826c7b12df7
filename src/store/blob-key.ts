/**
 * Where a blob lives: `<prefix><ab>/<cd>/<hex>` (two fan-out levels of 256 directories each, so a
 * local repository with millions of blobs keeps directories small). The repository layout
 * (src/repository/layout.ts) is the one place that chooses the prefix.
 * @module
 */
import { isDigest, type Digest } from './digest.js';

/** Maps digests to object keys and back. */
export interface BlobKeyLayout {
  /** Prefix under which every blob key lives (ends with `/`). */
  readonly prefix: string;
  /** The object key of a digest. */
  key(digest: Digest): string;
  /** The digest of an object key, or undefined when the key is not a blob key. */
  parse(key: string): Digest | undefined;
}

/** The fan-out layout under `prefix` (default `blobs/`). */
export function fanOutBlobLayout(prefix = 'blobs/'): BlobKeyLayout {
  return {
    prefix,
    key: (d) => `${prefix}${d.slice(0, 2)}/${d.slice(2, 4)}/${d}`,
    parse: (key) => {
      if (!key.startsWith(prefix)) return undefined;
      const rest = key.slice(prefix.length);
      const d = rest.slice(6);
      // The fan-out directories must agree with the name: a misplaced object is not a blob.
      return rest.length === 70 && isDigest(d) && rest === `${d.slice(0, 2)}/${d.slice(2, 4)}/${d}` ? d : undefined;
    },
  };
}
