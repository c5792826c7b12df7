/**
 * The record count of a check adds up every account's journal: the accounts are scanned
 * concurrently, and a total updated with `+= await` lost the records of the accounts scanned
 * meanwhile (a check of three accounts reported one account's count).
 */
import { describe, expect, it } from 'vitest';
import { checkRepository } from '../../../src/maintenance/check.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { A, B, blob, commitAt, msg, newRepo, reopen } from './helpers.js';

describe('check record count', () => {
  it('is the sum over every account scanned at once', async () => {
    const backend = new MemoryBackend();
    const repo = await newRepo(backend, 'none', 2);
    const x = await blob(repo, 'shared');
    await commitAt(repo, A, [[1000, [1, 2, 3].map((i) => msg(String(i), i, x))]]);
    await commitAt(repo, B, [
      [1000, [1, 2, 3, 4].map((i) => msg(String(i), i, x))],
      [2000, [{ type: 'delete' as const, id: '4' }]],
    ]);
    for (const full of [false, true]) {
      const r = await checkRepository({ repository: await reopen(backend), full });
      expect(r.accounts).toBe(2);
      expect(r.records).toBe(3 + 5);
      expect(r.ok).toBe(true);
    }
  });
});
