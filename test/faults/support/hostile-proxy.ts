/**
 * A loopback HTTP proxy in front of the emulator that rewrites chosen JSON SOAP responses: the
 * backup engine then runs end to end against a server that sends hostile values (ids with `../`,
 * NUL, huge numbers, wrong shapes) exactly where a real server would send ids and names.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Rewrites the parsed JSON body of a response to `requestName`; return the new body (any JSON value) or a raw string. */
export type Rewrite = (body: Record<string, unknown>, requestName: string) => unknown;

/** A running proxy. */
export interface HostileProxy {
  /** Base URL to give the client instead of the emulator's. */
  url: string;
  /** Rewrites by SOAP request name (e.g. `SyncRequest`); `*` applies to all. */
  rewrites: Map<string, Rewrite>;
  /** Number of responses rewritten. */
  rewritten: number;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (http://127.0.0.1:P). */
export async function startHostileProxy(target: string): Promise<HostileProxy> {
  const upstream = new URL(target);
  const proxy: HostileProxy = {
    url: '',
    rewrites: new Map(),
    rewritten: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const name = requestNameOf(body);
      const up = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (ures) => {
          const rewrite = name !== undefined ? (proxy.rewrites.get(name) ?? proxy.rewrites.get('*')) : undefined;
          if (!rewrite) {
            res.writeHead(ures.statusCode ?? 502, ures.headers);
            ures.pipe(res);
            return;
          }
          const out: Buffer[] = [];
          ures.on('data', (c: Buffer) => out.push(c));
          ures.on('end', () => {
            let text = Buffer.concat(out).toString('utf8');
            try {
              const replaced = rewrite(JSON.parse(text) as Record<string, unknown>, name!);
              text = typeof replaced === 'string' ? replaced : JSON.stringify(replaced);
              proxy.rewritten++;
            } catch {
              // not JSON (XML transport): pass through
            }
            const headers = { ...ures.headers };
            delete headers['content-length'];
            delete headers['transfer-encoding'];
            res.writeHead(ures.statusCode ?? 502, { ...headers, 'content-length': Buffer.byteLength(text) });
            res.end(text);
          });
        },
      );
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

function requestNameOf(body: Buffer): string | undefined {
  if (body.length === 0 || body[0] !== 0x7b) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { Body?: Record<string, unknown> };
    return Object.keys(parsed.Body ?? {})[0];
  } catch {
    return undefined;
  }
}

/** Applies `fn` to every object in a JSON tree (depth-first), for targeted rewrites. */
export function walk(node: unknown, fn: (obj: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) for (const n of node) walk(n, fn);
  else if (node && typeof node === 'object') {
    fn(node as Record<string, unknown>);
    for (const v of Object.values(node as Record<string, unknown>)) walk(v, fn);
  }
}
