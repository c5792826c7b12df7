/**
 * A small MIME structure walker for GetMsg's `mp` tree and REST `part=` downloads, numbering
 * parts as Zimbra does: a multipart root is `TEXT` with children `1`, `2`...; nested parts are
 * `2.1`, `2.2`...; a single-part message's body is part `1`. Bodies are sliced, not copied.
 */
import { header, parseHeaders } from './mime-headers.js';

/** One MIME part. */
export interface MimePart {
  part: string;
  contentType: string;
  filename: string | undefined;
  disposition: string | undefined;
  encoding: string;
  /** Raw (still transfer-encoded) body. */
  body: Buffer;
  children: MimePart[];
}

function headerEnd(buf: Buffer): { end: number; bodyStart: number } {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { end: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { end: lf, bodyStart: lf + 2 };
  return { end: buf.length, bodyStart: buf.length };
}

function param(value: string | undefined, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}\\*?=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

function parse(buf: Buffer, part: string, depth: number): MimePart {
  const { end, bodyStart } = headerEnd(buf);
  const h = parseHeaders(buf.subarray(0, end + 2));
  const ctHeader = header(h, 'content-type') ?? 'text/plain';
  const contentType = (ctHeader.split(';')[0] ?? 'text/plain').trim().toLowerCase();
  const disp = header(h, 'content-disposition');
  const node: MimePart = {
    part,
    contentType,
    filename: param(disp, 'filename') ?? param(ctHeader, 'name'),
    disposition: disp?.split(';')[0]?.trim().toLowerCase(),
    encoding: (header(h, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase(),
    body: buf.subarray(bodyStart),
    children: [],
  };
  const boundary = param(ctHeader, 'boundary');
  if (contentType.startsWith('multipart/') && boundary && depth < 20) {
    const delim = Buffer.from(`--${boundary}`);
    const body = node.body;
    let pos = body.indexOf(delim);
    let n = 0;
    while (pos >= 0) {
      let start = pos + delim.length;
      if (body.subarray(start, start + 2).toString() === '--') break;
      start = body.indexOf('\n', start) + 1;
      if (start <= 0) break;
      const next = body.indexOf(delim, start);
      let stop = next < 0 ? body.length : next;
      if (body[stop - 1] === 0x0a) stop--;
      if (body[stop - 1] === 0x0d) stop--;
      n++;
      const childId = part === 'TEXT' ? String(n) : `${part}.${n}`;
      node.children.push(parse(body.subarray(start, Math.max(start, stop)), childId, depth + 1));
      if (next < 0) break;
      pos = next;
    }
  }
  return node;
}

/** Parses a raw message into its part tree. */
export function mimeTree(raw: Buffer): MimePart {
  const { end } = headerEnd(raw);
  const ct = header(parseHeaders(raw.subarray(0, end + 2)), 'content-type') ?? '';
  return parse(raw, ct.toLowerCase().includes('multipart/') ? 'TEXT' : '1', 0);
}

/** Finds a part by Zimbra part id. */
export function findPart(root: MimePart, id: string): MimePart | undefined {
  if (root.part === id) return root;
  for (const c of root.children) {
    const hit = findPart(c, id);
    if (hit) return hit;
  }
  return undefined;
}

/** The part's content with its transfer encoding removed. */
export function decodedBody(p: MimePart): Buffer {
  if (p.encoding === 'base64') return Buffer.from(p.body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (p.encoding === 'quoted-printable') {
    const s = p.body.toString('latin1').replace(/=\r?\n/g, '');
    return Buffer.from(
      s.replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
  }
  return p.body;
}
