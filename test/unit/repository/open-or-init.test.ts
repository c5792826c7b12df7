import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openOrInitRepository } from '../../../src/repository/index.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';

describe('openOrInitRepository', () => {
  it('creates on the first call and opens the same repository on the next (its compression kept)', async () => {
    const backend = new MemoryBackend();
    const first = await openOrInitRepository({ backend, compression: 'none' });
    const second = await openOrInitRepository({ backend, compression: 'gzip' });
    expect(second.config.id).toBe(first.config.id);
    expect(second.config.compression).toBe('none');
  });

  it('never initialises over other objects', async () => {
    const backend = new MemoryBackend();
    const bytes = Buffer.from('x');
    await backend.put('something-else', { size: 1, open: () => Readable.from([bytes]) });
    await expect(openOrInitRepository({ backend })).rejects.toMatchObject({
      code: 'ZB_CONFLICT',
      data: { reason: 'not-empty' },
    });
  });
});
