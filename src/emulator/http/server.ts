/**
 * The two loopback HTTP listeners (mail port and admin port) and the router: SOAP, REST,
 * upload. Every request passes the fault injector first, then is counted in the stats.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { EmulatorState } from '../handlers/context.js';
import type { Logger } from '../../internal/logger.js';
import { SoapFault } from '../wire/soap-fault.js';
import { type FaultInjector, type FaultPlan } from './fault-injector.js';
import { cookie, textReply, type HttpReply } from './reply.js';
import { handleRest } from './rest.js';
import { handleSoap, parseSoap } from './soap-endpoint.js';
import { handleUpload } from './upload.js';
import { forward, soapProxyAccount, type HomeResolver } from './proxy.js';

/** Largest request body accepted, in bytes. */
const MAX_BODY = 256 * 1024 * 1024;

/** Request counters by name (SOAP request names, `REST`, `REST:tgz`, `REST:tar`, `UPLOAD`). */
export class EmulatorStats {
  /** Counts by name; mutated in place. */
  readonly counts: Record<string, number> = {};

  /** The count for one name (0 when never seen). */
  get(name: string): number {
    return this.counts[name] ?? 0;
  }

  /** Adds one. */
  hit(name: string): void {
    this.counts[name] = (this.counts[name] ?? 0) + 1;
  }

