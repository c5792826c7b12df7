/**
 * S3Backend against a real S3-compatible server (s3rver, started by test/live/global-setup.ts):
 * the shared backend conformance suite, then what is specific to S3 (multipart, abort of a
 * multipart upload, ranges across parts, list paging, error mapping from real replies).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { S3Backend, createS3BackendFromUrl, type S3BackendOptions } from '../../src/store/backends/s3.js';
import { runBackendConformance } from '../conformance/backend-suite.js';

const s3 = inject('s3');
const MIB = 1024 * 1024;
// One prefix per run, one sub-prefix per backend (restic s3_test.go): runs and tests never share keys.
const RUN = `zb-test-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
let seq = 0;

if (s3.unavailable !== undefined) {
  console.warn(
    `\n*** LIVE S3 TESTS SKIPPED: ${s3.unavailable}\n*** Install s3rver (npm i -D s3rver@3.7.1); CI sets ZB_REQUIRE_LIVE=1 and fails instead.\n`,
  );
}
const live = s3.unavailable === undefined ? s3 : undefined;

function options(extra: Partial<S3BackendOptions> = {}): S3BackendOptions {
  if (live === undefined) throw new Error('live S3 unavailable');
  return {
    bucket: live.bucket,
    prefix: `${RUN}/${++seq}`,
    endpoint: live.endpoint,
    region: live.region,
    forcePathStyle: true,
    credentials: { accessKeyId: live.accessKeyId, secretAccessKey: live.secretAccessKey },
    partSize: 5 * MIB,
    ...extra,
  };
}

/** Deterministic bytes that differ per position, so a misplaced range shows. */
function pattern(length: number, seed = 1): Buffer {
  const buf = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    buf[i] = x >>> 24;
  }
  return buf;
}

/** Streams `data` in 64 KiB chunks, calling `onChunk` before each. */
function chunked(data: Buffer, onChunk?: (offset: number) => Promise<void> | void): ReplayableStreamBody {
  return {
    size: data.length,
    open: () =>
      Readable.from(
        (async function* () {
          for (let off = 0; off < data.length; off += 64 * 1024) {
            await onChunk?.(off);
            yield data.subarray(off, Math.min(off + 64 * 1024, data.length));
          }
        })(),
      ),
  };
}
type ReplayableStreamBody = { size: number; open(): Readable };

/** An S3 client configured like S3Backend's own, recording the name of every command it sends. */
function recordingClient(commands: string[]): S3Client {
  const client = new S3Client({
    endpoint: live!.endpoint,
    region: live!.region,
    forcePathStyle: true,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: live!.accessKeyId, secretAccessKey: live!.secretAccessKey },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'zbRecordCommands' },
  );
  return client;
}

function count(commands: string[], name: string): number {
  return commands.filter((c) => c === name).length;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function collectKeys(b: S3Backend, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of b.list(prefix)) keys.push(o.key);
  return keys.sort();
}

