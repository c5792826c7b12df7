/**
 * The HTTP layer before and after the move to axios (issue 17), in the same run: SOAP round trips
 * per second and REST download MB/s through the old hand-written node:http layer (kept for this
 * bench only in bench/lib/legacy-http-client.ts) and the axios layer (src/soap/http/). Not a test:
 * `npx tsx bench/http-layer.ts [--rounds 5] [--soap 2000] [--mb 256] [--json]`.
 *
 * The server is a child process (bench/lib/http-bench-server.ts) so the CPU figures are the
 * client's alone. Both layers do the same work per call: POST the same envelope and read the
 * answer as text (SOAP), or GET a body and read it to the end (REST). Rounds alternate the order
 * (old/new, new/old, ...); the table gives the median round of each layer, and the client CPU
 * time per call or per MB, which moves less than wall time on a shared machine.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { HttpClient } from '../src/soap/http/http-client.js';
import { HttpClient as LegacyHttpClient } from './lib/legacy-http-client.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 5);
const SOAP_CALLS = arg('soap', 2000);
const REST_MB = arg('mb', 256);
const ITEM_MB = 16;

/** What both layers offer (the old one's request/readText, the new one's are the same shape). */
interface Layer {
  request(o: {
    method: 'GET' | 'POST';
    url: URL;
    headers?: Record<string, string>;
    body?: string;
    headersTimeoutMs: number;
    idleTimeoutMs: number;
  }): Promise<{ status: number; headers: Record<string, unknown>; body: AsyncIterable<unknown> }>;
  readText(res: never, maxBytes: number, what: string): Promise<string>;
  close(): void;
}

interface Sample {
  seconds: number;
  cpuSeconds: number;
}

async function measure(fn: () => Promise<void>): Promise<Sample> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: (c.user + c.system) / 1e6 };
}

const envelope = JSON.stringify({
  Header: { context: { _jsns: 'urn:zimbra', authToken: { _content: '0_'.padEnd(120, 'x') }, nosession: {} } },
  Body: { GetFolderRequest: { _jsns: 'urn:zimbraMail' } },
});
const headers = {
  'content-type': 'application/json; charset=utf-8',
  'user-agent': 'zimbra-backup',
  'content-length': String(Buffer.byteLength(envelope)),
};

async function soap(layer: Layer, base: URL, calls: number, concurrency: number): Promise<Sample> {
  const url = new URL('/service/soap', base);
  const limit = pLimit(concurrency);
  return measure(async () => {
    await Promise.all(
      Array.from({ length: calls }, () =>
        limit(async () => {
          const res = await layer.request({
            method: 'POST',
            url,
            headers,
            body: envelope,
            headersTimeoutMs: 30_000,
            idleTimeoutMs: 30_000,
          });
          const text = await layer.readText(res as never, 1 << 20, 'GetFolderRequest');
          if (res.status !== 200 || JSON.parse(text).Body.GetFolderResponse === undefined)
            throw new Error('bad answer');
        }),
      ),
    );
  });
}

