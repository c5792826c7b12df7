/**
 * Index files encoded straight from the in-memory table (encodeIndexTable, issue 12: no object per
 * entry when a merge writes a large index) are byte for byte the files encoded from its entries.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeIndexFile, encodeIndexFile, encodeIndexTable } from '../../../src/store/pack/index-file.js';
import { IndexTable } from '../../../src/store/pack/index-table.js';

const codecs = ['none', 'gzip', 'zstd'] as const;

function table(n: number): { t: IndexTable; digests: string[] } {
  const t = new IndexTable();
  const packs = Array.from({ length: 5 }, () => randomBytes(16).toString('hex'));
  const digests: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = randomBytes(32).toString('hex');
    digests.push(d);
    t.add(d, {
      pack: packs[(i * 7) % packs.length]!,
      offset: 8 + i * 1000,
      // one offset beyond 2^48: the BigInt path of the u64 fields
      length: i === 3 ? 2 ** 49 + 5 : 100 + i,
      rawSize: 200 + i,
      codec: codecs[i % 3]!,
    });
  }
  return { t, digests };
}

describe('encodeIndexTable', () => {
  it('writes what encodeIndexFile writes for the live entries, and reads back', () => {
    const { t, digests } = table(3000);
    for (const d of digests.filter((_, i) => i % 11 === 0)) t.remove(d);
    const fromTable = encodeIndexTable(t);
    expect(fromTable.equals(encodeIndexFile(t.entries()))).toBe(true);
    const back = new IndexTable();
    expect(decodeIndexFile(fromTable, 'k', back)).toBe(t.size);
    for (const [d, loc] of t.entries()) expect(back.get(d)).toEqual(loc);
  });

  it('leaves out the skipped digests; packs only the remaining entries use are listed', () => {
    const { t, digests } = table(40);
    const skip = new Set(digests.slice(0, 25));
    const expected = encodeIndexFile([...t.entries()].filter(([d]) => !skip.has(d)));
    expect(encodeIndexTable(t, skip).equals(expected)).toBe(true);
    expect(encodeIndexTable(new IndexTable()).equals(encodeIndexFile([]))).toBe(true);
  });
});
