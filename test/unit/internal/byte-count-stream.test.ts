import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ByteCountStream } from '../../../src/internal/byte-count-stream.js';

/** Pipes `chunks` through `counter`; returns the chunks that reached the consumer and the error. */
async function run(chunks: string[], counter: ByteCountStream): Promise<{ seen: string[]; err: unknown }> {
  const seen: string[] = [];
  let err: unknown;
  await pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), counter, async function (source) {
    for await (const c of source) seen.push((c as Buffer).toString());
  }).catch((e: unknown) => (err = e));
  return { seen, err };
}

describe('ByteCountStream (one class for REST downloads and S3 transfers)', () => {
  it('fails as soon as a body overruns its expected size: the rest is never read', async () => {
    const counter = new ByteCountStream({ expectedSize: 4 });
    const { err } = await run(['abc', 'def', 'ghi'], counter);
    expect(err).toMatchObject({ code: 'ZB_SIZE_MISMATCH', data: { bytes: 6, expectedSize: 4 } });
    expect(counter.bytes).toBe(6);
  });

  it('builds the caller’s error for a short body, at the end', async () => {
    const counter = new ByteCountStream({
      expectedSize: 10,
      onMismatch: (expected, actual) => Object.assign(new Error(`short ${actual}/${expected}`), { code: 'X' }),
    });
    const { err } = await run(['abc', 'de'], counter);
    expect(err).toMatchObject({ message: 'short 5/10', code: 'X' });
    expect(counter.bytes).toBe(5);
  });

  it('checks maxBytes before the expected size (a bound is ZB_TOO_LARGE, not a mismatch)', async () => {
    const { err } = await run(['abcdef'], new ByteCountStream({ expectedSize: 4, maxBytes: 5, data: { op: 't' } }));
    expect(err).toMatchObject({ code: 'ZB_TOO_LARGE', data: { op: 't', maxBytes: 5 } });
  });

  it('passes everything through without bounds', async () => {
    const counter = new ByteCountStream({});
    const { seen, err } = await run(['a', 'bc'], counter);
    expect(err).toBeUndefined();
    expect(seen.join('')).toBe('abc');
    expect(counter.bytes).toBe(3);
  });
});
