/**
 * The one HTTP layer between this library and Zimbra, on axios: the SOAP client and the REST blob
 * I/O send every request through {@link HttpClient.request}, so an embedder's axios instance (its
 * interceptors, proxy, agents) sees all of them.
 *
 * ```text
 * request(opts) -> axios.request({ responseType: 'stream', validateStatus: none, maxRedirects: 0,
 *                                  decompress: false, timeout: 0, signal, agents, proxy })
 *   before headers: deadline + caller's signal abort the request    -> ZB_TIMEOUT / ZB_ABORTED
 *   after headers:  the body is the socket stream (never buffered);
 *                   idle timeout and the caller's signal destroy it  -> ZB_TIMEOUT / ZB_ABORTED
 *   socket/TLS/proxy failure                                        -> ZB_TRANSPORT (data.errno)
 * ```
 * axios's own deadline (`timeout`) and size limits are off: the deadline must stop at the headers
 * (a 5 GB download is not late), and sizes are checked by the callers against Content-Length and
 * the item's size.
 * @module
 */
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { AxiosInstance, AxiosRequestConfig, AxiosResponse, AxiosStatic, CreateAxiosDefaults } from 'axios';
import { ZimbraBackupError } from '../../errors.js';
import { silentLogger, type Logger } from '../../internal/logger.js';
import { ConnectTunnelAgent } from './connect-tunnel-agent.js';
import { abortedError, networkError, timeoutError } from './errors.js';
import { parseProxyUrl, proxyFor, type ProxyOptions } from './proxy.js';
import { redactHeaders, redactUrl } from './redact.js';
import { invalidOptionOf } from '../../internal/invalid-argument.js';

const invalid = invalidOptionOf('invalid option');

/**
 * axios's CommonJS build: one file, where its ESM entry is about 80 modules to resolve and link
 * (30-50 % of axios's load time, which every CLI command that talks to Zimbra pays; issue 12). The
 * API is the same; instances an embedder passes in are recognised by shape, not by class.
 */
const axios = createRequire(import.meta.url)('axios') as AxiosStatic;

/** TLS settings: verification is on unless `insecure` is set explicitly. */
export interface TlsOptions {
  /** Extra CA certificate(s) (PEM) to trust, e.g. Zimbra's self-signed CA. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Disable certificate verification (testing only). Default false. */
  insecure?: boolean;
}

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** TLS for `https://` servers (used by the agents this layer creates). */
  tls?: TlsOptions | undefined;
  /**
   * The embedder's axios instance, or a config for the instance this layer creates. Default: a new
   * instance. Agents (`httpAgent`/`httpsAgent`) set on it are used as they are; otherwise this
   * layer's keep-alive agents are.
   */
  axios?: AxiosInstance | CreateAxiosDefaults | undefined;
  /**
   * Proxy. Object: `http://` targets go through `httpProxy` (forward proxying, axios's own
   * support), `https://` targets through a CONNECT tunnel to `httpsProxy` (our pooled agent);
   * `noProxy` hosts directly. `false`: always direct. Absent: direct with the instance this layer
   * creates; with an embedder's instance or config, axios decides (its `proxy` setting or the
   * environment).
   */
  proxy?: ProxyOptions | false | undefined;
  /** Sockets per host and scheme (pool bound). Default 32. */
  maxSocketsPerHost?: number | undefined;
  /** Idle keep-alive sockets are closed after this long, in ms (below Jetty's 60 s idle timeout). Default 30000. */
  freeSocketTimeoutMs?: number | undefined;
  /** Receives one debug line per request (URL and headers redacted). */
  logger?: Logger | undefined;
}

/** One HTTP request. */
export interface HttpRequestOptions {
  /** HTTP method. */
  method: 'GET' | 'POST';
  /** Absolute URL. */
  url: URL;
  /** Request headers (may hold the auth cookie: logged only redacted). */
  headers?: Record<string, string>;
  /** Body: bytes, text or a stream (a stream cannot be replayed by retries). */
  body?: string | Buffer | Readable;
  /** Aborts the request and the response stream. */
  signal?: AbortSignal;
  /** Time allowed until the response headers arrive, in ms. */
  headersTimeoutMs: number;
  /** Longest silence allowed on the socket once the response streams, in ms. */
  idleTimeoutMs: number;
}

