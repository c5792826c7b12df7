import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { defineBackendConformance, type ConformanceRunner } from '../../../src/testing/backend-conformance.js';
import { MemoryBackend } from '../../../src/testing/index.js';
import type { IoOptions, ReplayableBody, StorageBackend } from '../../../src/store/backends/backend.js';

/** Collects the suite's cases instead of registering them, so a test can run them against broken backends. */
function collect(factory: () => StorageBackend): Map<string, () => Promise<void>> {
  const cases = new Map<string, () => Promise<void>>();
  const runner: ConformanceRunner = { describe: (_n, fn) => fn(), it: (name, fn) => cases.set(name, fn) };
  defineBackendConformance(runner, 'probe', { create: async () => factory() }, { largeObjectBytes: 1 << 20 });
  return cases;
}

async function failures(factory: () => StorageBackend): Promise<string[]> {
  const failed: string[] = [];
  for (const [name, fn] of collect(factory)) await fn().catch(() => failed.push(name));
  return failed;
}

/** Makes each write visible chunk by chunk: not atomic. */
class LeakyBackend extends MemoryBackend {
  override async put(key: string, body: ReplayableBody, opts?: IoOptions): Promise<void> {
    let acc = Buffer.alloc(0);
    for await (const c of body.open()) {
      acc = Buffer.concat([acc, c as Buffer]);
      await super.put(key, { open: () => Readable.from([acc]) }, opts);
    }
    if (acc.length === 0) await super.put(key, { open: () => Readable.from([]) }, opts);
  }
}

/** Ignores ranges. */
class RangelessBackend extends MemoryBackend {
  override get(key: string): Promise<Readable> {
    return super.get(key);
  }
}

describe('the conformance suite', () => {
  it('passes a correct backend', async () => {
    expect(await failures(() => new MemoryBackend())).toEqual([]);
  });

  it('catches a backend whose partial puts are visible', async () => {
    const failed = await failures(() => new LeakyBackend());
    expect(failed).toContain('a put whose source fails midway is never visible');
    expect(failed).toContain('a failed put over an existing key keeps the old object');
  });

  it('catches a backend that ignores ranges', async () => {
    expect(await failures(() => new RangelessBackend())).toEqual([
      'ranged get: offset, length, both, clamped at the end, empty',
    ]);
  });
});
