import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { BlobStore } from '../../../src/store/blob-store.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';

// zstd-napi is an optional dependency built from source; where it did not build, zstd must fail
// with a clear ZB_UNSUPPORTED, and where it did, it must round-trip and mix with gzip blobs.
const hasZstd = await import('zstd-napi').then(
  () => true,
  () => false,
);

describe('BlobStore with zstd', () => {
  it.runIf(hasZstd)('round-trips, compresses, and reads gzip blobs of the same repository', async () => {
    const backend = new MemoryBackend();
    const gz = new BlobStore({ backend, compression: 'gzip' });
    const zs = new BlobStore({ backend, compression: 'zstd' });
    const a = Buffer.from('Received: from mx\r\nSubject: zstd\r\n\r\n'.repeat(2000));
    const b = Buffer.from('another message body '.repeat(3000));
    const ra = await zs.put({ size: a.length, open: () => Readable.from([a]) });
    const rb = await gz.put({ size: b.length, open: () => Readable.from([b]) });
    expect(ra.storedSize).toBeLessThan(a.length / 10);
    expect(await buffer(await gz.get(ra.digest))).toEqual(a);
    expect(await buffer(await zs.get(rb.digest))).toEqual(b);
  });

  it.runIf(!hasZstd)('without zstd-napi, asking for zstd is a clear ZB_UNSUPPORTED', async () => {
    const zs = new BlobStore({ backend: new MemoryBackend(), compression: 'zstd' });
    const a = Buffer.from('x');
    await expect(zs.put({ size: 1, open: () => Readable.from([a]) })).rejects.toMatchObject({ code: 'ZB_UNSUPPORTED' });
  });
});