/** A response whose body is still a stream. */
export interface HttpResponse {
  /** HTTP status code. */
  status: number;
  /** Response headers (lower-case names). */
  headers: http.IncomingHttpHeaders;
  /** The body stream; errors with `ZB_TIMEOUT`/`ZB_ABORTED`/`ZB_TRANSPORT`. */
  body: Readable;
}

/**
 * What this layer needs from axios on every request. `stream`: bodies are never buffered.
 * No transforms: the bytes go as built (the default would JSON.parse every JSON SOAP envelope
 * just to check it). Every status resolves: the callers type the errors. No redirects: a
 * redirect would replay a streamed body and could carry the cookie elsewhere, and
 * follow-redirects costs a wrapper per request. No decompression and no axios size limits or
 * timeout: sizes and deadlines are checked by this layer and its callers.
 */
const LAYER_CONFIG = {
  responseType: 'stream',
  transformRequest: [],
  transformResponse: [],
  validateStatus: null,
  maxRedirects: 0,
  decompress: false,
  maxContentLength: -1,
  maxBodyLength: -1,
  timeout: 0,
} as const satisfies AxiosRequestConfig;

function isAxiosInstance(v: unknown): v is AxiosInstance {
  return (
    typeof v === 'function' &&
    typeof (v as AxiosInstance).request === 'function' &&
    typeof (v as AxiosInstance).interceptors === 'object'
  );
}

/** Lower-case plain headers from an axios response. */
function plainHeaders(res: AxiosResponse): http.IncomingHttpHeaders {
  const data = res.data as { headers?: unknown } | undefined;
  if (data instanceof http.IncomingMessage) return data.headers;
  const h = res.headers as unknown as { toJSON?: () => Record<string, unknown> };
  const raw = typeof h.toJSON === 'function' ? h.toJSON() : (res.headers as Record<string, unknown>);
  const out: http.IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(raw)) out[k.toLowerCase()] = Array.isArray(v) ? v.map(String) : String(v);
  return out;
}

/** The body as a stream, whatever an embedder's adapter or interceptor turned it into. */
function toReadable(data: unknown): Readable {
  if (data instanceof Readable) return data;
  if (data === undefined || data === null) return Readable.from([]);
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
  return Readable.from([bytes]);
}

/** Keep-alive HTTP(S) over axios, with bounded pools, TLS options, deadlines, abort and typed errors. */
export class HttpClient {
  /** The axios instance every request goes through (add interceptors here). */
  readonly axios: AxiosInstance;
  readonly #ownInstance: boolean;
  readonly #proxy: ProxyOptions | false | undefined;
  readonly #agentOptions: https.AgentOptions;
  readonly #http: http.Agent;
  readonly #https: https.Agent;
  readonly #tunnels = new Map<string, ConnectTunnelAgent>();
  readonly #logger: Logger;

