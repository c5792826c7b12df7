/**
 * Many items in one request: `GET /service/home/<account>/?fmt=tar&list=<id,id,…>`
 * (ArchiveFormatter.java with UserServletContext's `list`; PROTOCOL.md 4b). Uncompressed on
 * purpose: the caller compresses what it stores, and a gzip layer would cost the server and us CPU.
 *
 * The archive holds, per item in list order, `<name>.meta` (ItemData JSON with the id, size and
 * blob digest) then `<name>` (the blob). It can end early without an error (the server stops at an
 * id that no longer resolves) and is answered 204 when it would be empty: callers map entries to
 * ids through the `.meta` JSON and fetch whatever is missing another way.
 * @module
 */
import { Readable } from 'node:stream';
import { ZimbraBackupError } from '../errors.js';
import { networkError } from '../soap/http/errors.js';
import type { SoapConnection } from '../soap/soap-connection.js';
import type { AccountSelector } from '../soap/transports/transport.js';
import { ByteCountStream } from '../internal/byte-count-stream.js';
import { openRest, restFailure } from './rest-request.js';

/** Options of {@link exportItemsTar}. */
export interface ExportItemsTarOptions {
  /** The mailbox (as admin: required). Default: the user's own. */
  account?: string | AccountSelector;
  /** Item ids (plain numbers, as the mailbox's own). At least one. */
  ids: readonly string[];
  /** Longest silence allowed while the archive streams, in ms. Default: the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Aborts the request and the stream. */
  signal?: AbortSignal;
}

const ID = /^\d+$/;

/**
 * Opens the tar archive of the listed items as a byte stream (empty when the server has none of them).
 * @throws `ZB_INVALID_ARGUMENT` for an empty list or an id that is not a plain number; `ZB_AUTH`,
 *   `ZB_TRANSPORT`, `ZB_TIMEOUT`, `ZB_ABORTED`, `AccountInactiveError`; the stream errors with `ZB_TRANSPORT`.
 */
export async function exportItemsTar(client: SoapConnection, opts: ExportItemsTarOptions): Promise<Readable> {
  if (opts.ids.length === 0 || !opts.ids.every((id) => ID.test(id)))
    throw new ZimbraBackupError('exportItemsTar wants one or more plain numeric item ids', {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'ids' },
    });
  const what = `export ${opts.ids.length} items as tar`;
  const res = await openRest(client, {
    account: opts.account,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    replayable: true,
    what,
    build: (t) => {
      const url = new URL(`/service/home/${t.accountPath}/`, t.baseUrl);
      url.searchParams.set('fmt', 'tar');
      url.searchParams.set('list', opts.ids.join(','));
      return { method: 'GET', url };
    },
  });
  if (res.status === 204) {
    res.body.resume();
    return Readable.from([]);
  }
  if (res.status !== 200) throw await restFailure(res, what);
  // Network errors of the body surface as typed transport errors on the stream the caller reads.
  const counter = new ByteCountStream({ data: { op: 'exportItemsTar' } });
  res.body.on('error', (err) => counter.destroy(networkError(err, what)));
  counter.on('close', () => res.body.destroy());
  return res.body.pipe(counter);
}
