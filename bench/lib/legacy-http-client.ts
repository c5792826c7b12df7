/**
 * BENCH ONLY: the hand-written node:http/https layer that src/soap/http/ (axios) replaced, kept
 * verbatim from main at 6024388 (src/soap/http-client.ts) so bench/http-layer.ts can measure the
 * old and the new layer in the same run. Nothing in src/ imports it.
 * @module
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { ZimbraBackupError } from '../../src/errors.js';

/** TLS settings: verification is on unless `insecure` is set explicitly. */
export interface TlsOptions {
  /** Extra CA certificate(s) (PEM) to trust, e.g. Zimbra's self-signed CA. */
  ca?: string | Buffer;
  /** Disable certificate verification (testing only). Default false. */
  insecure?: boolean;
}

/** One HTTP request. */
export interface HttpRequestOptions {
  /** HTTP method. */
  method: 'GET' | 'POST';
  /** Absolute URL. */
  url: URL;
  /** Request headers (may hold the auth cookie: never log them). */
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
  body: http.IncomingMessage;
}

/** An HTTP status that is not a success; 502/503/504 may succeed when retried. */
export class HttpStatusError extends ZimbraBackupError {
  override name = 'HttpStatusError';
  /** True for 502, 503 and 504 (read by `isRetryable`). */
  readonly retryable: boolean;
  /** The HTTP status. */
  readonly status: number;

  constructor(status: number, what: string, retryAfterMs?: number) {
    super(`${what}: HTTP ${status}`, {
      code: status === 401 || status === 403 ? 'ZB_AUTH' : 'ZB_TRANSPORT',
      data: { status },
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
    this.status = status;
    this.retryable = status === 502 || status === 503 || status === 504;
  }
}

/** Wraps a socket-level failure; `data.errno` keeps Node's code. Network errors are retryable. */
export function networkError(err: unknown, what: string): ZimbraBackupError {
  if (err instanceof ZimbraBackupError) return err;
  const errno = (err as { code?: unknown }).code;
  const e = new ZimbraBackupError(`${what}: ${typeof errno === 'string' ? errno : 'network error'}`, {
    code: 'ZB_TRANSPORT',
    cause: err,
    data: typeof errno === 'string' ? { errno } : {},
  });
  return Object.assign(e, { retryable: true });
}

function abortedError(signal: AbortSignal): ZimbraBackupError {
  return new ZimbraBackupError('operation aborted', { code: 'ZB_ABORTED', cause: signal.reason });
}

/** Keep-alive HTTP(S) transport with one agent per scheme. */
export class HttpClient {
  readonly #http: http.Agent;
  readonly #https: https.Agent;

  constructor(tls: TlsOptions = {}) {
    this.#http = new http.Agent({ keepAlive: true, maxSockets: 32 });
    this.#https = new https.Agent({
      keepAlive: true,
      maxSockets: 32,
      rejectUnauthorized: tls.insecure !== true,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    });
  }

  /** Sends a request and resolves once the response headers arrive. */
  request(opts: HttpRequestOptions): Promise<HttpResponse> {
    const what = `${opts.method} ${opts.url.pathname}`;
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    return new Promise<HttpResponse>((resolve, reject) => {
      const isHttps = opts.url.protocol === 'https:';
      const req = (isHttps ? https : http).request(opts.url, {
        method: opts.method,
        headers: opts.headers,
        agent: isHttps ? this.#https : this.#http,
      });
      let settled = false;
      const fail = (err: ZimbraBackupError): void => {
        if (!settled) {
          settled = true;
          cleanup();
          reject(err);
        }
        req.destroy(err);
      };
      const onAbort = (): void => fail(abortedError(signal as AbortSignal));
      const headersTimer = setTimeout(
        () =>
          fail(
            new ZimbraBackupError(`${what}: no response within ${opts.headersTimeoutMs} ms`, { code: 'ZB_TIMEOUT' }),
          ),
        opts.headersTimeoutMs,
      );
      const cleanup = (): void => clearTimeout(headersTimer);
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err) => fail(networkError(err, what)));
      req.on('response', (res) => {
        settled = true;
        cleanup();
        // Idle timeout while the body streams: a stalled server must not hang a backup forever.
        req.setTimeout(opts.idleTimeoutMs, () => {
          res.destroy(
            new ZimbraBackupError(`${what}: body stalled for ${opts.idleTimeoutMs} ms`, { code: 'ZB_TIMEOUT' }),
          );
        });
        res.on('close', () => signal?.removeEventListener('abort', onAbort));
        res.on('aborted', () =>
          res.destroy(networkError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), what)),
        );
        if (signal) {
          signal.removeEventListener('abort', onAbort);
          const onAbortBody = (): void => {
            res.destroy(abortedError(signal));
          };
          signal.addEventListener('abort', onAbortBody, { once: true });
          res.on('close', () => signal.removeEventListener('abort', onAbortBody));
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
      });
      const body = opts.body;
      if (body === undefined) req.end();
      else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
      else {
        body.on('error', (err) => fail(networkError(err, `${what} (request body)`)));
        body.pipe(req);
      }
    });
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

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}