async function rest(layer: Layer, base: URL, items: number, itemBytes: number): Promise<Sample> {
  const limit = pLimit(4);
  return measure(async () => {
    await Promise.all(
      Array.from({ length: items }, (_, i) =>
        limit(async () => {
          const url = new URL(`/service/home/~/?id=${i + 257}&bytes=${itemBytes}`, base);
          const res = await layer.request({
            method: 'GET',
            url,
            headers: { cookie: 'ZM_AUTH_TOKEN=x' },
            headersTimeoutMs: 30_000,
            idleTimeoutMs: 30_000,
          });
          let n = 0;
          for await (const chunk of res.body) n += (chunk as Buffer).length;
          if (n !== itemBytes) throw new Error(`short body ${n}`);
        }),
      ),
    );
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const server = spawn(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./lib/http-bench-server.ts', import.meta.url))],
  {
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
const [line] = (await once(server.stdout, 'data')) as [Buffer];
const base = new URL(`http://127.0.0.1:${/port (\d+)/.exec(line.toString())?.[1]}`);
const load0 = loadavg();

type Scenario = { name: string; unit: string; run: (l: Layer) => Promise<Sample>; amount: number };
const scenarios: Scenario[] = [
  {
    name: 'SOAP round trips, 1 at a time',
    unit: 'calls/s',
    amount: SOAP_CALLS,
    run: (l) => soap(l, base, SOAP_CALLS, 1),
  },
  {
    name: 'SOAP round trips, 8 at a time',
    unit: 'calls/s',
    amount: SOAP_CALLS,
    run: (l) => soap(l, base, SOAP_CALLS, 8),
  },
  {
    name: `REST download, ${ITEM_MB} MB items, 4 at a time`,
    unit: 'MB/s',
    amount: REST_MB,
    run: (l) => rest(l, base, Math.max(1, Math.round(REST_MB / ITEM_MB)), ITEM_MB * 1024 * 1024),
  },
  {
    // The backup's hot path: one GET per item, and most messages are a few KB.
    name: 'REST download, 4 KB items, 4 at a time',
    unit: 'items/s',
    amount: SOAP_CALLS,
    run: (l) => rest(l, base, SOAP_CALLS, 4096),
  },
];
const results: Record<string, { old: Sample[]; axios: Sample[] }> = {};
const layers = {
  old: (): Layer => new LegacyHttpClient() as unknown as Layer,
  axios: (): Layer => new HttpClient() as unknown as Layer,
};
for (const sc of scenarios) {
  results[sc.name] = { old: [], axios: [] };
  // Warm-up of both layers (JIT, connection pools) before the measured rounds.
  for (const make of Object.values(layers)) {
    const l = make();
    await sc.run(l);
    l.close();
  }
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? (['old', 'axios'] as const) : (['axios', 'old'] as const);
    for (const name of order) {
      const l = layers[name]();
      (results[sc.name] as { old: Sample[]; axios: Sample[] })[name].push(await sc.run(l));
      l.close();
    }
  }
}
server.stdin?.end();

const fmt = (n: number, d = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const rows: string[] = [];
const raw: Record<string, unknown> = {};
for (const sc of scenarios) {
  const r = results[sc.name] as { old: Sample[]; axios: Sample[] };
  const rate = (s: Sample[]): number => median(s.map((x) => sc.amount / x.seconds));
  const cpu = (s: Sample[]): number =>
    median(s.map((x) => (x.cpuSeconds / sc.amount) * (sc.unit === 'MB/s' ? 1e3 : 1e6)));
  const cpuUnit = sc.unit === 'MB/s' ? 'CPU-ms/MB' : sc.unit === 'items/s' ? 'CPU-µs/item' : 'CPU-µs/call';
  const [ro, ra, co, ca] = [rate(r.old), rate(r.axios), cpu(r.old), cpu(r.axios)];
  const cpuDiff = sc.unit === 'MB/s' ? '' : `, +${fmt(ca - co)} CPU-µs each`;
  rows.push(
    `| ${sc.name} | ${fmt(ra)} ${sc.unit} (${fmt(ca, 1)} ${cpuUnit}) | old node:http layer: ${fmt(ro)} ${sc.unit} (${fmt(co, 1)} ${cpuUnit}) | ${fmt(ra / ro, 2)}x rate, ${fmt(ca / co, 2)}x CPU${cpuDiff} |`,
  );
  raw[sc.name] = r;
}
console.log(
  `rounds ${ROUNDS}, ${SOAP_CALLS} SOAP calls, ${REST_MB} MB and ${SOAP_CALLS} small items per round and layer; ${cpus().length} x ${cpus()[0]?.model}; node ${process.version}; load ${load0.map((x) => x.toFixed(2)).join(' ')} -> ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}\n`,
);
console.log('| scenario | axios layer (median round) | baseline, same run | ratio |');
console.log('|---|---:|---|---:|');
for (const row of rows) console.log(row);
if (process.argv.includes('--json')) console.log(JSON.stringify(raw));
