/** Account selection of one engine among several (`--shard i/n`, `--mail-servers`). */
import { describe, expect, it } from 'vitest';
import { inSelection, parseShard, selectionLabel, shardOf } from '../../../src/backup/selection.js';

describe('account selection', () => {
  it('hashes a zimbraId to a stable shard (SHA-256, first 4 bytes big-endian, mod n, 1-based)', () => {
    // Fixed values: changing the hash would move accounts between running engines.
    const id = 'a1b2c3d4-0000-4000-8000-000000000001';
    // sha256(id) starts with 0x41788214 = 1098416660; 1098416660 % 7 = 5, % 3 = 2 (plus one: 1-based)
    expect(shardOf(id, 7)).toBe(6);
    expect(shardOf(id, 3)).toBe(3);
    expect(shardOf(id, 1)).toBe(1);
    expect(shardOf(id.toUpperCase(), 7)).toBe(shardOf(id, 7));
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[shardOf(`id-${i}`, 3) - 1]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });

  it('parses i/n and refuses anything else', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', '1', 'a/b', '1/3/4', '-1/3', '1/2000'])
      expect(() => parseShard(bad)).toThrow(/--shard must be i\/n/);
  });

  it('selects by shard and by mail server (case-insensitive); an unknown host is outside a server selection', () => {
    const id = 'x-1';
    const s = shardOf(id, 4);
    expect(inSelection({ shard: { index: s, count: 4 } }, id, undefined)).toBe(true);
    expect(inSelection({ shard: { index: (s % 4) + 1, count: 4 } }, id, undefined)).toBe(false);
    expect(inSelection({ mailServers: ['Mail1.example.test'] }, id, 'mail1.example.test')).toBe(true);
    expect(inSelection({ mailServers: ['mail1.example.test'] }, id, 'mail2.example.test')).toBe(false);
    expect(inSelection({ mailServers: ['mail1.example.test'] }, id, undefined)).toBe(false);
    expect(inSelection(undefined, id, undefined)).toBe(true);
    expect(selectionLabel({ shard: { index: 1, count: 3 }, mailServers: ['b', 'a'] })).toBe('shard-1of3+a+b');
  });
});
