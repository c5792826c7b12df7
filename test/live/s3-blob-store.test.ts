/**
 * BlobStore on S3Backend against s3rver: gzip round-trip, dedup (sequential and concurrent),
 * a multipart-sized blob, verification failures that leave nothing visible.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BlobStore } from '../../src/store/blob-store.js';
import { parseDigest } from '../../src/store/digest.js';
import { S3Backend } from '../../src/store/backends/s3.js';

const s3 = inject('s3');
const live = s3.unavailable === undefined ? s3 : undefined;
if (live === undefined) console.warn(`\n*** LIVE S3 BLOBSTORE TESTS SKIPPED: ${s3.unavailable ?? ''}\n`);
const RUN = `zb-blobs-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

/** A message-like, compressible body of about `size` bytes, unique per `seed`. */
function message(seed: string, size: number): Buffer {
  const head = `From: alice@example.test\r\nTo: bob@example.test\r\nSubject: ${seed}\r\n\r\n`;
  const line = `Lorem ipsum dolor sit amet, ${seed}, consectetur adipiscing elit.\r\n`;
  return Buffer.from(head + line.repeat(Math.ceil(size / line.length))).subarray(0, size);
}

function body(data: Buffer): { size: number; open(): Readable } {
  return { size: data.length, open: () => Readable.from([data]) };
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe.skipIf(live === undefined)('BlobStore on S3 (s3rver)', () => {
  let backend: S3Backend;
  let store: BlobStore;
  beforeAll(() => {
    backend = new S3Backend({
      bucket: live!.bucket,
      prefix: RUN,
      endpoint: live!.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: live!.accessKeyId, secretAccessKey: live!.secretAccessKey },
      partSize: 5 * 1024 * 1024,
    });
    store = new BlobStore({ backend, compression: 'gzip' });
  });
  afterAll(async () => backend.close());

  it('round-trips a gzip blob and stores it compressed under its digest', async () => {
    const data = message('round-trip', 200_000);
    const put = await store.put(body(data));
    expect(put).toMatchObject({ digest: sha256(data), size: data.length, stored: true });
    expect(put.storedSize).toBeLessThan(data.length / 4);
    const key = `blobs/${put.digest.slice(0, 2)}/${put.digest.slice(2, 4)}/${put.digest}`;
    expect(await backend.stat(key)).toEqual({ size: put.storedSize });
    expect(await store.stat(put.digest)).toMatchObject({
      codec: 'gzip',
      size: data.length,
      storedSize: put.storedSize,
    });
    expect((await readAll(await store.get(put.digest))).equals(data)).toBe(true);
  });

  it('dedups a repeated blob and concurrent puts of the same content', async () => {
    const data = message('dedup', 50_000);
    store.resetStats();
    const first = await store.put(body(data));
    const again = await store.put(body(data));
    expect([first.stored, again.stored]).toEqual([true, false]);
    const other = message('dedup-concurrent', 60_000);
    const results = await Promise.all(Array.from({ length: 5 }, () => store.put(body(other))));
    expect(results.filter((r) => r.stored)).toHaveLength(1);
    expect(new Set(results.map((r) => r.digest))).toEqual(new Set([sha256(other)]));
    expect(store.stats).toMatchObject({ puts: 7, dedupHits: 5 });
    const listed: string[] = [];
    for await (const d of store.list()) listed.push(d);
    expect(listed).toEqual(expect.arrayContaining([first.digest, results[0]!.digest]));
  });

  it('a blob larger than partSize goes multipart and verifies on the way back', async () => {
    const data = randomBytes(6 * 1024 * 1024); // incompressible: still two 5 MiB parts after gzip
    const put = await store.put(body(data));
    expect(put).toMatchObject({ digest: sha256(data), stored: true });
    expect(sha256(await readAll(await store.get(put.digest)))).toBe(sha256(data));
  });

  it('putKnownDigest with the wrong digest fails and leaves nothing on S3', async () => {
    const data = message('wrong-digest', 30_000);
    const claimed = parseDigest(sha256(Buffer.from('something else')));
    await expect(store.putKnownDigest(claimed, body(data))).rejects.toMatchObject({ code: 'ZB_DIGEST_MISMATCH' });
    expect(await store.has(claimed)).toBe(false);
  });

  it('a stored object swapped for other bytes fails the read with ZB_DIGEST_MISMATCH', async () => {
    const a = await store.put(body(message('victim', 20_000)));
    const b = await store.put(body(message('intruder', 20_000)));
    const keyOf = (d: string): string => `blobs/${d.slice(0, 2)}/${d.slice(2, 4)}/${d}`;
    const intruder = await readAll(await backend.get(keyOf(b.digest)));
    await backend.put(keyOf(a.digest), body(intruder));
    await expect(readAll(await store.get(a.digest))).rejects.toMatchObject({ code: 'ZB_DIGEST_MISMATCH' });
  });
});
