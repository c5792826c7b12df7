/**
 * The REST request loop shared by download, upload and tgz export: auth cookie from the client,
 * one token renewal on HTTP 401, retries on network errors and 429/502/503/504 (honouring
 * `Retry-After`) when the request can be replayed.
 * @module
 */
import type { Readable } from 'node:stream';
import { type ZimbraBackupError } from '../errors.js';
import { AccountInactiveError, NoSuchItemError } from '../soap/faults.js';
import { HttpStatusError, statusError } from '../soap/http/errors.js';
import type { HttpResponse } from '../soap/http/http-client.js';
import { abortableSleep } from '../internal/abortable-sleep.js';
import { retryDelay } from '../soap/retry.js';
import type { RestTarget, SoapConnection } from '../soap/soap-connection.js';
import type { AccountSelector } from '../soap/transports/transport.js';

/** One REST request, built once the target (base URL, account path) is known. */
export interface RestRequestSpec {
  /** HTTP method. */
  method: 'GET' | 'POST';
  /** Absolute URL. */
  url: URL;
  /** Headers besides the cookie. */
  headers?: Record<string, string>;
  /** Body (a stream makes the request non-replayable). */
  body?: string | Buffer | Readable;
}

/** Options of {@link openRest}. */
export interface OpenRestOptions {
  /** Target mailbox (as admin: resolved to `/service/home/<name>/`). */
  account?: string | AccountSelector | undefined;
  /** Aborts the request and the body stream. */
  signal?: AbortSignal | undefined;
  /** Per-request deadline and idle timeout in ms (default: the client's). */
  timeoutMs?: number | undefined;
  /** Whether the request may be sent again (false for a streamed body). */
  replayable: boolean;
  /** Short description for errors and logs, e.g. `download item 257`. */
  what: string;
  /** Builds the request for a target. */
  build(target: RestTarget): RestRequestSpec;
}

/** Sends a REST request and returns the response once its status is known (any status but 401). */
export async function openRest(client: SoapConnection, opts: OpenRestOptions): Promise<HttpResponse> {
  let renewed = false;
  for (let attempt = 0; ; attempt++) {
    const target = await client.restTarget(opts.account, opts.signal ? { signal: opts.signal } : {});
    const spec = opts.build(target);
    try {
      const res = await client.openHttp({
        method: spec.method,
        url: spec.url,
        headers: { ...spec.headers, cookie: target.cookie().reveal() },
        ...(spec.body === undefined ? {} : { body: spec.body }),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
      });
      if (res.status === 401 && !renewed && opts.replayable) {
        res.body.resume();
        renewed = true;
        client.logger.info({ op: opts.what }, 'REST auth refused; renewing once');
        await target.renew(opts.signal);
        attempt--;
        continue;
      }
      if (res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504) {
        res.body.resume();
        throw statusError(res, opts.what);
      }
      return res;
    } catch (err) {
      const delay = opts.replayable ? retryDelay(err, attempt + 1, true, client.retryPolicy) : undefined;
      if (delay === undefined) throw err;
      client.logger.warn(
        { op: opts.what, attempt: attempt + 1, delayMs: delay, code: (err as ZimbraBackupError).code },
        'retrying REST request',
      );
      await abortableSleep(delay, opts.signal);
    }
  }
}

/** Turns a non-success REST status into a typed error (404 -> NoSuchItemError), draining the body. */
export function restStatusError(
  res: HttpResponse,
  what: string,
  data: Record<string, unknown> = {},
): ZimbraBackupError {
  res.body.resume();
  if (res.status === 404) {
    return new NoSuchItemError(`mail.NO_SUCH_ITEM: ${what}: not found (HTTP 404)`, {
      faultCode: 'mail.NO_SUCH_ITEM',
      senderOrReceiver: 'Sender',
      args: typeof data['itemId'] === 'string' ? [{ name: 'itemId', type: 'IID', value: data['itemId'] }] : [],
    });
  }
  return new HttpStatusError(res.status, what);
}

/** Most of a 404 body read to tell "account inactive" from "no such item" (Jetty's error page is small). */
const ERROR_BODY_LIMIT = 16 * 1024;

/**
 * UserServlet.java answers an account in maintenance (and, for a token neither admin nor delegated,
 * one that is not active) with `sendError(404, message)`, the same status as a missing item; only
 * the message (`account is in maintenance mode`, `account is not active:<name>`, from
 * AccountServiceException.java) tells them apart. Jetty writes it into its HTML error page.
 */
const INACTIVE_MESSAGE = /account is in maintenance mode|account is not active/i;

/**
 * Like {@link restStatusError}, but reads a 404's body first: UserServlet's answer for an
 * inactive account becomes {@link AccountInactiveError} (the account is skipped and retried),
 * never a missing item (which the backup would take for a vanished one).
 */
export async function restFailure(
  res: HttpResponse,
  what: string,
  data: Record<string, unknown> = {},
): Promise<ZimbraBackupError> {
  if (res.status !== 404) return restStatusError(res, what, data);
  const body = await readSome(res.body, ERROR_BODY_LIMIT).catch(() => '');
  const m = INACTIVE_MESSAGE.exec(body);
  if (m) {
    const code = /maintenance/i.test(m[0]) ? 'account.MAINTENANCE_MODE' : 'account.ACCOUNT_INACTIVE';
    return new AccountInactiveError(`${code}: ${what}: ${m[0]} (HTTP 404)`, {
      faultCode: code,
      senderOrReceiver: 'Receiver',
    });
  }
  return restStatusError(res, what, data);
}

/** Up to `limit` bytes of a body as text; the rest is drained. */
async function readSome(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (size < limit) chunks.push(b.subarray(0, limit - size));
    size += b.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}
