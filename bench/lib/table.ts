/**
 * The benchmark's one result table: each row is a scenario with our figure, the baseline measured in the
 * same run, and their ratio, plus the raw numbers that went into it (kept in bench/results/latest.json).
 */

/** Which way a figure is better, so the ratio can be read the same way in every row. */
export type Better = 'higher' | 'lower';

/** One row of the table. */
export interface BenchRow {
  /** Scenario number and name, e.g. `1. initial backup, gzip`. */
  scenario: string;
  /** Our figure, formatted with its unit. */
  ours: string;
  /** The baseline's name and figure, formatted. */
  baseline: string;
  /** ours / baseline as numbers (undefined when one side is missing). */
  ratio?: number;
  /** How to read the ratio ("of the limit", "of the source"...); `speedup` for baseline time / our time. */
  ratioMeaning?: string;
  /** Raw measurements behind the row. */
  data?: Record<string, unknown>;
}

/** Formats bytes per second as MB/s (decimal MB, like the README). */
export function mbps(bytes: number, ms: number): string {
  return `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`;
}

/** Formats a byte count as MB with one decimal. */
export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Formats a duration. */
export function secs(ms: number): string {
  return ms >= 10_000
    ? `${(ms / 1000).toFixed(1)} s`
    : ms >= 1000
      ? `${(ms / 1000).toFixed(2)} s`
      : `${ms.toFixed(0)} ms`;
}

/** Formats a rate in items per second. */
export function perSec(n: number, ms: number, unit = 'items/s'): string {
  return `${(n / (ms / 1000)).toFixed(0)} ${unit}`;
}

function times(x: number): string {
  return `${x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2)}x`;
}

/** Ratio text: `0.42x of the limit`; a `speedup` ratio (baseline time / ours) reads `3.1x faster` or `2.0x slower`. */
export function ratioText(r: BenchRow): string {
  if (r.ratio === undefined || !Number.isFinite(r.ratio)) return '-';
  if (r.ratioMeaning === 'speedup') return r.ratio >= 1 ? `${times(r.ratio)} faster` : `${times(1 / r.ratio)} slower`;
  return `${times(r.ratio)}${r.ratioMeaning ? ` ${r.ratioMeaning}` : ''}`;
}

/** Renders the rows as a Markdown table (it is printed and pasted into BENCHMARKS.md as is). */
export function markdownTable(rows: BenchRow[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = ['| scenario | ours | baseline (same run) | ratio |', '|---|---:|---|---:|'];
  for (const r of rows)
    lines.push(`| ${esc(r.scenario)} | ${esc(r.ours)} | ${esc(r.baseline)} | ${esc(ratioText(r))} |`);
  return lines.join('\n');
}
