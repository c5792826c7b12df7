/**
 * `npx tsx bench/index-load.ts [N]`: format v2 index at N blobs (default 1,000,000): encode one
 * index file, decode it into the in-memory table, look every digest up, and write the table back
 * as an index file (what a merge does) from its entries as objects and straight from the table;
 * prints times, file size, the table's bytes per blob (the heap it adds, measured with gc between
 * steps) and the heap each way of writing allocates (no gc while it runs).
 */
import { randomBytes } from 'node:crypto';
import { IndexTable } from '../src/store/pack/index-table.js';
import { decodeIndexFile, encodeIndexFile, encodeIndexTable } from '../src/store/pack/index-file.js';

const n = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
const digests = randomBytes(32 * n);
const packs = Array.from({ length: Math.ceil(n / 3000) }, () => randomBytes(16).toString('hex'));
function* entries(): Generator<
  [string, { pack: string; offset: number; length: number; rawSize: number; codec: 'gzip' }]
> {
  for (let i = 0; i < n; i++)
    yield [
      digests.toString('hex', i * 32, i * 32 + 32),
      {
        pack: packs[Math.floor(i / 3000)] as string,
        offset: 8 + (i % 3000) * 5000,
        length: 5000,
        rawSize: 9000,
        codec: 'gzip',
      },
    ];
}
let t = performance.now();
const file = encodeIndexFile(entries());
const encodeMs = performance.now() - t;
gc?.();
const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
t = performance.now();
const table = new IndexTable();
decodeIndexFile(file, 'bench', table);
const loadMs = performance.now() - t;
gc?.();
const heap1 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
t = performance.now();
let found = 0;
for (let i = 0; i < n; i += 1) if (table.has(digests.toString('hex', i * 32, i * 32 + 32))) found++;
const lookupMs = performance.now() - t;
/** Time and heap allocated (heap used after minus before, no gc in between) of one encode. */
function encodeCost(fn: () => Buffer): { ms: number; heapMB: number } {
  gc?.();
  const h0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  const heapMB = (process.memoryUsage().heapUsed - h0) / 1e6;
  if (out.length !== file.length) throw new Error('encodings differ in size');
  return { ms: Math.round(ms), heapMB: +heapMB.toFixed(0) };
}
const fromEntries = encodeCost(() => encodeIndexFile(table.entries()));
const fromTable = encodeCost(() => encodeIndexTable(table));
console.log(
  JSON.stringify({
    writeFromEntries: fromEntries,
    writeFromTable: fromTable,
    blobs: n,
    indexFileMB: +(file.length / 1e6).toFixed(1),
    encodeMs: Math.round(encodeMs),
    loadMs: Math.round(loadMs),
    lookupsPerSec: Math.round(n / (lookupMs / 1000)),
    found,
    tableBytesPerBlob: +(table.bytes / n).toFixed(1),
    measuredHeapBytesPerBlob: gc ? +((heap1 - heap0) / n).toFixed(1) : 'run with node --expose-gc',
  }),
);