  /** Resets all counts. */
  reset(): void {
    for (const k of Object.keys(this.counts)) delete this.counts[k];
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Everything the router needs. */
export interface RouterDeps {
  state: EmulatorState;
  faults: FaultInjector;
  stats: EmulatorStats;
  logger: Logger;
  /** A cluster's routing: the home server of an account (absent on a single server). */
  home?: HomeResolver | undefined;
}

/** The account id of a token, or undefined when it does not verify (the handler will say why). */
function tokenAccount(deps: RouterDeps, token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    return deps.state.tokens.verify(token).accountId;
  } catch {
    return undefined;
  }
}

/**
 * Proxies a request to the home server of `account` when that is another server (proxy.ts).
 * True when the request was answered (forwarded, or refused because the home server is down).
 */
async function proxied(
  deps: RouterDeps,
  port: 'mail' | 'admin',
  account: string | undefined,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  refuse: (reason: string) => void,
): Promise<boolean> {
  if (!deps.home || account === undefined) return false;
  const home = deps.home(account);
  if (!home || home.local) return false;
  const base = port === 'admin' ? home.adminUrl : home.mailUrl;
  if (home.running && (await forward(base, req, body, res))) return true;
  refuse(`error while proxying request to target server ${home.name}: Connection refused`);
  return true;
}

function send(res: ServerResponse, reply: HttpReply, plan: FaultPlan | undefined): void {
  const headers = { ...reply.headers };
  res.writeHead(reply.status, headers);
  if (Buffer.isBuffer(reply.body)) {
    if (plan?.truncate) {
      // destroy only once the partial body has reached the socket, so the client sees it
      res.write(reply.body.subarray(0, Math.floor(reply.body.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.end(reply.body);
    return;
  }
  const stream: Readable = reply.body;
  if (plan?.truncate) {
    let sent = 0;
    stream.on('data', (c: Buffer) => {
      sent += c.length;
      if (sent > 1024) {
        stream.destroy();
        res.socket?.destroy();
      }
    });
  }
  stream.on('error', () => res.socket?.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

async function route(
  deps: RouterDeps,
  port: 'mail' | 'admin',
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = url.pathname;
  const body = req.method === 'POST' || req.method === 'PUT' ? await readBody(req) : Buffer.alloc(0);
  const cookieName = port === 'admin' ? 'ZM_ADMIN_AUTH_TOKEN' : 'ZM_AUTH_TOKEN';
  const cookieToken =
    cookie(req.headers.cookie, cookieName) ??
    (port === 'admin' ? cookie(req.headers.cookie, 'ZM_AUTH_TOKEN') : undefined);
  // DoSFilter (dos-filter.ts): by the cookie's account, else per connection.
  const dos = deps.state.dosFilter;
  if (dos?.enabled) {
    const who = tokenAccount(deps, cookieToken) ?? `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    if (dos.overRate(who)) {
      deps.stats.hit('DOS:429');
      return send(res, textReply(429, 'Too Many Requests'), undefined);
    }
  }
  const isSoap = /^\/service\/(admin\/)?soap(\/|$)/.test(path);
  if (isSoap && req.method === 'POST') {
    const adminPath = path.startsWith('/service/admin/');
    if (adminPath && port !== 'admin') return send(res, textReply(404, 'not found'), undefined);
    const parsed = parseSoap(body.toString('utf8'));
    const name = parsed.envelope?.body.name;
    const plan = deps.faults.plan(name, path + url.search);
    deps.stats.hit(name ?? 'SOAP');
    if (name === 'BatchRequest') for (const m of parsed.envelope?.body.children ?? []) deps.stats.hit(m.name);
    if (await applyPlan(plan, res)) return;
    const env = parsed.envelope;
    if (env) {
      const header = env.header;
      const account = soapProxyAccount(
        env.body,
        header?.child('account')?.content,
        tokenAccount(deps, header?.get('authToken') ?? cookieToken),
      );
      const refuse = (reason: string): void => {
        void handleSoap(parsed, {
          state: deps.state,
          port,
          cookieToken,
          expireAuth: false,
          injectedFault: new SoapFault('service.PROXY_ERROR', reason, false),
        }).then((r) =>
          send(
            res,
            { status: r.status, headers: { 'Content-Type': r.contentType }, body: Buffer.from(r.body) },
            undefined,
          ),
        );
      };
      if (await proxied(deps, port, account, req, body, res, refuse)) return;
    }
    const injectedFault = plan?.fault
      ? new SoapFault(
          plan.fault.code,
          plan.fault.reason ?? plan.fault.code,
          plan.fault.sender ?? !plan.fault.code.startsWith('service.'),
        )
      : undefined;
    const reply = await handleSoap(parsed, {
      state: deps.state,
      port,
      cookieToken,
      expireAuth: plan?.expireAuth ?? false,
      injectedFault,
    });
    const bytes = Buffer.from(reply.body, 'utf8');
    const headers: Record<string, string | number> = {
      'Content-Type': reply.contentType,
      'Content-Length': bytes.length,
      'Cache-Control': 'no-store, no-cache',
    };
    if (reply.setCookie) headers['Set-Cookie'] = reply.setCookie;
    return send(res, { status: reply.status, headers, body: bytes }, plan);
  }
  const plan = deps.faults.plan(undefined, path + url.search);
  if (/^\/(service\/)?home\//.test(path)) {
    const fmt = url.searchParams.get('fmt');
    deps.stats.hit(fmt === 'tgz' ? 'REST:tgz' : fmt === 'tar' ? 'REST:tar' : 'REST');
    if (await applyPlan(plan, res)) return;
    const token = cookieToken ?? url.searchParams.get('zauthtoken') ?? undefined;
    const user = decodeURIComponent(path.replace(/^\/(service\/)?home\//, '').split('/')[0] ?? '');
    const account = user === '~' || user === '' ? tokenAccount(deps, token) : user;
    const refuse = (reason: string): void => send(res, textReply(500, reason), undefined);
    if (await proxied(deps, port, account, req, body, res, refuse)) return;
    return send(
      res,
      handleRest({ state: deps.state, method: req.method ?? 'GET', url, token, expireAuth: plan?.expireAuth ?? false }),
      plan,
    );
  }
  if (path === '/service/upload' && req.method === 'POST') {
    deps.stats.hit('UPLOAD');
    if (await applyPlan(plan, res)) return;
    const token =
      url.searchParams.get('admin') === '1' || port === 'admin'
        ? (cookie(req.headers.cookie, 'ZM_ADMIN_AUTH_TOKEN') ?? cookieToken)
        : cookieToken;
    return send(res, handleUpload(deps.state, url, req.headers, body, token, plan?.expireAuth ?? false), plan);
  }
  if (await applyPlan(plan, res)) return;
  send(res, textReply(404, 'not found'), plan);
}

/** Applies delay, status and reset; true when the request was answered (or dropped). */
async function applyPlan(plan: FaultPlan | undefined, res: ServerResponse): Promise<boolean> {
  if (!plan) return false;
  for (const fn of plan.before) fn();
  if (plan.delayMs > 0) await new Promise((r) => setTimeout(r, plan.delayMs));
  if (plan.reset) {
    res.socket?.destroy();
    return true;
  }
  if (plan.status !== undefined) {
    send(res, textReply(plan.status, `injected HTTP ${plan.status}`), undefined);
    return true;
  }
  return false;
}

/** A started listener with its open sockets (so close/restart can drop them). */
export interface Listener {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Starts one listener on 127.0.0.1. */
export async function listen(deps: RouterDeps, kind: 'mail' | 'admin', port: number): Promise<Listener> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    route(deps, kind, req, res).catch((err: unknown) => {
      deps.logger.error({ err: String(err) }, 'emulator request failed');
      if (!res.headersSent) send(res, textReply(500, 'internal error'), undefined);
      else res.socket?.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  return {
    server,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