  constructor(opts: HttpClientOptions = {}) {
    const maxSockets = opts.maxSocketsPerHost ?? 32;
    if (!Number.isInteger(maxSockets) || maxSockets < 1) throw invalid('maxSocketsPerHost', 'must be an integer >= 1');
    const freeTimeout = opts.freeSocketTimeoutMs ?? 30_000;
    if (!Number.isFinite(freeTimeout) || freeTimeout < 0)
      throw invalid('freeSocketTimeoutMs', 'must be a non-negative number');
    if (opts.proxy !== undefined && opts.proxy !== false && (typeof opts.proxy !== 'object' || opts.proxy === null))
      throw invalid('proxy', 'expected an object or false');
    if (opts.proxy) {
      // Fail at construction, not at the first request (values may hold credentials: never echoed).
      if (opts.proxy.httpProxy !== undefined) parseProxyUrl(opts.proxy.httpProxy, 'proxy.httpProxy');
      if (opts.proxy.httpsProxy !== undefined) parseProxyUrl(opts.proxy.httpsProxy, 'proxy.httpsProxy');
    }
    this.#proxy = opts.proxy;
    this.#logger = opts.logger ?? silentLogger;
    const pool = { keepAlive: true, maxSockets, ...(freeTimeout > 0 ? { timeout: freeTimeout } : {}) };
    this.#agentOptions = {
      ...pool,
      rejectUnauthorized: opts.tls?.insecure !== true,
      ...(opts.tls?.ca === undefined ? {} : { ca: opts.tls.ca }),
    };
    this.#http = new http.Agent(pool);
    this.#https = new https.Agent(this.#agentOptions);
    if (isAxiosInstance(opts.axios)) {
      this.axios = opts.axios;
      this.#ownInstance = false;
    } else if (opts.axios === undefined) {
      this.axios = axios.create({ ...LAYER_CONFIG, httpAgent: this.#http, httpsAgent: this.#https, proxy: false });
      this.#ownInstance = true;
    } else if (typeof opts.axios === 'object' && opts.axios !== null) {
      this.axios = axios.create(opts.axios);
      this.#ownInstance = false;
    } else throw invalid('axios', 'expected an axios instance or an axios config object');
  }

  /** Agents and proxy settings for one request (see {@link HttpClientOptions.proxy}). */
  #routing(url: URL): Pick<AxiosRequestConfig, 'httpAgent' | 'httpsAgent' | 'proxy'> & { proxied: boolean } {
    const defaults = this.axios.defaults;
    const httpAgent: unknown = defaults.httpAgent ?? this.#http;
    const httpsAgent: unknown = defaults.httpsAgent ?? this.#https;
    if (this.#proxy === undefined) {
      // Own instance: direct, its defaults say so. Embedder's instance or config: axios applies
      // its own proxy setting (or the environment).
      return this.#ownInstance
        ? { proxied: false }
        : { httpAgent, httpsAgent, proxied: defaults.proxy !== undefined && defaults.proxy !== false };
    }
    const proxy = this.#proxy === false ? undefined : proxyFor(url, this.#proxy);
    if (!proxy) return this.#ownInstance ? { proxied: false } : { httpAgent, httpsAgent, proxy: false, proxied: false };
    if (url.protocol === 'https:') return { httpAgent, httpsAgent: this.#tunnel(proxy), proxy: false, proxied: true };
    const port = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80));
    return {
      httpAgent,
      httpsAgent,
      proxied: true,
      proxy: {
        protocol: proxy.protocol.slice(0, -1),
        host: proxy.hostname.replace(/^\[|\]$/g, ''),
        port,
        ...(proxy.username === ''
          ? {}
          : {
              auth: { username: decodeURIComponent(proxy.username), password: decodeURIComponent(proxy.password) },
            }),
      },
    };
  }

  #tunnel(proxy: URL): ConnectTunnelAgent {
    const key = proxy.href;
    let agent = this.#tunnels.get(key);
    if (!agent) {
      agent = new ConnectTunnelAgent({ ...this.#agentOptions, proxy });
      this.#tunnels.set(key, agent);
    }
    return agent;
  }

  /** Sends a request and resolves once the response headers arrive. */
  async request(opts: HttpRequestOptions): Promise<HttpResponse> {
    // The host is part of it: "ECONNREFUSED" alone does not say which server (issue #15).
    // `origin` never carries userinfo, and the query (which may hold tokens) is left out.
    const what = `${opts.method} ${opts.url.origin}${opts.url.pathname}`;
    const { signal } = opts;
    if (signal?.aborted) throw abortedError(signal);
    const routing = this.#routing(opts.url);
    const { proxied, ...agents } = routing;
    // One controller for the headers phase: the caller's signal and the deadline both end it.
    const ctl = new AbortController();
    let why: ZimbraBackupError | undefined;
    const onAbort = (): void => {
      why ??= abortedError(signal as AbortSignal);
      ctl.abort();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      why ??= timeoutError(`${what}: no response within ${opts.headersTimeoutMs} ms`);
      ctl.abort();
    }, opts.headersTimeoutMs);
    const started = Date.now();
    let res: AxiosResponse;
    try {
      res = await this.axios.request({
        url: opts.url.href,
        method: opts.method,
        // Identity: REST bytes are checked against Content-Length and the item's size, so they must arrive as sent.
        headers: { 'accept-encoding': 'identity', ...opts.headers },
        ...(opts.body === undefined ? {} : { data: opts.body }),
        signal: ctl.signal,
        // Our own instance has all this as defaults (fewer keys for axios to merge per request).
        ...(this.#ownInstance ? {} : LAYER_CONFIG),
        ...agents,
      });
    } catch (err) {
      throw why ?? this.#failure(err, what);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    const body = toReadable(res.data);
    const headers = plainHeaders(res);
    if (this.#logger !== silentLogger)
      this.#logger.debug(
        {
          http: opts.method,
          url: redactUrl(opts.url),
          status: res.status,
          ms: Date.now() - started,
          proxied,
          headers: redactHeaders(opts.headers ?? {}),
        },
        'HTTP response headers',
      );
    if (why) {
      // Aborted or late while axios was handing over the response.
      body.destroy();
      throw why;
    }
    this.#watchBody(res, body, opts, what);
    return { status: res.status, headers, body };
  }

  /** Idle timeout, the caller's signal and premature close while the body streams. */
  #watchBody(res: AxiosResponse, body: Readable, opts: HttpRequestOptions, what: string): void {
    const req = res.request as http.ClientRequest | undefined;
    // Idle timeout while the body streams: a stalled server must not hang a backup forever.
    req?.setTimeout?.(opts.idleTimeoutMs, () => {
      body.destroy(timeoutError(`${what}: body stalled for ${opts.idleTimeoutMs} ms`));
    });
    body.on('aborted', () =>
      body.destroy(networkError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), what)),
    );
    const { signal } = opts;
    if (signal) {
      const onAbortBody = (): void => {
        body.destroy(abortedError(signal));
      };
      signal.addEventListener('abort', onAbortBody, { once: true });
      body.on('close', () => signal.removeEventListener('abort', onAbortBody));
    }
  }

  /** A typed error for a rejected axios request (no config, headers or body kept). */
  #failure(err: unknown, what: string): ZimbraBackupError {
    const e = err as { isAxiosError?: boolean; code?: unknown; cause?: unknown };
    if (e?.isAxiosError === true && e.code === 'ERR_CANCELED') {
      // Not our abort: axios cancels when a streamed request body closes before its end.
      return new ZimbraBackupError(`${what}: request body closed before its end`, {
        code: 'ZB_TRANSPORT',
        data: { errno: 'ERR_BODY_CLOSED' },
      });
    }
    if (e?.isAxiosError !== true && !(err instanceof ZimbraBackupError)) {
      // Thrown by an embedder's interceptor: keep it as the cause, it is theirs.
      return new ZimbraBackupError(`${what}: request failed in an interceptor`, { code: 'ZB_TRANSPORT', cause: err });
    }
    return networkError(err, what);
  }

  /** Reads a whole (bounded) response body as UTF-8 text; over `maxBytes` gives `ZB_TOO_LARGE`. */
  async readText(res: HttpResponse, maxBytes: number, what: string): Promise<string> {
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > maxBytes) {
          res.body.destroy();
          throw new ZimbraBackupError(`${what}: response larger than ${maxBytes} bytes`, {
            code: 'ZB_TOO_LARGE',
            data: { maxBytes },
          });
        }
        chunks.push(chunk);
      }
    } catch (err) {
      throw networkError(err, what);
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && res.headers['content-length'] !== undefined && declared !== total) {
      throw Object.assign(
        new ZimbraBackupError(`${what}: truncated response (${total} of ${declared} bytes)`, {
          code: 'ZB_TRANSPORT',
          data: { received: total, expected: declared },
        }),
        { retryable: true },
      );
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Closes idle keep-alive sockets of the agents this layer created (never the embedder's). */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
    for (const t of this.#tunnels.values()) t.destroy();
    this.#tunnels.clear();
  }
}
