/**
 * S3Backend's request logic against a scripted S3 client (no sockets): ranges, 416 handling,
 * list paging, delete's existence check, key checks before any request, option validation.
 * Uploads are covered against a real server in test/live/s3.test.ts.
 */
import { PassThrough, Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3Backend, createS3BackendFromUrl, type S3BackendOptions } from '../../../src/store/backends/s3.js';

interface Sent {
  name: string;
  input: Record<string, unknown>;
}
type Handler = (name: string, input: Record<string, unknown>) => unknown;

/** A stand-in for S3Client.send that records commands and answers through `handler`. */
function fakeClient(handler: Handler): { client: S3Client; sent: Sent[]; destroyed: () => boolean } {
  const sent: Sent[] = [];
  let destroyed = false;
  const client = {
    send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: cmd.constructor.name, input: cmd.input });
      return handler(cmd.constructor.name, cmd.input);
    },
    destroy: () => {
      destroyed = true;
    },
  } as unknown as S3Client;
  return { client, sent, destroyed: () => destroyed };
}

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

function backend(handler: Handler, extra: Partial<S3BackendOptions> = {}) {
  const fake = fakeClient(handler);
  return { b: new S3Backend({ bucket: 'bkt', prefix: '/repo/one/', client: fake.client, ...extra }), ...fake };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('S3Backend (scripted client)', () => {
  it('has the S3 properties and a normalised prefix', () => {
    const { b } = backend(() => ({}), { maxConnections: 7 });
    expect(b.properties).toEqual({ atomicReplace: true, maxConnections: 7 });
    expect(b.prefix).toBe('repo/one');
  });

  it('stat: HEAD under the prefix; 404 is undefined, 403 is an error', async () => {
    const { b, sent } = backend((_n, input) => {
      if (input['Key'] === 'repo/one/there') return { ContentLength: 42 };
      if (input['Key'] === 'repo/one/forbidden') throw s3Error('Forbidden', 403);
      throw s3Error('NotFound', 404);
    });
    expect(await b.stat('there')).toEqual({ size: 42 });
    expect(await b.stat('gone')).toBeUndefined();
    await expect(b.stat('forbidden')).rejects.toMatchObject({
      code: 'ZB_STORAGE',
      data: { status: 403, transient: false },
    });
    expect(sent.map((s) => [s.name, s.input['Bucket'], s.input['Key']])).toEqual([
      ['HeadObjectCommand', 'bkt', 'repo/one/there'],
      ['HeadObjectCommand', 'bkt', 'repo/one/gone'],
      ['HeadObjectCommand', 'bkt', 'repo/one/forbidden'],
    ]);
  });

  it('get: sends the right Range for offset and length', async () => {
    const { b, sent } = backend(() => ({ Body: Readable.from([Buffer.from('abc')]), ContentLength: 3 }));
    await readAll(await b.get('k'));
    await readAll(await b.get('k', { offset: 10 }));
    await readAll(await b.get('k', { length: 3 }));
    await readAll(await b.get('k', { offset: 5, length: 3 }));
    expect(sent.map((s) => s.input['Range'])).toEqual([undefined, 'bytes=10-', 'bytes=0-2', 'bytes=5-7']);
  });

  it('get: 416 past the end resolves like other backends (empty at the end, invalid beyond, missing)', async () => {
    let size: number | undefined = 100;
    const { b } = backend((name) => {
      if (name === 'GetObjectCommand') throw s3Error('InvalidRange', 416);
      if (size === undefined) throw s3Error('NotFound', 404);
      return { ContentLength: size };
    });
    expect((await readAll(await b.get('k', { offset: 100 }))).length).toBe(0);
    await expect(b.get('k', { offset: 101 })).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
    size = undefined;
    await expect(b.get('k', { offset: 5 })).rejects.toMatchObject({ code: 'ZB_BLOB_NOT_FOUND' });
  });

  it('get: length 0 checks existence and returns nothing', async () => {
    const { b, sent } = backend(() => {
      throw s3Error('NotFound', 404);
    });
    await expect(b.get('k', { offset: 3, length: 0 })).rejects.toMatchObject({ code: 'ZB_BLOB_NOT_FOUND' });
    expect(sent.map((s) => s.name)).toEqual(['HeadObjectCommand']);
  });

  it('get: missing key is ZB_BLOB_NOT_FOUND; bad offset is ZB_INVALID_ARGUMENT before any request', async () => {
    const { b, sent } = backend(() => {
      throw s3Error('NoSuchKey', 404);
    });
    await expect(b.get('k')).rejects.toMatchObject({ code: 'ZB_BLOB_NOT_FOUND', data: { key: 'k' } });
    await expect(b.get('k', { offset: -1 })).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
    await expect(b.get('k', { length: 1.5 })).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
    expect(sent).toHaveLength(1);
  });

  it('get: a body shorter than its Content-Length fails with a transient error, never a short object', async () => {
    const { b } = backend(() => ({ Body: Readable.from([Buffer.from('only-part')]), ContentLength: 1000 }));
    await expect(readAll(await b.get('k'))).rejects.toMatchObject({ code: 'ZB_STORAGE', data: { transient: true } });
  });

  it('get: a connection cut mid-body is a transient error', async () => {
    const body = new PassThrough();
    const { b } = backend(() => ({ Body: body, ContentLength: 1000 }));
    const out = await b.get('k');
    body.write(Buffer.alloc(10));
    setImmediate(() => body.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
    await expect(readAll(out)).rejects.toMatchObject({ code: 'ZB_STORAGE', data: { transient: true } });
  });

  it('get: aborting while reading destroys the stream with ZB_ABORTED and releases the response', async () => {
    const body = new PassThrough();
    const { b } = backend(() => ({ Body: body, ContentLength: 1000 }));
    const ac = new AbortController();
    const out = await b.get('k', { signal: ac.signal });
    body.write(Buffer.alloc(10));
    setImmediate(() => ac.abort());
    await expect(readAll(out)).rejects.toMatchObject({ code: 'ZB_ABORTED' });
    expect(body.destroyed).toBe(true);
  });

  it('list: follows continuation tokens lazily and strips the prefix', async () => {
    const pages: Record<string, unknown> = {
      first: {
        Contents: [
          { Key: 'repo/one/a/1', Size: 1 },
          { Key: 'repo/one/a/2', Size: 2 },
        ],
        IsTruncated: true,
        NextContinuationToken: 't2',
      },
      t2: { Contents: [{ Key: 'repo/one/a/3', Size: 3 }], IsTruncated: true, NextContinuationToken: 't3' },
      t3: { Contents: [{ Key: 'repo/one/a/4', Size: 4 }], IsTruncated: false },
    };
    const { b, sent } = backend((_n, input) => pages[(input['ContinuationToken'] as string | undefined) ?? 'first'], {
      listPageSize: 2,
    });
    const iter = b.list('a/')[Symbol.asyncIterator]();
    expect((await iter.next()).value).toEqual({ key: 'a/1', size: 1 });
    expect(sent).toHaveLength(1); // the next page is fetched only when the consumer asks
    const rest = [];
    for (let r = await iter.next(); !r.done; r = await iter.next()) rest.push(r.value);
    expect(rest).toEqual([
      { key: 'a/2', size: 2 },
      { key: 'a/3', size: 3 },
      { key: 'a/4', size: 4 },
    ]);
    expect(sent.map((s) => [s.input['Prefix'], s.input['ContinuationToken'], s.input['MaxKeys']])).toEqual([
      ['repo/one/a/', undefined, 2],
      ['repo/one/a/', 't2', 2],
      ['repo/one/a/', 't3', 2],
    ]);
  });

  it('list: a server error mid-listing is mapped', async () => {
    const { b } = backend(() => {
      throw s3Error('SlowDown', 503);
    });
    const consume = async (): Promise<void> => {
      for await (const _ of b.list('')) void _;
    };
    await expect(consume()).rejects.toMatchObject({ code: 'ZB_STORAGE', data: { transient: true, op: 'list' } });
  });

  it('delete: HEAD first, so a missing key is ZB_BLOB_NOT_FOUND and nothing is deleted', async () => {
    const { b, sent } = backend((name, input) => {
      if (name === 'HeadObjectCommand' && input['Key'] === 'repo/one/gone') throw s3Error('NotFound', 404);
      return { ContentLength: 1 };
    });
    await expect(b.delete('gone')).rejects.toMatchObject({ code: 'ZB_BLOB_NOT_FOUND' });
    await b.delete('there');
    expect(sent.map((s) => [s.name, s.input['Key']])).toEqual([
      ['HeadObjectCommand', 'repo/one/gone'],
      ['HeadObjectCommand', 'repo/one/there'],
      ['DeleteObjectCommand', 'repo/one/there'],
    ]);
  });

  it('refuses unsafe keys and prefixes with ZB_UNSAFE_PATH before any request', async () => {
    const { b, sent } = backend(() => ({}));
    for (const key of ['', '/abs', 'a/../b', 'a//b', '.tmp', 'a\\b']) {
      await expect(b.stat(key)).rejects.toMatchObject({ code: 'ZB_UNSAFE_PATH' });
      await expect(b.put(key, { open: () => Readable.from([]) })).rejects.toMatchObject({ code: 'ZB_UNSAFE_PATH' });
    }
    await expect(b.list('../x')[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'ZB_UNSAFE_PATH' });
    expect(sent).toEqual([]);
  });

  it('an already aborted signal rejects ZB_ABORTED without a request', async () => {
    const { b, sent } = backend(() => ({}));
    const ac = new AbortController();
    ac.abort();
    await expect(b.get('k', { signal: ac.signal })).rejects.toMatchObject({ code: 'ZB_ABORTED' });
    await expect(b.stat('k', { signal: ac.signal })).rejects.toMatchObject({ code: 'ZB_ABORTED' });
    await expect(b.put('k', { open: () => Readable.from([]) }, { signal: ac.signal })).rejects.toMatchObject({
      code: 'ZB_ABORTED',
    });
    expect(sent).toEqual([]);
  });

  it('close() leaves an injected client to its owner', async () => {
    const { b, destroyed } = backend(() => ({}));
    await b.close();
    expect(destroyed()).toBe(false);
  });

  it.each([
    ['bucket', { bucket: 'Bad_Bucket!' }],
    ['partSize', { partSize: 1024 }],
    ['partSize', { partSize: 6_000_000.5 }],
    ['queueSize', { queueSize: 0 }],
    ['maxConnections', { maxConnections: -1 }],
    ['listPageSize', { listPageSize: 1001 }],
    ['prefix', { prefix: 'a/../b' }],
    ['requestChecksumCalculation', { requestChecksumCalculation: 'ALWAYS' as never, client: undefined }],
  ])('validates %s with ZB_INVALID_ARGUMENT naming the field', (field, extra) => {
    const make = (): S3Backend => new S3Backend({ bucket: 'bkt', region: 'us-east-1', ...extra } as S3BackendOptions);
    expect(make).toThrow(
      expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT', data: expect.objectContaining({ field }) }),
    );
  });

  it('createS3BackendFromUrl takes bucket and prefix from the URL', async () => {
    const b = createS3BackendFromUrl(
      's3://my-bucket/a/b?region=eu-west-3&path-style=1&endpoint=http%3A%2F%2F127.0.0.1%3A9',
      {
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
      },
    );
    expect([b.bucket, b.prefix]).toEqual(['my-bucket', 'a/b']);
    await b.close();
  });
});
