/**
 * The upload servlet's answer, read from its body: FileUploadServlet never sets the HTTP status
 * (store/src/java/com/zimbra/cs/service/FileUploadServlet.java `sendResponse` only writes
 * `<status>,'<requestId>'[,…]`), so a refused upload (`401,'null'`, `413,'null'`) arrives with
 * HTTP 200. `fmt=raw` gives the bare line, `fmt=raw,extended` a JSON list of uploads after it, and
 * without `raw` the line is wrapped in an HTML page (`window.parent._uploadManager.loaded(…)`).
 * Pure functions: no I/O, so they are tested on the exact strings the servlet writes.
 * @module
 */
import { ZimbraBackupError } from '../errors.js';

/** One upload of an `extended` answer (`aid`, `ct`, `filename`, `s`). */
export interface UploadedFile {
  /** Upload id to pass as `aid`. */
  aid: string;
  /** Content type, when sent. */
  contentType?: string;
  /** File name, when sent. */
  filename?: string;
  /** Size in bytes, when sent. */
  size?: number;
}

/** What the servlet's body says. */
export interface UploadStatus {
  /** The status the servlet wrote into the body (200, 204, 400, 401, 403, 413, 415, 500). */
  status: number;
  /** The request id echoed back, or `undefined` for `'null'`. */
  requestId: string | undefined;
  /** The uploads (status 200 only). */
  files: UploadedFile[];
}

function protocol(message: string, length: number): ZimbraBackupError {
  return new ZimbraBackupError(message, { code: 'ZB_PROTOCOL', data: { op: 'uploadFile', length } });
}

/** Undoes StringUtil.jsEncode for the request id and aids (only `\\'`, `\\\\`, `\\"` can occur in them). */
function jsDecode(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/**
 * Parses the servlet's body (raw line, extended JSON list, or the HTML wrapper).
 * @throws `ZB_PROTOCOL` when the body is none of the servlet's forms.
 */
export function parseUploadStatus(body: string): UploadStatus {
  const html = /_uploadManager\.loaded\(([\s\S]*)\);\s*}/.exec(body);
  const line = (html ? html[1]! : body).trim();
  const m = /^(\d{3}),'((?:[^'\\]|\\.)*)'(?:,([\s\S]*))?$/.exec(line);
  if (!m) throw protocol('malformed upload servlet response', body.length);
  const status = Number(m[1]);
  const rid = jsDecode(m[2]!);
  const rest = m[3]?.trim();
  const files: UploadedFile[] = [];
  if (status === 200) {
    if (rest === undefined || rest === '')
      throw protocol('upload servlet answered 200 without an upload id', body.length);
    if (rest.startsWith('[')) {
      let list: unknown;
      try {
        list = JSON.parse(rest);
      } catch {
        throw protocol('upload servlet extended answer is not JSON', body.length);
      }
      if (!Array.isArray(list)) throw protocol('upload servlet extended answer is not a list', body.length);
      for (const o of list as Array<Record<string, unknown>>) {
        if (typeof o?.['aid'] !== 'string') throw protocol('upload servlet extended answer without aid', body.length);
        const f: UploadedFile = { aid: o['aid'] };
        if (typeof o['ct'] === 'string') f.contentType = o['ct'];
        if (typeof o['filename'] === 'string') f.filename = o['filename'];
        if (typeof o['s'] === 'number') f.size = o['s'];
        files.push(f);
      }
    } else {
      const q = /^'((?:[^'\\]|\\.)*)'$/.exec(rest);
      if (!q) throw protocol('malformed upload id list', body.length);
      for (const aid of jsDecode(q[1]!).split(',')) if (aid !== '' && aid !== 'null') files.push({ aid });
    }
    if (files.length === 0) throw protocol('upload servlet returned no upload id', body.length);
  }
  return { status, requestId: rid === 'null' ? undefined : rid, files };
}

/**
 * The error for a refused upload (any status but 200), or `undefined` for 200. 401 is `ZB_AUTH`
 * (the caller renews its token), 413 `ZB_TOO_LARGE` naming the limits the servlet applies
 * (FileUploadServlet.getFileUploadMaxSize: `zimbraMtaMaxMessageSize`, or `zimbraFileUploadMaxSize`
 * with `lbfums`; in 10.x also the account's `zimbraMailAttachmentMaxSize` /
 * `zimbraFileUploadMaxSizePerFile`).
 */
export function uploadStatusError(s: UploadStatus, size?: number): ZimbraBackupError | undefined {
  const data = { op: 'uploadFile', status: s.status, ...(size !== undefined ? { size } : {}) };
  switch (s.status) {
    case 200:
      return undefined;
    case 401:
    case 403:
      return new ZimbraBackupError(`upload refused: auth token not accepted by the upload servlet (${s.status})`, {
        code: 'ZB_AUTH',
        data,
      });
    case 413:
      return new ZimbraBackupError(
        `upload larger than the server allows${size !== undefined ? ` (${size} bytes)` : ''}: raise zimbraMtaMaxMessageSize ` +
          `(zimbraFileUploadMaxSize for uploads with lbfums; in Zimbra 10 also the account's zimbraMailAttachmentMaxSize)`,
        { code: 'ZB_TOO_LARGE', data },
      );
    case 204:
      return new ZimbraBackupError('upload servlet received no file (204)', { code: 'ZB_PROTOCOL', data });
    default:
      return new ZimbraBackupError(`upload refused with status ${s.status}`, { code: 'ZB_TRANSPORT', data });
  }
}
