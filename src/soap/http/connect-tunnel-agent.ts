/**
 * An https.Agent that reaches the server through an HTTP(S) proxy's CONNECT tunnel and keeps
 * the tunnelled TLS connections alive in its pool, bounded by `maxSockets` like a direct agent.
 *
 * Why not axios's own CONNECT support: axios tunnels through `https-proxy-agent` 5 (agent-base
 * 6), which has no pool: every request pays a new TCP connect, CONNECT round trip and TLS
 * handshake, and nothing bounds the sockets per host. Why not axios's forward mode: for an
 * `https://` target that would hand the proxy the cookie and SOAP body in the clear.
 * @module
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { ZimbraBackupError } from '../../errors.js';

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

/** Options of {@link ConnectTunnelAgent}: the https.Agent options (pool, TLS) plus the proxy. */
export interface ConnectTunnelAgentOptions extends https.AgentOptions {
  /** The proxy (http: or https:); user/password in the URL become `Proxy-Authorization: Basic`. */
  proxy: URL;
  /** Time allowed for the proxy to answer CONNECT, in ms. Default 30000. */
  connectTimeoutMs?: number;
}

/** Keep-alive https.Agent whose sockets are TLS sessions inside CONNECT tunnels. */
export class ConnectTunnelAgent extends https.Agent {
  readonly #proxy: URL;
  readonly #authorization: string | undefined;
  readonly #connectTimeoutMs: number;

  constructor(opts: ConnectTunnelAgentOptions) {
    const { proxy, connectTimeoutMs, ...agentOptions } = opts;
    super(agentOptions);
    this.#proxy = proxy;
    this.#connectTimeoutMs = connectTimeoutMs ?? 30_000;
    this.#authorization =
      proxy.username === ''
        ? undefined
        : `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
  }

  /**
   * Called by the http.Agent pool for each new socket: CONNECT to the proxy, then TLS with the
   * pool's options (CA, verification, SNI) over the tunnel. Asynchronous through `callback`.
   */
  override createConnection(options: https.RequestOptions, callback?: ConnectCallback): undefined {
    const host = String(options.host ?? options.hostname ?? 'localhost');
    const port = Number(options.port ?? 443);
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const proxy = this.#proxy;
    // Node's pool always passes the callback; without one there is nobody to give the socket to.
    const done = (err: Error | null, stream?: Duplex): void => callback?.(err, stream as Duplex);
    const req = (proxy.protocol === 'https:' ? https : http).request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: authority,
      agent: false,
      headers: { host: authority, ...(this.#authorization ? { 'proxy-authorization': this.#authorization } : {}) },
      timeout: this.#connectTimeoutMs,
    });
    req.once('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        const status = res.statusCode ?? 0;
        const err = new ZimbraBackupError(`proxy refused CONNECT to ${authority}: HTTP ${status}`, {
          code: status === 407 ? 'ZB_AUTH' : 'ZB_TRANSPORT',
          data: { proxyStatus: status },
        });
        done(Object.assign(err, { retryable: status >= 500 }));
        return;
      }
      if (head.length > 0) socket.unshift(head);
      const servername = options.servername ?? (/^[\d.]+$|:/.test(host) ? undefined : host);
      // The pool's TLS options (ca, rejectUnauthorized) apply to the server, never to the proxy.
      const secure = tls.connect({
        ...(options as tls.ConnectionOptions),
        socket,
        ...(servername ? { servername } : {}),
      });
      done(null, secure);
    });
    req.once('timeout', () =>
      req.destroy(
        Object.assign(new Error(`proxy did not answer CONNECT within ${this.#connectTimeoutMs} ms`), {
          code: 'ETIMEDOUT',
        }),
      ),
    );
    req.once('error', (err) => done(err));
    req.end();
    return undefined;
  }
}
