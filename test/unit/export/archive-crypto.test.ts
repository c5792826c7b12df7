import { randomBytes } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { decryptArchiveStream, encryptArchiveStream } from '../../../src/export/archive-crypto.js';

const FAST = { N: 1024, r: 8, p: 1 };

async function through(input: Buffer, t: Transform): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // Odd-sized pieces: the decoder must reassemble chunks across writes.
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += 777) pieces.push(input.subarray(i, i + 777));
  await pipeline(Readable.from(pieces), t, async (src: AsyncIterable<Buffer | string>) => {
    for await (const c of src) chunks.push(Buffer.from(c));
  });
  return Buffer.concat(chunks);
}

async function seal(plain: Buffer, password = 'pw'): Promise<Buffer> {
  return through(plain, await encryptArchiveStream({ password, kdf: FAST, chunkSize: 4096 }));
}

describe('encrypted export archives', () => {
  it('round-trips empty, exact-multiple and ragged inputs', async () => {
    for (const n of [0, 1, 4096, 8192, 10_000]) {
      const plain = randomBytes(n);
      const sealed = await seal(plain);
      expect(sealed.subarray(0, 4).toString()).toBe('ZBEA');
      // Header, the bytes, one tag per chunk; the last chunk holds 1..4096 bytes (0 only when empty).
      expect(sealed.length).toBe(96 + n + 16 * Math.max(1, Math.ceil(n / 4096)));
      expect((await through(sealed, decryptArchiveStream('pw'))).equals(plain)).toBe(true);
    }
  });

  it('a wrong password is ZB_KEY_INVALID; a flipped, truncated or reordered archive is ZB_ARCHIVE_INVALID', async () => {
    const plain = randomBytes(3 * 4096 + 100);
    const sealed = await seal(plain);
    await expect(through(sealed, decryptArchiveStream('other'))).rejects.toMatchObject({ code: 'ZB_KEY_INVALID' });
    const flipped = Buffer.from(sealed);
    flipped[96 + 5000] = (flipped[96 + 5000] as number) ^ 1;
    await expect(through(flipped, decryptArchiveStream('pw'))).rejects.toMatchObject({ code: 'ZB_ARCHIVE_INVALID' });
    // Cut at a chunk boundary: the last whole chunk was not sealed as final.
    const cut = sealed.subarray(0, 96 + 2 * (4096 + 16));
    await expect(through(cut, decryptArchiveStream('pw'))).rejects.toMatchObject({ code: 'ZB_ARCHIVE_INVALID' });
    const c = 4096 + 16;
    const swapped = Buffer.concat([
      sealed.subarray(0, 96),
      sealed.subarray(96 + c, 96 + 2 * c),
      sealed.subarray(96, 96 + c),
      sealed.subarray(96 + 2 * c),
    ]);
    await expect(through(swapped, decryptArchiveStream('pw'))).rejects.toMatchObject({ code: 'ZB_ARCHIVE_INVALID' });
    await expect(through(Buffer.from('plain tar bytes'), decryptArchiveStream('pw'))).rejects.toMatchObject({
      code: 'ZB_ARCHIVE_INVALID',
    });
  });
});
