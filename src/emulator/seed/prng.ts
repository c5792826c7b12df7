/**
 * A small, fast, seedable PRNG (sfc32) with keyed sub-streams, so every part of the corpus is a pure function
 * of the seed and its own coordinates (account, message index...) and never of generation order or `Math.random`.
 * @module
 */

/** Mixes one 32-bit word (the murmur3 finaliser): good avalanche, cheap enough to key 50k sub-streams. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hashes a list of integers or strings into one unsigned 32-bit word; used to derive stable sub-seeds.
 * @param keys - the coordinates to hash (numbers are taken modulo 2^32, strings by UTF-16 code unit).
 */
export function hash32(...keys: Array<number | string>): number {
  let h = 0x9e3779b9;
  for (const key of keys) {
    if (typeof key === 'number') {
      h = fmix32((h ^ (key >>> 0)) + 0x7f4a7c15) ^ fmix32(Math.floor(key / 0x100000000) >>> 0);
    } else {
      for (let i = 0; i < key.length; i++) h = fmix32(h ^ key.charCodeAt(i));
      h = fmix32(h ^ key.length);
    }
  }
  return h >>> 0;
}

/** A deterministic random source (sfc32 by Chris Doty-Humphrey: 128-bit state, passes PractRand to 2^40+). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * Creates a generator keyed by `keys`; the same keys always give the same sequence.
   * @param keys - seed and coordinates, e.g. `(seed, 'message', accountIndex, messageIndex)`.
   */
  constructor(...keys: Array<number | string>) {
    const h = hash32(...keys);
    this.a = fmix32(h ^ 0x243f6a88);
    this.b = fmix32(h ^ 0x85a308d3);
    this.c = fmix32(h ^ 0x13198a2e);
    this.d = 1;
    // Warm-up rounds decorrelate nearby keys, as the sfc32 author recommends.
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextU32() / 0x100000000;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p` (0..1). */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An element chosen by relative weights (same length as `items`, not all zero). */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  }

  /** Integer in [min, max] with a log-uniform distribution (sizes: many small, a few large). */
  logInt(min: number, max: number): number {
    const lo = Math.log(Math.max(1, min));
    const hi = Math.log(Math.max(1, max));
    return Math.min(max, Math.max(min, Math.round(Math.exp(lo + this.next() * (hi - lo)))));
  }

  /** `count` distinct elements of `items` in random order (all of them when count >= length). */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = items.slice();
    const n = Math.min(count, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      const tmp = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = tmp;
    }
    return copy.slice(0, n);
  }

  /** Lower-case hex string of `chars` characters. */
  hex(chars: number): string {
    let out = '';
    while (out.length < chars) out += this.nextU32().toString(16).padStart(8, '0');
    return out.slice(0, chars);
  }

  /** A UUID-shaped (version 4 layout) identifier, deterministic from this stream. */
  uuid(): string {
    const h = this.hex(32);
    const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
