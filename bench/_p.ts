import { Readable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobStore } from '../src/store/blob-store.js';
import { MemoryBackend } from '../src/store/backends/memory.js';
import { LocalBackend } from '../src/store/backends/local.js';
const blobs = Array.from({ length: 1000 }, (_, i) => Buffer.from(`message ${i} `.repeat(500)));
for (const [name, mk] of [['memory', async () => new MemoryBackend()], ['local nofsync', async () => new LocalBackend({ root: await mkdtemp(join(tmpdir(), 'zbp-')), fsync: false })]] as const) {
  for (const strategy of ['rehash', 'spool'] as const) {
    const store = new BlobStore({ backend: await mk(), compression: 'none' });
    const t = performance.now();
    for (const b of blobs) await store.put({ size: b.length, open: () => Readable.from([b]) }, { strategy });
    console.log(name, strategy, ((performance.now() - t) / blobs.length).toFixed(3), 'ms/put');
  }
}
const b = new LocalBackend({ root: await mkdtemp(join(tmpdir(), 'zbp-')), fsync: false });
let t = performance.now();
for (const [i, x] of blobs.entries()) await b.put(`blobs/${String(i % 256).padStart(2, '0')}/k${i}`, { open: () => Readable.from([x]) });
console.log('backend put', ((performance.now() - t) / blobs.length).toFixed(3));
t = performance.now();
for (const [i] of blobs.entries()) await b.stat(`blobs/x/k${i}`);
console.log('backend stat', ((performance.now() - t) / blobs.length).toFixed(3));
