/**
 * Upload servlet (`/service/upload?fmt=raw`, FileUploadServlet; PROTOCOL.md 5a): sends one file and
 * returns its upload id (aid), to be consumed by AddMsg/SetAppointment/CreateContact within 15 min.
 * @module
 */
import type { Readable } from 'node:stream';
import { ZimbraBackupError } from '../errors.js';
import type { SoapConnection } from '../soap/soap-connection.js';
import type { AccountSelector } from '../soap/transports/transport.js';
import { openRest, restStatusError } from './rest-request.js';

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

/** Parses the servlet's one-line `fmt=raw` answer: `200,'reqId','aid'` (several files: comma list). */
export function parseUploadResponse(text: string): string {
  const m = /^\s*(\d{3})\s*,\s*'([^']*)'\s*,\s*'([^']*)'/.exec(text);
  if (!m)
    throw new ZimbraBackupError('malformed upload servlet response', {
      code: 'ZB_PROTOCOL',
      data: { op: 'uploadFile', length: text.length },
    });
  const status = Number(m[1]);
  if (status !== 200) {
    const code = status === 413 ? 'ZB_TOO_LARGE' : status === 401 || status === 403 ? 'ZB_AUTH' : 'ZB_TRANSPORT';
    throw new ZimbraBackupError(`upload refused with status ${status}`, { code, data: { op: 'uploadFile', status } });
  }
  const aid = m[3] ?? '';
  if (aid === '' || aid === 'null')
    throw new ZimbraBackupError('upload servlet returned no upload id', {
      code: 'ZB_PROTOCOL',
      data: { op: 'uploadFile' },
    });
  return aid;
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
  if (res.status !== 200) throw restStatusError(res, 'upload');
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
  return parseUploadResponse(Buffer.concat(chunks).toString('utf8'));
}
