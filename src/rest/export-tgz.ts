/**
 * Whole-mailbox export as `fmt=tgz` (ArchiveFormatter; PROTOCOL.md 4b): the baseline common
 * scripts use, and the input of `import`.
 * @module
 */
import type { Readable } from 'node:stream';
import { networkError } from '../soap/http/errors.js';
import type { SoapConnection } from '../soap/soap-connection.js';
import type { AccountSelector } from '../soap/transports/transport.js';
import { ByteCountStream } from '../internal/byte-count-stream.js';
import { openRest, restFailure } from './rest-request.js';

/** Options of {@link exportTgz}. */
export interface ExportTgzOptions {
  /** The mailbox (as admin: required). Default: the user's own. */
  account?: string | AccountSelector;
  /** Only items matching this search query. */
  query?: string;
  /** Only these types (comma list: message, contact, appointment...). */
  types?: string;
  /** Include `.meta` JSON per item (default true). */
  meta?: boolean;
  /** Take a consistent snapshot (`lock=1`; blocks the mailbox while exporting). */
  lock?: boolean;
  /** Fail with `ZB_TOO_LARGE` past this many bytes. Default: no bound. */
  maxBytes?: number;
  /** Longest silence allowed while the archive streams, in ms. Default: the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Aborts the export. */
  signal?: AbortSignal;
}

/**
 * Opens the `fmt=tgz` archive of a mailbox as a byte stream.
 * @throws `ZB_AUTH`, `ZB_TRANSPORT`, `ZB_TIMEOUT`, `ZB_ABORTED`; the stream errors with `ZB_TOO_LARGE` or `ZB_TRANSPORT`.
 */
export async function exportTgz(client: SoapConnection, opts: ExportTgzOptions = {}): Promise<Readable> {
  const res = await openRest(client, {
    account: opts.account,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    replayable: true,
    what: 'export tgz',
    build: (t) => {
      const url = new URL(`/service/home/${t.accountPath}/`, t.baseUrl);
      url.searchParams.set('fmt', 'tgz');
      if (opts.query !== undefined) url.searchParams.set('query', opts.query);
      if (opts.types !== undefined) url.searchParams.set('types', opts.types);
      if (opts.meta === false) url.searchParams.set('meta', '0');
      if (opts.lock) url.searchParams.set('lock', '1');
      return { method: 'GET', url };
    },
  });
  if (res.status !== 200) throw await restFailure(res, 'export tgz');
  const len = res.headers['content-length'];
  const counter = new ByteCountStream({
    ...(opts.maxBytes === undefined ? {} : { maxBytes: opts.maxBytes }),
    ...(len === undefined || !Number.isFinite(Number(len)) ? {} : { expectedSize: Number(len) }),
    data: { op: 'exportTgz' },
  });
  res.body.on('error', (err) => counter.destroy(networkError(err, 'export tgz')));
  counter.on('close', () => res.body.destroy());
  return res.body.pipe(counter);
}
