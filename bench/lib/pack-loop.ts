/**
 * The tight loop `check --full` is measured against (format v2, bench scenario 6 and
 * bench/profile-check.ts): read each pack file whole, and for every blob object its trailer lists,
 * gunzip (or take) the payload and sha256 it. Nothing else: it does not verify the pack header,
 * the footer's magic and CRC, the blob headers, the decoded sizes or the digests against the
 * index, and it reads no journal and no index file. `check --full` does all of those (see
 * BENCHMARKS.md, scenario 6).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Every pack file under `dir` (the repository's `packs/`). */
export async function packFiles(dir: string): Promise<string[]> {
  const paths: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) paths.push(join(e.parentPath, e.name));
  return paths.sort();
}

/** Runs the loop over the packs under `dir`; returns packs, blobs and decoded bytes. */
export async function decodePacks(dir: string): Promise<{ files: number; blobs: number; bytes: number }> {
  const paths = await packFiles(dir);
  let blobs = 0;
  let bytes = 0;
  for (const p of paths) {
    const b = await readFile(p);
    const count = b.readUInt32BE(b.length - 16);
    const base = b.length - 16 - count * 64;
    for (let i = 0; i < count; i++) {
      const at = base + i * 64;
      const off = Number(b.readBigUInt64BE(at + 32));
      const len = Number(b.readBigUInt64BE(at + 40));
      const rawSize = Number(b.readBigUInt64BE(at + 48));
      const obj = b.subarray(off + 16, off + len);
      // gunzip into one buffer of the raw size (as check does), not 16 KiB pieces concatenated.
      const raw = b[at + 56] === 1 ? gunzipSync(obj, { chunkSize: Math.max(64, rawSize + 1) }) : obj;
      createHash('sha256').update(raw).digest();
      blobs++;
      bytes += raw.length;
    }
  }
  return { files: paths.length, blobs, bytes };
}
