/** Account index merge of several engines' files (docs/FORMAT.md "Several writers"). */
import { describe, expect, it } from 'vitest';
import { engineAccountIndexKey, mergeAccountIndexes } from '../../../src/repository/account-index.js';

describe('account index merge', () => {
  it('newest word per account wins; first seen is the earliest; a later deletion beats an older sighting', () => {
    const merged = mergeAccountIndexes([
      [
        { id: 'a', name: 'old@x', firstSeenMs: 5, lastSeenMs: 10 },
        { id: 'b', name: 'b@x', firstSeenMs: 1, lastSeenMs: 10 },
      ],
      [
        { id: 'A', name: 'new@x', firstSeenMs: 7, lastSeenMs: 20 },
        { id: 'b', name: 'b@x', firstSeenMs: 1, lastSeenMs: 10, deletedMs: 30 },
      ],
      [{ id: 'c', name: 'c@x', firstSeenMs: 2, lastSeenMs: 2 }],
    ]);
    expect(merged).toEqual([
      { id: 'b', name: 'b@x', firstSeenMs: 1, lastSeenMs: 10, deletedMs: 30 },
      { id: 'c', name: 'c@x', firstSeenMs: 2, lastSeenMs: 2 },
      { id: 'A', name: 'new@x', firstSeenMs: 5, lastSeenMs: 20 },
    ]);
    // an account seen again after its deletion is live
    const back = mergeAccountIndexes([
      [{ id: 'b', name: 'b@x', firstSeenMs: 1, lastSeenMs: 10, deletedMs: 30 }],
      [{ id: 'b', name: 'b@x', firstSeenMs: 1, lastSeenMs: 40 }],
    ]);
    expect(back[0]?.deletedMs).toBeUndefined();
  });

  it('engine file names are reduced to safe characters', () => {
    expect(engineAccountIndexKey('h1-watch-shard-1of3+mail1.example.test')).toBe(
      'index/accounts.d/h1-watch-shard-1of3_mail1.example.test.json',
    );
    expect(engineAccountIndexKey('../x')).toBe('index/accounts.d/__x.json');
  });
});
