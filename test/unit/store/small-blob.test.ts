// The in-memory put path of small blobs (src/store/small-blob.ts): same objects as the streamed
// path, bounded reads of a lying source, and no encoding of a duplicate.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BLOB_HEADER_SIZE, decodeBlobHeader } from '../../../src/store/blob-codec.js';
import { initRepository } from '../../../src/repository/repository.js';
import { BlobStore } from '../../../src/store/blob-store.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { encodeWhole, readWhole } from '../../../src/store/small-blob.js';

const text = (n: number): Buffer => Buffer.from('Subject: small blob\r\n\r\n'.padEnd(n, 'x'));

describe('small blobs in memory', () => {
  it('encodes header + gzip payload that decodes to the bytes, on both sides of the thread-pool size', async () => {
    for (const n of [100, 60_000, 200_000]) {
      const bytes = text(n);
      const object = await encodeWhole(bytes, 'gzip', 6);
      expect(decodeBlobHeader(object, 'k')).toEqual({ codec: 'gzip', size: n });
      expect(gunzipSync(object.subarray(BLOB_HEADER_SIZE)).equals(bytes)).toBe(true);
      const plain = await encodeWhole(bytes, 'none', 6);
      expect(plain.subarray(BLOB_HEADER_SIZE).equals(bytes)).toBe(true);
    }
  });

  it('stops reading a source that yields more than its declared size', async () => {
    let pulled = 0;
    const source = {
      size: 10,
      open: () =>
        Readable.from(
          (function* () {
            for (let i = 0; i < 1000; i++) {
              pulled++;
              yield Buffer.alloc(8, 1);
            }
          })(),
        ),
    };
    await expect(readWhole(source, undefined)).rejects.toMatchObject({ code: 'ZB_SIZE_MISMATCH' });
    expect(pulled).toBeLessThan(10);
  });

  it('hashes what it reads', async () => {
    const bytes = text(5000);
    const r = await readWhole(
      { size: bytes.length, open: () => Readable.from([bytes.subarray(0, 7), bytes.subarray(7)]) },
      undefined,
    );
    expect(r.digest).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(r.bytes.equals(bytes)).toBe(true);
  });

  it('a duplicate is neither encoded nor written again (format 1 and 2 stores)', async () => {
    const v2 = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
    for (const store of [new BlobStore({ backend: new MemoryBackend(), compression: 'gzip' }), v2.blobs]) {
      const bytes = text(3000);
      const first = await store.put({ size: bytes.length, open: () => Readable.from([bytes]) });
      const again = await store.put({ size: bytes.length, open: () => Readable.from([bytes]) });
      expect(first.stored).toBe(true);
      expect(again).toMatchObject({ digest: first.digest, stored: false, storedSize: first.storedSize });
      expect(store.stats).toMatchObject({ puts: 2, dedupHits: 1, bytesStored: first.storedSize });
    }
    await v2.blobs.flush();
    expect(v2.blobs.packs?.table.size).toBe(1);
  });
});
