/**
 * Why S3Backend defaults `requestChecksumCalculation` to WHEN_REQUIRED: with the SDK's default
 * (WHEN_SUPPORTED), a streamed body is sent `aws-chunked` with a trailing CRC32, and s3rver 3.7.1
 * stores the chunk framing as if it were content. This reproduces the corruption with the raw SDK,
 * then shows the backend storing streamed bodies byte-exact.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { S3Backend } from '../../src/store/backends/s3.js';

const s3 = inject('s3');
const live = s3.unavailable === undefined ? s3 : undefined;
if (live === undefined) console.warn(`\n*** LIVE S3 CHECKSUM TESTS SKIPPED: ${s3.unavailable ?? ''}\n`);
const RUN = `zb-cksum-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const SIZE = 300_003;

function client(mode: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED'): S3Client {
  return new S3Client({
    endpoint: live!.endpoint,
    region: live!.region,
    forcePathStyle: true,
    credentials: { accessKeyId: live!.accessKeyId, secretAccessKey: live!.secretAccessKey },
    requestChecksumCalculation: mode,
    responseChecksumValidation: mode,
  });
}

/** A body of known length that the SDK can only stream (it cannot buffer or pre-hash it). */
function streamed(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let off = 0; off < data.length; off += 65_536) yield data.subarray(off, off + 65_536);
    })(),
  );
}

/** What s3rver wrote to disk for `key` (its file-system store keeps each object as one file). */
async function storedBytes(key: string): Promise<Buffer> {
  const parts = key.split('/');
  const name = `${parts.pop()!}._S3rver_object`;
  return readFile(join(live!.directory, live!.bucket, ...parts, name));
}

describe.skipIf(live === undefined)('S3 checksum defaults against s3rver', () => {
  const data = randomBytes(SIZE);

  it('the SDK default (WHEN_SUPPORTED) corrupts a streamed PutObject on s3rver', async () => {
    const c = client('WHEN_SUPPORTED');
    try {
      const key = `${RUN}/sdk-default`;
      await c.send(new PutObjectCommand({ Bucket: live!.bucket, Key: key, Body: streamed(data), ContentLength: SIZE }));
      const head = await c.send(new HeadObjectCommand({ Bucket: live!.bucket, Key: key }));
      // aws-chunked framing (chunk sizes, trailer "x-amz-checksum-crc32:...") stored as content.
      expect(head.ContentLength).toBeGreaterThan(SIZE);
      const stored = await storedBytes(key);
      expect(stored.includes(Buffer.from('x-amz-checksum-crc32'))).toBe(true);
      console.info(`s3rver with the SDK default checksum mode: ${SIZE} bytes sent, ${head.ContentLength} stored`);
    } finally {
      c.destroy();
    }
  });

  it('WHEN_REQUIRED stores a streamed PutObject byte-exact', async () => {
    const c = client('WHEN_REQUIRED');
    try {
      const key = `${RUN}/when-required`;
      await c.send(new PutObjectCommand({ Bucket: live!.bucket, Key: key, Body: streamed(data), ContentLength: SIZE }));
      expect((await storedBytes(key)).equals(data)).toBe(true);
    } finally {
      c.destroy();
    }
  });

  it('S3Backend with default options stores the exact bytes, single-part and multipart', async () => {
    const backend = new S3Backend({
      bucket: live!.bucket,
      prefix: `${RUN}/backend`,
      endpoint: live!.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: live!.accessKeyId, secretAccessKey: live!.secretAccessKey },
      partSize: 5 * 1024 * 1024,
    });
    try {
      await backend.put('small', { size: SIZE, open: () => streamed(data) });
      expect((await storedBytes(`${RUN}/backend/small`)).equals(data)).toBe(true);
      const big = Buffer.concat(Array.from({ length: 40 }, () => data)); // 12,000,120 bytes: 3 parts
      await backend.put('big', { size: big.length, open: () => streamed(big) });
      expect(await backend.stat('big')).toEqual({ size: big.length });
      expect((await storedBytes(`${RUN}/backend/big`)).equals(big)).toBe(true);
    } finally {
      await backend.close();
    }
  });
});