describe.skipIf(live === undefined)('S3Backend on s3rver', () => {
  runBackendConformance(
    's3 (s3rver)',
    {
      create: async () => new S3Backend(options()),
      cleanup: async (b) => b.close?.(),
    },
    {
      // 12 MB with 5 MiB parts: a three-part multipart upload, yet fast on the shared 2-core machine.
      largeObjectBytes: 12 * 1000 * 1000 + 3,
      // s3rver 3.7.1 writes a PutObject body straight into the final file, so concurrent puts of
      // *different* bytes to one key can interleave (measured: 4 of 40 rounds stored a mix of two
      // versions). Real S3 replaces objects atomically. The case BlobStore relies on, concurrent
      // puts of identical bytes, is tested below.
      skip: ['concurrent puts of the same key: all resolve, one whole version wins'],
    },
  );

  describe('S3 specifics', () => {
    let backend: S3Backend;
    let raw: S3Client;
    beforeAll(() => {
      backend = new S3Backend(options());
      raw = new S3Client({
        endpoint: live!.endpoint,
        region: live!.region,
        forcePathStyle: true,
        credentials: { accessKeyId: live!.accessKeyId, secretAccessKey: live!.secretAccessKey },
      });
    });
    afterAll(async () => {
      await backend.close();
      raw.destroy();
    });

    it('uploads an object larger than partSize as multipart, byte-exact', async () => {
      const commands: string[] = [];
      const client = recordingClient(commands);
      const multi = new S3Backend({ ...options(), client });
      try {
        const data = pattern(12 * 1000 * 1000 + 7, 3);
        await multi.put('multi/obj', chunked(data));
        // 12 MB in 5 MiB parts = 3 parts, then one completion; never a single PutObject.
        expect(count(commands, 'CreateMultipartUploadCommand')).toBe(1);
        expect(count(commands, 'UploadPartCommand')).toBe(3);
        expect(count(commands, 'CompleteMultipartUploadCommand')).toBe(1);
        expect(count(commands, 'PutObjectCommand')).toBe(0);
        const head = await raw.send(new HeadObjectCommand({ Bucket: live!.bucket, Key: `${multi.prefix}/multi/obj` }));
        expect(head.ContentLength).toBe(data.length);
        expect((await readAll(await multi.get('multi/obj'))).equals(data)).toBe(true);
        // A range spanning the first part boundary comes back exactly.
        const from = 5 * MIB - 10;
        const part = await readAll(await multi.get('multi/obj', { offset: from, length: 20 }));
        expect(part.equals(data.subarray(from, from + 20))).toBe(true);
      } finally {
        await multi.close();
        client.destroy();
      }
    });

    it('an object up to partSize takes one PutObject', async () => {
      const commands: string[] = [];
      const client = recordingClient(commands);
      const single = new S3Backend({ ...options(), client });
      try {
        await single.put('single/obj', chunked(pattern(300_003, 4)));
        expect(commands).toEqual(['PutObjectCommand']);
        expect(await single.stat('single/obj')).toEqual({ size: 300_003 });
      } finally {
        client.destroy();
      }
    });

    // s3rver 3.7.1 does not implement AbortMultipartUpload (it answers 405 MethodNotAllowed, and
    // its parts stay in its uploads directory), so what can be checked here is that the object
    // never appears, that the caller gets its own error rather than the cleanup's, and that the
    // backend did ask the server to discard the parts. Real S3 discards them.
    it('aborting mid-multipart rejects ZB_ABORTED, leaves no object and aborts the upload', async () => {
      const commands: string[] = [];
      const client = recordingClient(commands);
      const warnings: unknown[] = [];
      const logger = { debug() {}, info() {}, error() {}, warn: (o: unknown) => void warnings.push(o) };
      const multi = new S3Backend({ ...options(), client, logger });
      try {
        const ac = new AbortController();
        // Abort once two parts' worth has been read: at least one UploadPart has been sent by then.
        const body = chunked(pattern(16 * MIB, 5), async (off) => {
          if (off === 11 * MIB) {
            ac.abort(new Error('test abort'));
            await new Promise((r) => setTimeout(r, 20));
          }
        });
        await expect(multi.put('aborted/big', body, { signal: ac.signal })).rejects.toMatchObject({
          code: 'ZB_ABORTED',
        });
        expect(count(commands, 'UploadPartCommand')).toBeGreaterThanOrEqual(1);
        expect(count(commands, 'AbortMultipartUploadCommand')).toBe(1);
        expect(count(commands, 'CompleteMultipartUploadCommand')).toBe(0);
        expect(await multi.stat('aborted/big')).toBeUndefined();
        expect(await collectKeys(multi, 'aborted/')).toEqual([]);
        // The server refused to discard the parts: that is logged, with the upload id, no secrets.
        expect(warnings).toEqual([expect.objectContaining({ key: 'aborted/big', uploadId: expect.any(String) })]);
      } finally {
        client.destroy();
      }
    });

    it('a multipart put whose source fails after a part was uploaded reports the source error, leaves nothing', async () => {
      const commands: string[] = [];
      const client = recordingClient(commands);
      const multi = new S3Backend({ ...options(), client });
      try {
        const body = chunked(pattern(12 * MIB, 6), (off) => {
          if (off === 11 * MIB) throw new Error('source broke (test)');
        });
        await expect(multi.put('broken/big', body)).rejects.toThrow(/source broke/);
        expect(count(commands, 'UploadPartCommand')).toBeGreaterThanOrEqual(1);
        expect(count(commands, 'AbortMultipartUploadCommand')).toBe(1);
        expect(await multi.stat('broken/big')).toBeUndefined();
      } finally {
        client.destroy();
      }
    });

    it('concurrent puts of identical bytes to one key (the dedup race) all resolve, content intact', async () => {
      const data = pattern(200_000, 9);
      await Promise.all(Array.from({ length: 6 }, () => backend.put('same/content', chunked(data))));
      expect((await readAll(await backend.get('same/content'))).equals(data)).toBe(true);
      expect(await collectKeys(backend, 'same/')).toEqual(['same/content']);
    });

    it('lists across many pages with a small page size', async () => {
      const paged = new S3Backend(options({ listPageSize: 7 }));
      try {
        const keys = Array.from({ length: 30 }, (_, i) => `p/${String(i).padStart(3, '0')}`);
        await Promise.all(
          keys.map((k, i) => paged.put(k, { size: i, open: () => Readable.from([Buffer.alloc(i, 1)]) })),
        );
        await paged.put('q/other', { size: 1, open: () => Readable.from([Buffer.from('x')]) });
        const seen: Array<{ key: string; size: number }> = [];
        for await (const o of paged.list('p/')) seen.push(o);
        seen.sort((a, b) => a.key.localeCompare(b.key));
        expect(seen).toEqual(keys.map((key, i) => ({ key, size: i })));
      } finally {
        await paged.close();
      }
    });

    // s3rver checks the access key id but not SigV4 signatures, so an unknown key is the
    // credential failure it can produce.
    it('maps real server errors: bad credentials are permanent ZB_STORAGE, not "not found"', async () => {
      const bad = new S3Backend(
        options({ credentials: { accessKeyId: 'NO-SUCH-KEY-ID', secretAccessKey: 'wrong-secret' } }),
      );
      try {
        const err = await bad.get('anything').catch((e: unknown) => e);
        expect(err).toMatchObject({
          code: 'ZB_STORAGE',
          data: { transient: false, s3Code: 'InvalidAccessKeyId', status: 403 },
        });
        await expect(bad.stat('anything')).rejects.toMatchObject({ code: 'ZB_STORAGE', data: { status: 403 } });
        expect(JSON.stringify(err)).not.toContain('wrong-secret');
      } finally {
        await bad.close();
      }
    });

    it('a missing bucket is a permanent ZB_STORAGE error, never ZB_BLOB_NOT_FOUND', async () => {
      const nob = new S3Backend(options({ bucket: 'zb-no-such-bucket' }));
      try {
        await expect(nob.get('k')).rejects.toMatchObject({
          code: 'ZB_STORAGE',
          data: { s3Code: 'NoSuchBucket', transient: false },
        });
        await expect(nob.put('k', { size: 1, open: () => Readable.from([Buffer.from('x')]) })).rejects.toMatchObject({
          code: 'ZB_STORAGE',
        });
      } finally {
        await nob.close();
      }
    });

    it('a server that is not there is a transient ZB_STORAGE error', async () => {
      // Port 1 on loopback: nothing listens there, so the connection is refused at once.
      const down = new S3Backend(options({ endpoint: 'http://127.0.0.1:1' }));
      try {
        await expect(down.stat('k')).rejects.toMatchObject({ code: 'ZB_STORAGE', data: { transient: true } });
      } finally {
        await down.close();
      }
    });

    it('createS3BackendFromUrl reaches the same objects as the options form', async () => {
      await backend.put('url/obj', { size: 5, open: () => Readable.from([Buffer.from('hello')]) });
      const url = `s3://${live!.bucket}/${backend.prefix}?endpoint=${encodeURIComponent(live!.endpoint)}&path-style=true`;
      const viaUrl = createS3BackendFromUrl(url, {
        credentials: { accessKeyId: live!.accessKeyId, secretAccessKey: live!.secretAccessKey },
      });
      try {
        expect((await readAll(await viaUrl.get('url/obj'))).toString()).toBe('hello');
      } finally {
        await viaUrl.close();
      }
    });
  });
});
