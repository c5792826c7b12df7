import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { digestFromZimbra, digestOf, digestToZimbra, isDigest, parseDigest } from '../../../src/store/digest.js';
import { DigestStream } from '../../../src/store/digest-stream.js';

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('digest', () => {
  it('parses, lower-cases and rejects malformed digests', () => {
    expect(parseDigest(EMPTY.toUpperCase())).toBe(EMPTY);
    for (const bad of ['', 'abc', EMPTY.slice(1), `${EMPTY}0`, `${EMPTY.slice(1)}g`, '../etc/passwd']) {
      expect(() => parseDigest(bad)).toThrow(expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }));
    }
    expect(isDigest(EMPTY)).toBe(true);
    expect(isDigest(EMPTY.toUpperCase())).toBe(false);
  });

  it("converts to and from Zimbra's FS-safe base64 form", () => {
    // sha256('') in base64 is 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; Zimbra swaps '/' for ','.
    expect(digestToZimbra(parseDigest(EMPTY))).toBe('47DEQpj8HBSa+,TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    expect(digestFromZimbra('47DEQpj8HBSa+,TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')).toBe(EMPTY);
    const d = digestOf('hello world');
    expect(digestFromZimbra(digestToZimbra(d))).toBe(d);
    expect(() => digestFromZimbra('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')).toThrow(
      expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }),
    );
    // A 28-char SHA-1 digest from an old release is refused, not misread.
    expect(() => digestFromZimbra('2jmj7l5rSw0yVb,vlWAYkK,YBwk=')).toThrow(
      expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }),
    );
  });
});

describe('DigestStream', () => {
  const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });
  it('hashes and counts', async () => {
    const s = new DigestStream();
    await pipeline(Readable.from([Buffer.from('hello '), Buffer.from('world')]), s, sink());
    expect(s.digest).toBe(digestOf('hello world'));
    expect(s.size).toBe(11);
  });
  it('fails at the end on a digest or size mismatch, and early past maxBytes', async () => {
    await expect(
      pipeline(Readable.from([Buffer.from('abc')]), new DigestStream({ expectDigest: parseDigest(EMPTY) }), sink()),
    ).rejects.toMatchObject({ code: 'ZB_DIGEST_MISMATCH' });
    await expect(
      pipeline(Readable.from([Buffer.from('abc')]), new DigestStream({ expectSize: 4 }), sink()),
    ).rejects.toMatchObject({ code: 'ZB_SIZE_MISMATCH' });
    await expect(
      pipeline(Readable.from([Buffer.from('abcdef')]), new DigestStream({ maxBytes: 5 }), sink()),
    ).rejects.toMatchObject({ code: 'ZB_TOO_LARGE' });
  });
});
