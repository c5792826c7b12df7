import { describe, expect, it } from 'vitest';
import { decodedBody, findPart, mimeTree } from '../../../src/emulator/model/mime-parts.js';
import { decodeWords, parseHeaders } from '../../../src/emulator/model/mime-headers.js';

const MIXED = [
  'Subject: =?utf-8?B?w6lsw6h2ZQ==?=',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  'preamble',
  '--b1',
  'Content-Type: multipart/alternative; boundary=b2',
  '',
  '--b2',
  'Content-Type: text/plain',
  '',
  'plain body',
  '--b2',
  'Content-Type: text/html',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  '<p>caf=C3=A9</p>',
  '--b2--',
  '--b1',
  'Content-Type: application/pdf; name="r.pdf"',
  'Content-Disposition: attachment; filename="r.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('%PDF-1.4 hello').toString('base64'),
  '--b1--',
  '',
].join('\r\n');

describe('MIME walker', () => {
  it('numbers parts as Zimbra does and decodes transfer encodings', () => {
    const root = mimeTree(Buffer.from(MIXED));
    expect(root.part).toBe('TEXT');
    expect(root.children.map((c) => c.part)).toEqual(['1', '2']);
    expect(root.children[0]!.children.map((c) => [c.part, c.contentType])).toEqual([
      ['1.1', 'text/plain'],
      ['1.2', 'text/html'],
    ]);
    expect(decodedBody(findPart(root, '1.1')!).toString()).toBe('plain body');
    expect(decodedBody(findPart(root, '1.2')!).toString('utf8')).toBe('<p>café</p>');
    const pdf = findPart(root, '2')!;
    expect(pdf.filename).toBe('r.pdf');
    expect(decodedBody(pdf).toString()).toBe('%PDF-1.4 hello');
  });

  it('treats a single-part message body as part 1', () => {
    const root = mimeTree(Buffer.from('Subject: x\r\n\r\nhello'));
    expect(root.part).toBe('1');
    expect(root.body.toString()).toBe('hello');
  });

  it('decodes RFC 2047 words and unfolds headers', () => {
    expect(decodeWords('=?utf-8?B?w6lsw6h2ZQ==?= =?iso-8859-1?Q?caf=E9?=')).toBe('élèvecafé');
    const h = parseHeaders(Buffer.from('Subject: a\r\n b\r\nFrom: x@y\r\n\r\nbody'));
    expect(h.get('subject')).toEqual(['a b']);
  });
});
