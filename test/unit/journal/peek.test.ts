// The no-change check reads the newest segment's commit marker (its last line) without opening the
// journal (journal/peek.ts): from the segment's end only, so a 2,000-record listing slice costs one
// 64 KiB read, not the whole object.
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Journal, type JournalRecordInput } from '../../../src/journal/index.js';
import { peekLastState } from '../../../src/journal/peek.js';
import type { IoOptions } from '../../../src/store/backends/backend.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { baseFolders, message } from './helpers.js';

const prefix = 'accounts/peek/';

class RangeLog extends MemoryBackend {
  reads: Array<{ key: string; length?: number }> = [];
  override get(key: string, opts: IoOptions & { offset?: number; length?: number } = {}): Promise<Readable> {
    this.reads.push({ key, ...(opts.length !== undefined ? { length: opts.length } : {}) });
    return super.get(key, opts);
  }
}

describe('peekLastState', () => {
  it('reads a large newest segment from its end only; a small one whole; a marker beyond the window gives up', async () => {
    const backend = new RangeLog();
    const j = await Journal.open({ backend, prefix });
    await j.commit(baseFolders(), { state: { token: '1' } });
    expect(await peekLastState(backend, prefix)).toEqual({ seq: 1, state: { token: '1' } });
    expect(backend.reads.at(-1)?.length).toBeUndefined();

    const recs: JournalRecordInput[] = [];
    for (let i = 0; i < 1000; i++) recs.push(message(String(1000 + i), 5));
    await j.commit(recs, { state: { token: '2', retry: [] } });
    backend.reads = [];
    expect(await peekLastState(backend, prefix)).toEqual({ seq: 2, state: { token: '2', retry: [] } });
    expect(backend.reads).toEqual([
      { key: expect.stringContaining('/segments/000000000002-') as string, length: 65536 },
    ]);

    // A state longer than the window (never written by a backup, but data is data): no answer,
    // the caller opens the journal.
    await j.commit(
      recs.map((r) => ({ ...r, modifiedSequence: 6 }) as JournalRecordInput),
      {
        state: { token: '3', note: 'x'.repeat(70_000) },
      },
    );
    expect(await peekLastState(backend, prefix)).toBeUndefined();
    expect(j.lastState()).toMatchObject({ token: '3' });
  });
});
