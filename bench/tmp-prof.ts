import { Journal } from '../src/journal/index.js';
import { MemoryBackend } from '../src/store/backends/memory.js';
const backend = new MemoryBackend();
const j = await Journal.open({ backend, prefix: 'a/', compactAfterSegments: 0, checkpointMinRecords: Number(process.env.CPM ?? 10000) });
let n = 0;
let c0 = process.cpuUsage();
const lap = (l: string) => { const u = process.cpuUsage(c0); console.log(l, Math.round(u.user / 1000), 'ms cpu'); c0 = process.cpuUsage(); };
for (let c = 0; c < 100; c++) {
  const recs = [];
  for (let i = 0; i < 1000; i++, n++) recs.push({ type: 'item', kind: 'message', id: String(1000 + (n % 60000)), folderId: '2', modifiedSequence: n + 10, digest: n.toString(16).padStart(64, '0'), size: n % 9000 });
  await j.commit(recs as never, { state: { token: String(n) } });
}
lap('commit 100k');
const r = await Journal.open({ backend, prefix: 'a/' });
lap('reopen');
await r.stateAt(r.stats().lastCaptureMs - 1);
lap('stateAt');
