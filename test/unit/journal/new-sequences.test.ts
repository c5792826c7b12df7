/**
 * `commit({ newSequences })`: after a mailbox move the new mailbox counts changes anew
 * (Mailbox.java: one change counter per mailbox), so a version with a lower modified sequence is
 * news, not a replay; without the option the usual idempotence holds (DESIGN invariant 3).
 */
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { Journal } from '../../../src/journal/index.js';
import { baseFolders, del, message, TestClock } from './helpers.js';

async function journalWith(): Promise<Journal> {
  const clock = new TestClock();
  const journal = await Journal.open({ backend: new MemoryBackend(), prefix: 'accounts/x/', clock: clock.read });
  await journal.commit([...baseFolders(), message('257', 40, { flags: 'u' }), message('258', 41)], { state: 't' });
  await journal.commit([del('258', 42)], { state: 't2' });
  return journal;
}

describe('Journal commit after a mailbox move (newSequences)', () => {
  it('keeps a version whose sequence is lower, and an item that comes back under a lower sequence', async () => {
    const journal = await journalWith();
    const r = await journal.commit([message('257', 3, { flags: 'f' }), message('258', 4)], {
      state: { moved: true },
      newSequences: true,
    });
    expect(r).toMatchObject({ written: 2, skipped: 0 });
    expect(journal.current().items.get('257')).toMatchObject({ flags: 'f', modifiedSequence: 3 });
    expect(journal.current().items.has('258')).toBe(true);
    // An identical version is still a replay.
    expect(
      await journal.commit([message('257', 3, { flags: 'f' })], { state: { moved: true }, newSequences: true }),
    ).toMatchObject({ written: 0, skipped: 1 });
  });

  it('without it, a lower sequence is a replay and is dropped', async () => {
    const journal = await journalWith();
    const r = await journal.commit([message('257', 3, { flags: 'f' }), message('258', 4)], { state: 't3' });
    expect(r).toMatchObject({ written: 0, skipped: 2 });
    expect(journal.current().items.get('257')).toMatchObject({ flags: 'u', modifiedSequence: 40 });
    expect(journal.current().items.has('258')).toBe(false);
  });
});
