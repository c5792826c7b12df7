/**
 * Reads a whole (small) object into memory: index files and pack trailers.
 * @module
 */
import type { IoOptions, StorageBackend } from '../backends/backend.js';

/** Concatenates an object (or a range of it). */
export async function readSmallObject(
  backend: StorageBackend,
  key: string,
  opts: IoOptions & { offset?: number; length?: number } = {},
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let len = 0;
  for await (const chunk of await backend.get(key, opts)) {
    chunks.push(chunk as Buffer);
    len += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks, len);
}
