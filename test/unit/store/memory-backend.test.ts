import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { isAppendable } from '../../../src/store/backends/appendable.js';

const body = (text: string) => ({ open: () => Readable.from([Buffer.from(text)]) });
async function text(r: Readable): Promise<string> {
  let s = '';
  for await (const c of r) s += String(c);
  return s;
}

describe('MemoryBackend', () => {
  it('behaves as an object store by default and can offer appends', async () => {
    const plain = new MemoryBackend();
    expect(isAppendable(plain)).toBe(false);
    await expect(plain.append('k', Buffer.from('x'))).rejects.toMatchObject({ code: 'ZB_UNSUPPORTED' });
    const appendable = new MemoryBackend({ appendable: true });
    expect(isAppendable(appendable)).toBe(true);
    await appendable.append('j', Buffer.from('abc'));
    await appendable.append('j', Buffer.from('def'));
    await appendable.truncate('j', 4);
    expect(await text(await appendable.get('j'))).toBe('abcd');
    await expect(appendable.truncate('nope', 0)).rejects.toMatchObject({ code: 'ZB_BLOB_NOT_FOUND' });
  });

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
