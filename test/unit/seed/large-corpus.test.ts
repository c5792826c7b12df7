import { describe, expect, it } from 'vitest';
import { buildCorpus, corpusStats, type RealMessageSource } from '../../../src/emulator/seed/index.js';

/** A real-message pool that counts reads, standing in for the dataset. */
class CountingSource implements RealMessageSource {
  reads = 0;
  readonly count = 6046;
  isSpam(index: number): boolean {
    return index % 3 === 0;
  }
  id(index: number): string {
    return `fake/${index}.txt`;
  }
  async read(index: number): Promise<Buffer> {
    this.reads++;
    return Buffer.from(`Subject: message ${index}\r\n\r\nbody ${index}\r\n`);
  }
}

describe('a 50,000-message corpus', () => {
  it('is built from metadata only: no body read or composed, in well under the time budget, with bounded heap', async () => {
    const source = new CountingSource();
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const cpuBefore = process.cpuUsage();
    const corpus = buildCorpus({
      seed: 99,
      accounts: 100,
      messagesPerAccount: 500,
      attachmentShare: 0.1,
      listShare: 0.1,
      attachmentSizes: { min: 100_000, max: 5_000_000 },
      realMessages: source,
    });
    const cpu = process.cpuUsage(cpuBefore);
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    expect(source.reads).toBe(0);
    const stats = corpusStats(corpus);
    expect(stats.messages).toBe(50_000);
    expect(stats.unsizedMessages).toBe(stats.uniqueMessages); // nothing was built
    expect(stats.attachmentBytes).toBeGreaterThan(100_000 * stats.messagesWithAttachments);
    // CPU time, not wall time, so a loaded CI machine does not fail it; typically ~0.3 s.
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(3_000);
    // Metadata only: a few hundred bytes per message, never the ~1 GB of bodies and attachments.
    expect(heapGrowth).toBeLessThan(150 * 1024 * 1024);
    const m = corpus.accounts[7]!.messages.find((x) => x.origin === 'real')!;
    await m.raw();
    expect(source.reads).toBe(1);
  });
});
