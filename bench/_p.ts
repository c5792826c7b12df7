import { Readable } from 'node:stream';
import { mkdtemp, open, mkdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBackend } from '../src/store/backends/local.js';
const blobs = Array.from({ length: 1000 }, (_, i) => Buffer.from(`message ${i} `.repeat(400)));
async function m(name: string, fn: () => Promise<void>) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  console.log(name.padEnd(30), ((c.user + c.system) / 1000 / blobs.length).toFixed(3), 'ms CPU/op', ((performance.now() - t0) / blobs.length).toFixed(3), 'ms wall/op');
}
const root = await mkdtemp(join(tmpdir(), 'zbp-'));
await mkdir(join(root, 'raw'));
await m('raw open/write/close', async () => { for (const [i, b] of blobs.entries()) { const fh = await open(join(root, 'raw', `f${i}`), 'w'); await fh.write(b); await fh.close(); } });
await m('raw +rename', async () => { for (const [i, b] of blobs.entries()) { const fh = await open(join(root, 'raw', `.g${i}`), 'w'); await fh.write(b); await fh.close(); await rename(join(root, 'raw', `.g${i}`), join(root, 'raw', `g${i}`)); } });
const b1 = new LocalBackend({ root: join(root, 'b1'), fsync: false });
await m('backend put nofsync', async () => { for (const [i, x] of blobs.entries()) await b1.put(`d/k${i}`, { open: () => Readable.from([x]) }); });
const b2 = new LocalBackend({ root: join(root, 'b2') });
await m('backend put fsync', async () => { for (const [i, x] of blobs.entries()) await b2.put(`d/k${i}`, { open: () => Readable.from([x]) }); });
await m('backend stat', async () => { for (const [i] of blobs.entries()) await b2.stat(`d/k${i}`); });
