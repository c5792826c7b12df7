import { describe, expect, it } from 'vitest';
import { Rng, hash32 } from '../../../src/emulator/seed/prng.js';

describe('Rng', () => {
  it('gives the same sequence for the same keys and a different one for other keys', () => {
    const seq = (...keys: Array<number | string>): number[] => {
      const r = new Rng(...keys);
      return Array.from({ length: 8 }, () => r.nextU32());
    };
    expect(seq(1, 'message', 0, 0)).toEqual(seq(1, 'message', 0, 0));
    expect(seq(1, 'message', 0, 0)).not.toEqual(seq(1, 'message', 0, 1));
    expect(seq(1, 'message', 0, 0)).not.toEqual(seq(2, 'message', 0, 0));
    expect(seq(1, 'a', 12)).not.toEqual(seq(1, 'a1', 2));
  });

  it('is pinned: the same numbers in every process and version (the corpus bytes depend on it)', () => {
    // Golden values: if this changes, every seed corpus (and fixtures built from one) changes too.
    expect([hash32(1, 'message', 0, 0), hash32(0), hash32('')]).toEqual([1784432774, 1173055101, 2462723854]);
    const r = new Rng(42);
    expect([r.nextU32(), r.nextU32(), r.nextU32()]).toEqual(GOLDEN_42);
  });

  it('keeps int() within bounds and covers them roughly uniformly', () => {
    const r = new Rng(7);
    const counts = new Array<number>(6).fill(0);
    let outside = 0;
    for (let i = 0; i < 60_000; i++) {
      const v = r.int(1, 6);
      if (v < 1 || v > 6) outside++;
      else counts[v - 1]!++;
    }
    expect(outside).toBe(0);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
  });

  it('samples distinct elements and honours weights', () => {
    const r = new Rng(9);
    const s = r.sample([1, 2, 3, 4, 5, 6, 7, 8], 5);
    expect(new Set(s).size).toBe(5);
    let heavy = 0;
    for (let i = 0; i < 10_000; i++) if (r.weighted(['a', 'b'], [9, 1]) === 'a') heavy++;
    expect(heavy).toBeGreaterThan(8_700);
    expect(heavy).toBeLessThan(9_300);
    expect(r.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const sizes = Array.from({ length: 1000 }, () => r.logInt(100, 5_000_000));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5_000_000);
    // Log-uniform: about half below the geometric mean (~22 KB).
    const below = sizes.filter((v) => v < Math.sqrt(100 * 5_000_000)).length;
    expect(below).toBeGreaterThan(420);
    expect(below).toBeLessThan(580);
  });
});

const GOLDEN_42 = [665328776, 1445553283, 1989744892];
