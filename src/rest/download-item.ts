/**
 * Streaming download of one item's raw bytes over REST (`/service/home/~/?id=N`, UserServlet).
 * @module
 */
import type { Readable } from 'node:stream';
import { ZimbraBackupError } from '../errors.js';
import { networkError } from '../soap/http/errors.js';
import type { SoapConnection } from '../soap/soap-connection.js';
import type { AccountSelector } from '../soap/transports/transport.js';
import { ByteCountStream } from '../internal/byte-count-stream.js';
import { parseItemHeaders, type ItemHeaders } from './item-headers.js';
import { openRest, restFailure } from './rest-request.js';

/** Options of {@link downloadItem}. */
export interface DownloadItemOptions {
  /** The mailbox (as admin: required; a zimbraId is resolved to the name). Default: the user's own (`~`). */
  account?: string | AccountSelector;
  /** Item id. */
  id: string;
  /** MIME part number (e.g. `2`, `1.1`) instead of the whole item. */
  part?: string;
  /**
   * The REST formatter. Without it the server picks one by item type (UserServlet.java
   * `defaultFormat`): ICS for appointments and tasks, vCard for contacts, an HTML page for Zimbra
   * documents (`application/x-zimbra-doc`...), the native formatter otherwise. `native`: the
   * stored bytes (a message as `text/plain` with its RFC 822 source, NativeFormatter.java); `ics`:
   * the calendar item as iCalendar (IcsFormatter.java, no Content-Length); `sync`: the full
   * `X-Zimbra-*` metadata headers (sent with `nohdr=1`, so the body stays the raw blob).
   */
  fmt?: 'sync' | 'native' | 'ics';
  /** Fail with `ZB_TOO_LARGE` when the item is larger, in bytes. Default: no bound. */
  maxBytes?: number;
  /** Fail with `ZB_SIZE_MISMATCH` at the end unless exactly this many bytes arrive (e.g. the item's `s`). */
  expectedSize?: number;
  /** Deadline until headers and longest body silence, in ms. Default: the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Aborts the request and the stream (`ZB_ABORTED`). */
  signal?: AbortSignal;
}

/** Result of {@link downloadItem}. */
export interface DownloadItemResult {
  /** The item's bytes. Errors: `ZB_TOO_LARGE`, `ZB_SIZE_MISMATCH`, `ZB_TRANSPORT`, `ZB_TIMEOUT`, `ZB_ABORTED`. */
  stream: Readable;
  /** `X-Zimbra-*` metadata headers (all of them with `fmt: 'sync'`). */
  headers: ItemHeaders;
  /** `Content-Length`, when sent. */
  size: number | undefined;
  /** `Content-Type`, when sent. */
  contentType: string | undefined;
}

const ITEM_ID = /^(?:[0-9a-f-]{36}:)?-?\d+$/i;

/**
 * Opens a streaming download of an item. Every download but `fmt: 'sync'` is sent with `disp=a`
 * so that documents and parts come back unchanged (see {@link DownloadItemOptions.fmt}). Resolves once the server answered 200; the bytes are
 * checked while they stream (never truncated, never over `maxBytes`).
 * @throws `NoSuchItemError` (`mail.NO_SUCH_ITEM`) on 404; `ZB_TOO_LARGE` when Content-Length already exceeds `maxBytes`;
 *   `ZB_AUTH`, `ZB_TRANSPORT`, `ZB_TIMEOUT`, `ZB_ABORTED`, `ZB_INVALID_ARGUMENT`.
 */
export async function downloadItem(client: SoapConnection, opts: DownloadItemOptions): Promise<DownloadItemResult> {
  if (typeof opts.id !== 'string' || !ITEM_ID.test(opts.id)) {
    throw new ZimbraBackupError('invalid item id', { code: 'ZB_INVALID_ARGUMENT', data: { field: 'id' } });
  }
  const data = { itemId: opts.id, op: 'downloadItem' };
  const what = `download item ${opts.id}`;
  const res = await openRest(client, {
    account: opts.account,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    replayable: true,
    what,
    build: (t) => {
      const url = new URL(`/service/home/${t.accountPath}/`, t.baseUrl);
      url.searchParams.set('id', opts.id);
      if (opts.part !== undefined) url.searchParams.set('part', opts.part);
      if (opts.fmt === 'sync') {
        url.searchParams.set('fmt', 'sync');
        url.searchParams.set('nohdr', '1');
      } else {
        if (opts.fmt !== undefined) url.searchParams.set('fmt', opts.fmt);
        // NativeFormatter.sendbackOriginalDoc defangs HTML, SVG and XML shown inline (no `disp`
        // is inline): only an attachment disposition sends a document or part byte for byte.
        url.searchParams.set('disp', 'a');
      }
      return { method: 'GET', url };
    },
  });
  if (res.status !== 200) throw await restFailure(res, what, data);
  const lengthHeader = res.headers['content-length'];
  const size = lengthHeader === undefined ? undefined : Number(lengthHeader);
  if (opts.maxBytes !== undefined && size !== undefined && size > opts.maxBytes) {
    res.body.destroy();
    throw new ZimbraBackupError(`${what}: ${size} bytes exceeds ${opts.maxBytes}`, {
      code: 'ZB_TOO_LARGE',
      data: { ...data, size, maxBytes: opts.maxBytes },
    });
  }
  // Without an expected size, Content-Length still guards against a body cut short by the server.
  const expected = opts.expectedSize;
  const counter = new ByteCountStream({
    ...(opts.maxBytes === undefined ? {} : { maxBytes: opts.maxBytes }),
    ...(expected !== undefined
      ? { expectedSize: expected }
      : size !== undefined && Number.isFinite(size)
        ? { expectedSize: size }
        : {}),
    data,
  });
  if (expected !== undefined && size !== undefined && Number.isFinite(size) && size !== expected) {
    res.body.destroy();
    throw new ZimbraBackupError(`${what}: server sends ${size} bytes, expected ${expected}`, {
      code: 'ZB_SIZE_MISMATCH',
      data: { ...data, size, expectedSize: expected },
    });
  }
  res.body.on('error', (err) => counter.destroy(networkError(err, what)));
  counter.on('close', () => res.body.destroy());
  const stream = res.body.pipe(counter);
  return {
    stream,
    headers: parseItemHeaders(res.headers),
    size: size !== undefined && Number.isFinite(size) ? size : undefined,
    contentType: res.headers['content-type'],
  };
}
