import { mkdtemp, open, readdir, rm, utimes, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isRetryable } from '../../../src/errors.js';
import { LocalBackend } from '../../../src/store/backends/local.js';
import { toStorageError } from '../../../src/store/backends/storage-error.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'zb-localt-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});
const body = (text: string) => ({ size: Buffer.byteLength(text), open: () => Readable.from([Buffer.from(text)]) });

describe('LocalBackend', () => {
  it('writes through a temp file named after the final one, removed on abort', async () => {
    const b = new LocalBackend({ root });
    const ac = new AbortController();
    let sawTemp: string[] = [];
    async function* slow(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(1000, 1);
      await new Promise((r) => setTimeout(r, 30));
      sawTemp = await readdir(join(root, 'x', 'y'));
      ac.abort();
      await new Promise((r) => setTimeout(r, 30));
      yield Buffer.alloc(1000, 2);
    }
    await expect(b.put('x/y/obj', { open: () => Readable.from(slow()) }, { signal: ac.signal })).rejects.toMatchObject({
      code: 'ZB_ABORTED',
    });
    expect(sawTemp).toHaveLength(1);
    expect(sawTemp[0]).toMatch(/^\.obj\.tmp-[0-9a-f]{16}$/);
    expect(await readdir(join(root, 'x', 'y'))).toEqual([]);
  });

  it('maps keys to files under the root and keeps dot files out of listings', async () => {
    const b = new LocalBackend({ root, fsync: false });
    await b.put('blobs/ab/cd/abcd', body('hi'));
    expect(await readFile(join(root, 'blobs', 'ab', 'cd', 'abcd'), 'utf8')).toBe('hi');
    await writeFile(join(root, 'blobs', 'ab', '.abcd.tmp-0123456789abcdef'), 'partial');
    const keys: string[] = [];
    for await (const o of b.list('')) keys.push(o.key);
    expect(keys).toEqual(['blobs/ab/cd/abcd']);
    expect(b.properties).toMatchObject({ atomicReplace: true });
  });

  it.each(['../x', '/abs', 'a//b', '.hidden', 'a/./b', 'a/../b', 'a\\b', 'a\0b', '', 'x/'])(
    'rejects the unsafe key %j',
    async (key) => {
      const b = new LocalBackend({ root });
      await expect(b.put(key, body('x'))).rejects.toMatchObject({ code: 'ZB_UNSAFE_PATH' });
      await expect(b.get(key)).rejects.toMatchObject({ code: 'ZB_UNSAFE_PATH' });
      await expect(b.delete(key)).rejects.toMatchObject({ code: 'ZB_UNSAFE_PATH' });
    },
  );

  it('rejects list prefixes that climb out of the root', async () => {
    const b = new LocalBackend({ root });
    await expect(
      (async () => {
        for await (const _ of b.list('../')) void _;
      })(),
    ).rejects.toMatchObject({ code: 'ZB_UNSAFE_PATH' });
  });

  it('wraps filesystem errors as permanent ZB_STORAGE with the errno and cause', async () => {
    await writeFile(join(root, 'file'), 'x');
    const b = new LocalBackend({ root: join(root, 'file') });
    const err = await b.put('a/b', body('x')).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ZB_STORAGE',
      data: { op: 'put', key: 'a/b', transient: false, errno: 'ENOTDIR' },
    });
    expect((err as Error).cause).toBeDefined();
    expect(isRetryable(err)).toBe(false);
    for (const errno of ['ENOSPC', 'EACCES', 'EROFS', 'EDQUOT'])
      expect(isRetryable(toStorageError(Object.assign(new Error(errno), { code: errno }), 'put', 'k'))).toBe(false);
    for (const errno of ['EMFILE', 'EBUSY', 'EAGAIN'])
      expect(isRetryable(toStorageError(Object.assign(new Error(errno), { code: errno }), 'put', 'k'))).toBe(true);
  });

  it('removes stale temp files older than the cut-off only', async () => {
    const b = new LocalBackend({ root });
    await b.put('d/obj', body('x'));
    const oldTemp = join(root, 'd', '.obj.tmp-00000000000000aa');
    const freshTemp = join(root, 'd', '.obj.tmp-00000000000000bb');
    await writeFile(oldTemp, 'old');
    await writeFile(freshTemp, 'fresh');
    const past = new Date(Date.now() - 2 * 3600_000);
    await utimes(oldTemp, past, past);
    expect(await b.removeStaleTempFiles()).toBe(1);
    expect((await readdir(join(root, 'd'))).sort()).toEqual(['.obj.tmp-00000000000000bb', 'obj']);
  });

  it('rejects an out-of-range offset', async () => {
    const b = new LocalBackend({ root });
    await b.put('r', body('abc'));
    await expect(b.get('r', { offset: 4 })).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
    await expect(b.get('r', { offset: 0, length: -1 })).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
  });

  it('validates its options', () => {
    expect(() => new LocalBackend({ root: '' })).toThrow(expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }));
    expect(() => new LocalBackend({ root, maxConnections: 0 })).toThrow(
      expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }),
    );
  });
});

describe('LocalBackend put with durable: false', () => {
  it('skips the file and directory fsyncs a durable put makes, and is still a whole object', async () => {
    const b = new LocalBackend({ root });
    await b.put('status/a.json', body('first')); // the directory exists before both counted puts
    const probe = await open(join(root, 'status', 'a.json'), 'r');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const sync = vi.spyOn(proto, 'sync');
    try {
      await b.put('status/a.json', body('durable'));
      // the temp file, then the directory after the rename
      expect(sync).toHaveBeenCalledTimes(2);
      sync.mockClear();
      await b.put('status/a.json', body('advisory'), { durable: false });
      expect(sync).not.toHaveBeenCalled();
    } finally {
      sync.mockRestore();
    }
    expect(await readFile(join(root, 'status', 'a.json'), 'utf8')).toBe('advisory');
    expect(await readdir(join(root, 'status'))).toEqual(['a.json']);
  });
});
