/**
 * Summarises a `.cpuprofile` (the newest in a directory): self time per function, and inclusive time of the
 * project's own functions. Run: `npx tsx bench/profile-top.ts <dir> [rows]`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const dir = process.argv[2] ?? 'bench/results/profile';
const rows = Number(process.argv[3] ?? 25);
const file = readdirSync(dir)
  .filter((n) => n.endsWith('.cpuprofile'))
  .map((n) => join(dir, n))
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
if (!file) throw new Error(`no .cpuprofile in ${dir}`);
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const label = (n: ProfileNode): string =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*\/(src|dist|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const sampled = new Map<number, number>();
p.samples.forEach((id, i) => sampled.set(id, (sampled.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const self = new Map<string, number>();
const incl = new Map<string, number>();
for (const [id, us] of sampled) {
  const n = byId.get(id)!;
  self.set(label(n), (self.get(label(n)) ?? 0) + us);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (!seen.has(l)) {
      seen.add(l);
      incl.set(l, (incl.get(l) ?? 0) + us);
    }
  }
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = self.get('(idle) :0') ?? 0;
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled, ${((total - idle) / 1000).toFixed(0)} ms busy`);
const show = (m: Map<string, number>, filter: (k: string) => boolean): void => {
  for (const [k, v] of [...m]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows))
    console.log(
      `${(v / 1000).toFixed(0).padStart(7)} ms ${((100 * v) / (total - idle)).toFixed(1).padStart(5)}%  ${k}`,
    );
};
console.log('--- self time');
show(self, () => true);
console.log('--- inclusive, project code');
show(incl, (k) => k.includes(' src/') || k.includes(' dist/'));
