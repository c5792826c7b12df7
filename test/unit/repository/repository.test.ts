import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { initRepository, openRepository } from '../../../src/repository/repository.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { LocalBackend } from '../../../src/store/backends/local.js';
import * as layout from '../../../src/repository/layout.js';

const putText = (b: MemoryBackend, key: string, text: string): Promise<void> =>
  b.put(key, { open: () => Readable.from([Buffer.from(text)]) });
const format = (over: Record<string, unknown>): string =>
  JSON.stringify({
    format: 'zimbra-backup',
    version: 1,
    id: '0b5e2a7c-1111-4222-8333-944455556666',
    created: '2026-01-01T00:00:00.000Z',
    compression: 'gzip',
    gzipLevel: 6,
    blobLayout: 'sha256-fanout-2-2',
    ...over,
  });

const hasZstd = await import('zstd-napi').then(
  () => true,
  () => false,
);

describe('initRepository / openRepository', () => {
  it('creates a FORMAT object and reopens it with the same config', async () => {
    const backend = new MemoryBackend();
    const repo = await initRepository({
      backend,
      compression: 'gzip',
      gzipLevel: 3,
      now: () => new Date('2026-11-26T00:00:00Z'),
      formatVersion: 1,
    });
    expect(repo.config).toMatchObject({
      format: 'zimbra-backup',
      version: 1,
      compression: 'gzip',
      gzipLevel: 3,
      created: '2026-11-26T00:00:00.000Z',
    });
    const again = await openRepository({ backend });
    expect(again.config).toEqual(repo.config);
    expect(again.blobs.compression).toBe('gzip');
    const { digest } = await again.blobs.put({ open: () => Readable.from([Buffer.from('hello')]) });
    expect(await backend.stat(layout.blobLayout.key(digest))).toBeDefined();
    expect(layout.blobLayout.key(digest)).toBe(`blobs/${digest.slice(0, 2)}/${digest.slice(2, 4)}/${digest}`);
  });

  it('refuses to init over a repository or a non-empty location', async () => {
    const backend = new MemoryBackend();
    await initRepository({ backend });
    await expect(initRepository({ backend })).rejects.toMatchObject({
      code: 'ZB_CONFLICT',
      data: { reason: 'exists' },
    });
    const other = new MemoryBackend();
    await putText(other, 'some/file', 'x');
    await expect(initRepository({ backend: other })).rejects.toMatchObject({
      code: 'ZB_CONFLICT',
      data: { reason: 'not-empty' },
    });
    expect(await other.stat('FORMAT')).toBeUndefined();
  });

  it('refuses a non-empty local directory, accepts an empty one', async () => {
    const root = await mkdtemp(join(tmpdir(), 'zb-repo-'));
    try {
      await writeFile(join(root, 'notes.txt'), 'hello');
      await expect(initRepository({ backend: new LocalBackend({ root }) })).rejects.toMatchObject({
        code: 'ZB_CONFLICT',
      });
      const empty = join(root, 'repo');
      const repo = await initRepository({ backend: new LocalBackend({ root: empty }), compression: 'none' });
      expect((await openRepository({ backend: new LocalBackend({ root: empty }) })).config.id).toBe(repo.config.id);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('missing FORMAT is ZB_NOT_A_REPOSITORY', async () => {
    await expect(openRepository({ backend: new MemoryBackend() })).rejects.toMatchObject({
      code: 'ZB_NOT_A_REPOSITORY',
    });
  });

  it.each([
    ['a newer version', format({ version: 3 }), 'ZB_FORMAT_UNSUPPORTED'],
    ['version 2 with the v1 layout', format({ version: 2 }), 'ZB_FORMAT_UNSUPPORTED'],
    ['version 2 without packSize', format({ version: 2, blobLayout: 'packs' }), 'ZB_REPOSITORY_CORRUPT'],
    ['an unknown blob layout', format({ blobLayout: 'chunked' }), 'ZB_FORMAT_UNSUPPORTED'],
    ['another format', format({ format: 'restic' }), 'ZB_NOT_A_REPOSITORY'],
    ['invalid JSON', '{"format":"zimbra-backup",', 'ZB_REPOSITORY_CORRUPT'],
    ['a JSON array', '[1,2]', 'ZB_REPOSITORY_CORRUPT'],
    ['a version 0', format({ version: 0 }), 'ZB_REPOSITORY_CORRUPT'],
    ['a string version', format({ version: '1' }), 'ZB_REPOSITORY_CORRUPT'],
    ['a bad id', format({ id: '../x' }), 'ZB_REPOSITORY_CORRUPT'],
    ['an unknown codec', format({ compression: 'lz4' }), 'ZB_REPOSITORY_CORRUPT'],
    ['a bad gzip level', format({ gzipLevel: 42 }), 'ZB_REPOSITORY_CORRUPT'],
    ['a huge object', ' '.repeat(70_000), 'ZB_REPOSITORY_CORRUPT'],
  ])('FORMAT with %s is rejected', async (_name, text, code) => {
    const backend = new MemoryBackend();
    await putText(backend, 'FORMAT', text);
    await expect(openRepository({ backend })).rejects.toMatchObject({ code });
  });

  // zstd-napi is optional (built from source): this only holds where it did not build.
  it.runIf(!hasZstd)('init with zstd and no zstd-napi is ZB_UNSUPPORTED and writes nothing', async () => {
    const backend = new MemoryBackend();
    await expect(initRepository({ backend, compression: 'zstd' })).rejects.toMatchObject({ code: 'ZB_UNSUPPORTED' });
    expect(backend.size).toBe(0);
  });
});

describe('layout', () => {
  const id = '6b0b2c8e-3f1a-4c2d-9e8f-0123456789ab';
  it('builds keys from validated parts only', () => {
    expect(layout.accountPrefix(id)).toBe(`accounts/${id}/`);
    expect(layout.accountPrefix(id.toUpperCase())).toBe(`accounts/${id}/`);
    expect(layout.attributesPrefix(id)).toBe(`accounts/${id}/attributes/`);
    expect(layout.accountIdOfKey(`accounts/${id}/journal/x`)).toBe(id);
    expect(layout.accountIdOfKey('accounts/../FORMAT')).toBeUndefined();
    expect(layout.directoryDumpKey(new Date('2026-11-26T04:24:05.123Z'))).toBe('directory/20261126T042405Z.ldif.gz');
    expect(layout.directoryDumpTime('directory/20261126T042405Z.ldif.gz')).toBe(Date.UTC(2026, 10, 26, 4, 24, 5));
    expect(layout.directoryDumpTime('directory/20261126T042405Z.ldif')).toBe(Date.UTC(2026, 10, 26, 4, 24, 5));
    expect(layout.directoryDumpTime('directory/20261126T042405Z.txt')).toBeUndefined();
    expect(layout.lockKey('abc-1')).toBe('locks/abc-1.json');
    expect(layout.lockIdOfKey('locks/abc-1.json')).toBe('abc-1');
    expect(layout.lockIdOfKey('locks/../x.json')).toBeUndefined();
    expect(layout.restorePrefix('r1')).toBe('restores/r1/');
    for (const bad of ['../x', '', '.hidden', 'a/b', 'a\0b']) {
      expect(() => layout.restorePrefix(bad)).toThrow(expect.objectContaining({ code: 'ZB_UNSAFE_PATH' }));
      expect(() => layout.quarantineKey(bad)).toThrow(expect.objectContaining({ code: 'ZB_UNSAFE_PATH' }));
    }
    expect(() => layout.accountPrefix('../../etc')).toThrow(expect.objectContaining({ code: 'ZB_UNSAFE_PATH' }));
  });
});
