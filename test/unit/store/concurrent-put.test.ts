/** Two engines storing the same message at once (docs/FORMAT.md "Several writers"): each writes its own pack, readers find it. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { initRepository, openRepository } from '../../../src/repository/index.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';

const body = (b: Buffer) => ({ size: b.length, open: () => Readable.from([b]) });

describe('concurrent puts of one digest', () => {
  it('both succeed, each in its own pack; a fresh reader gets the bytes', async () => {
    const backend = new MemoryBackend();
    await initRepository({ backend });
    const [a, b] = await Promise.all([openRepository({ backend }), openRepository({ backend })]);
    const msg = Buffer.from('From: x@example.test\r\nSubject: same\r\n\r\nsame message\r\n');
    const [ra, rb] = await Promise.all([a.blobs.put(body(msg)), b.blobs.put(body(msg))]);
    expect(ra.digest).toBe(rb.digest);
    await Promise.all([a.blobs.flush(), b.blobs.flush()]);
    const packs: string[] = [];
    for await (const o of backend.list('packs/')) packs.push(o.key);
    const indexes: string[] = [];
    for await (const o of backend.list('packindex/')) indexes.push(o.key);
    // the digest is stored twice (one pack each) and listed by two index files; readers pick one
    expect(packs.length).toBe(2);
    expect(indexes.length).toBe(2);
    const reader = await openRepository({ backend });
    const chunks: Buffer[] = [];
    for await (const c of await reader.blobs.get(ra.digest)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(msg)).toBe(true);
  });
});
