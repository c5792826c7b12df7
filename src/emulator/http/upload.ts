/**
 * The upload servlet (`file-upload.txt`, PROTOCOL.md 5a): `POST /service/upload?fmt=raw`
 * with a plain body (Content-Type, Content-Disposition filename) or multipart/form-data (file
 * parts plus an optional `requestId` field). Answers one `text/html` line
 * `200,'<requestId|null>','<aid>'` (`fmt=raw,extended`: a JSON list), always with HTTP 200: a
 * refusal is only in the body (`401,'null'`, `413,'null'`), as FileUploadServlet.java does.
 */
import type { EmulatorState } from '../handlers/context.js';
import { SoapFault } from '../wire/soap-fault.js';
import { textReply, type HttpReply } from './reply.js';

interface FilePart {
  bytes: Buffer;
  contentType: string;
  filename: string;
}

function filenameOf(disposition: string | undefined): string | undefined {
  const m = /filename\*?=(?:"([^"]*)"|([^;\s]+))/i.exec(disposition ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Splits a multipart/form-data body into fields and files. */
export function parseMultipart(body: Buffer, boundary: string): { fields: Record<string, string>; files: FilePart[] } {
  const fields: Record<string, string> = {};
  const files: FilePart[] = [];
  const delim = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    pos += delim.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) break;
    const next = body.indexOf(delim, headEnd);
    if (next < 0) break;
    const head = body.subarray(pos, headEnd).toString('utf8');
    const data = body.subarray(headEnd + 4, next - 2);
    const disp = /content-disposition:([^\r\n]*)/i.exec(head)?.[1];
    const name = /\bname="([^"]*)"/i.exec(disp ?? '')?.[1];
    const filename = filenameOf(disp);
    if (filename !== undefined) {
      files.push({
        bytes: Buffer.from(data),
        contentType: /content-type:\s*([^\r\n]*)/i.exec(head)?.[1]?.trim() ?? 'application/octet-stream',
        filename,
      });
    } else if (name) fields[name] = data.toString('utf8');
    pos = next;
  }
  return { fields, files };
}

/** Handles one upload. */
export function handleUpload(
  state: EmulatorState,
  url: URL,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  token: string | undefined,
  expireAuth: boolean,
): HttpReply {
  const fmt = url.searchParams.get('fmt') ?? '';
  const raw = fmt.split(',').includes('raw');
  const extended = fmt.split(',').includes('extended');
  const answer = (status: number, reqId: string, payload?: string): HttpReply => {
    const line = payload === undefined ? `${status},'${reqId}'` : `${status},'${reqId}',${payload}`;
    const text = raw
      ? line
      : `<html><head><script language='javascript'>\nfunction doit() { window.parent._uploadManager.loaded(${line}); }\n</script></head><body onload='doit()'></body></html>\n`;
    // FileUploadServlet.sendResponse writes the status into the body and never sets the HTTP status.
    return textReply(200, text, 'text/html; charset=utf-8');
  };
  let accountId: string;
  try {
    if (!token || expireAuth) return answer(401, 'null');
    accountId = state.tokens.verify(token).accountId;
  } catch (err) {
    if (err instanceof SoapFault) return answer(401, 'null');
    throw err;
  }
  const ct = String(headers['content-type'] ?? 'application/octet-stream');
  let files: FilePart[];
  let reqId = 'null';
  const boundary = /^multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
  if (boundary) {
    const parsed = parseMultipart(body, boundary[1] ?? boundary[2] ?? '');
    files = parsed.files;
    const rid = parsed.fields['requestId'];
    if (rid !== undefined && /^[a-zA-Z0-9_.-]+$/.test(rid)) reqId = rid;
  } else {
    const disposition = headers['content-disposition'];
    files = [
      {
        bytes: body,
        contentType: ct,
        filename: filenameOf(Array.isArray(disposition) ? disposition[0] : disposition) ?? '',
      },
    ];
  }
  if (files.length === 0) return answer(204, reqId);
  // FileUploadServlet.getFileUploadMaxSize: zimbraMtaMaxMessageSize, or zimbraFileUploadMaxSize
  // with ?lbfums; a refused upload answers "413,'<reqId>'" (multipart) or "413,'null'" (plain).
  const limit = url.searchParams.has('lbfums')
    ? state.uploadLimits.fileUploadMaxSize
    : state.uploadLimits.mtaMaxMessageSize;
  if (limit > 0 && files.some((f) => f.bytes.length > limit)) return answer(413, boundary ? reqId : 'null');
  const ups = files.map((f) => state.uploads.put(accountId, f.bytes, f.contentType, f.filename));
  if (extended)
    return answer(
      200,
      reqId,
      JSON.stringify(ups.map((u) => ({ aid: u.aid, ct: u.contentType, filename: u.filename, s: u.bytes.length }))),
    );
  return answer(200, reqId, `'${ups.map((u) => u.aid).join(',')}'`);
}
