import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../../src/store/backends/memory.js';

const body = (text: string) => ({ open: () => Readable.from([Buffer.from(text)]) });
async function text(r: Readable): Promise<string> {
  let s = '';
  for await (const c of r) s += String(c);
  return s;
}

describe('MemoryBackend', () => {
  it('streams gets in chunks of chunkSize and isolates stored bytes from later corruption of copies', async () => {
    const b = new MemoryBackend({ chunkSize: 4 });
    await b.put('k', body('0123456789'));
    const chunks: string[] = [];
    for await (const c of await b.get('k')) chunks.push(String(c));
    expect(chunks).toEqual(['0123', '4567', '89']);
    b.corrupt('k', 0, 0x01);
    expect(await text(await b.get('k'))).toBe('1123456789');
    expect(() => new MemoryBackend({ chunkSize: 0 })).toThrow(expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }));
  });

  it('rejects unsafe keys like every backend', async () => {
    const b = new MemoryBackend();
    for (const key of ['../x', 'a//b', '.tmp', 'a\0b'])
      await expect(b.put(key, body('x'))).rejects.toMatchObject({ code: 'ZB_UNSAFE_PATH' });
  });
});
