/**
 * Upload servlet (`/service/upload?fmt=raw`, FileUploadServlet; PROTOCOL.md 5a): sends one file and
 * returns its upload id (aid), to be consumed by AddMsg/SetAppointment/CreateContact within 15 min.
 * @module
 */
import type { Readable } from 'node:stream';
import { ZimbraBackupError } from '../errors.js';
import type { SoapConnection } from '../soap/soap-connection.js';
import type { AccountSelector } from '../soap/transports/transport.js';
import { openRest, restFailure } from './rest-request.js';
import { parseUploadStatus, uploadStatusError } from './upload-status.js';

/** Options of {@link uploadFile}. */
export interface UploadFileOptions {
  /** Mailbox the upload is for: as admin, the upload is made with the admin token on the admin port. */
  account?: string | AccountSelector;
  /** The bytes; a Buffer can be retried, a stream cannot. */
  body: Readable | Buffer;
  /** Content type, e.g. `message/rfc822`. */
  contentType: string;
  /** File name sent in Content-Disposition. */
  filename: string;
  /** Byte length of a streamed body (sent as Content-Length when known). */
  size?: number;
  /** Deadline until the response and longest silence, in ms. Default: the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Aborts the upload. */
  signal?: AbortSignal;
}

/**
 * Parses the servlet's one-line `fmt=raw` answer (`200,'reqId','aid'`; several files: comma list)
 * and returns the upload id; a refused upload (status in the body, HTTP 200) throws its typed error.
 */
export function parseUploadResponse(text: string): string {
  const s = parseUploadStatus(text);
  const err = uploadStatusError(s);
  if (err) throw err;
  return s.files.map((f) => f.aid).join(',');
}

function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * Uploads one file and resolves to its upload id (`<serverId>:<uuid>`).
 * @throws `ZB_TOO_LARGE` (over the server limit), `ZB_AUTH`, `ZB_PROTOCOL`, `ZB_TRANSPORT`, `ZB_TIMEOUT`, `ZB_ABORTED`.
 */
export async function uploadFile(client: SoapConnection, opts: UploadFileOptions): Promise<string> {
  const replayable = Buffer.isBuffer(opts.body);
  const length = Buffer.isBuffer(opts.body) ? opts.body.length : opts.size;
  for (let renewed = false; ; renewed = true) {
    const status = parseUploadStatus(await uploadOnce(client, opts, replayable, length));
    if (status.status === 401 && !renewed) {
      // The servlet reports an expired token in the body with HTTP 200 (upload-status.ts): renew it;
      // a Buffer is sent again, a consumed stream cannot be, so its caller retries (data.renewed).
      client.logger.info({ op: 'upload' }, 'upload servlet refused the token; renewing once');
      const target = await client.restTarget(opts.account, opts.signal ? { signal: opts.signal } : {});
      await target.renew(opts.signal);
      if (replayable) continue;
      throw new ZimbraBackupError('upload refused: auth token expired; renewed, send the file again', {
        code: 'ZB_AUTH',
        data: { op: 'uploadFile', status: 401, renewed: true },
      });
    }
    const err = uploadStatusError(status, length);
    if (err) throw err;
    return status.files.map((f) => f.aid).join(',');
  }
}

async function uploadOnce(
  client: SoapConnection,
  opts: UploadFileOptions,
  replayable: boolean,
  length: number | undefined,
): Promise<string> {
  const res = await openRest(client, {
    account: opts.account,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    replayable,
    what: 'upload',
    build: (t) => {
      const url = new URL('/service/upload', t.baseUrl);
      url.searchParams.set('fmt', 'raw');
      if (t.admin) url.searchParams.set('admin', '1');
      return {
        method: 'POST',
        url,
        headers: {
          'content-type': opts.contentType,
          'content-disposition': contentDisposition(opts.filename),
          ...(length === undefined ? {} : { 'content-length': String(length) }),
        },
        body: opts.body,
      };
    },
  });
  if (res.status === 413) {
    res.body.resume();
    throw new ZimbraBackupError('upload larger than the server allows', {
      code: 'ZB_TOO_LARGE',
      data: { op: 'uploadFile', status: 413 },
    });
  }
  if (res.status !== 200) throw await restFailure(res, 'upload');
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of res.body as AsyncIterable<Buffer>) {
    total += c.length;
    if (total > 64 * 1024)
      throw new ZimbraBackupError('upload servlet response too long', {
        code: 'ZB_PROTOCOL',
        data: { op: 'uploadFile' },
      });
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}
