/** Small deterministic helpers shared by the reliability suites. */

/** A seeded PRNG in [0, 1) (mulberry32): the same seed gives the same schedule of kills and faults. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** About `bytes` of text lines (compressible like mail, but seeded so messages differ). */
export function randomBody(rnd: () => number, bytes: number): string {
  const words = ['backup', 'zimbra', 'journal', 'blob', 'digest', 'restore', 'mailbox', 'token', 'folder', 'crash'];
  const lines: string[] = [];
  let n = 0;
  while (n < bytes) {
    const line =
      Array.from({ length: 10 }, () => words[Math.floor(rnd() * words.length)]!).join(' ') +
      ` ${Math.floor(rnd() * 1e9)}`;
    lines.push(line);
    n += line.length + 2;
  }
  return lines.join('\r\n');
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
