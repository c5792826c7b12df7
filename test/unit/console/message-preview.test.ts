/** Message preview: parsing, sanitising (scripts, handlers, forms, remote content), cid images, limits. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { messageAttachment, messagePreview, sanitizeMessageHtml } from '../../../src/catalog/message-preview.js';

const png = Buffer.from('89504e470d0a1a0a', 'hex');

function mail(html: string): string {
  return [
    'From: "Ann" <ann@example.test>',
    'To: bob@example.test',
    'Subject: =?UTF-8?Q?R=C3=A9union?=',
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    'Content-Type: multipart/related; boundary="r"',
    '',
    '--r',
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    '--r',
    'Content-Type: image/png',
    'Content-ID: <logo@x>',
    'Content-Transfer-Encoding: base64',
    '',
    png.toString('base64'),
    '--r--',
    '',
  ].join('\r\n');
}

describe('messagePreview', () => {
  it('decodes headers and keeps cid images as data: URIs', async () => {
    const p = await messagePreview(Readable.from([Buffer.from(mail('<p>Hi <img src="cid:logo@x"></p>'))]));
    expect(p.subject).toBe('Réunion');
    expect(p.from).toBe('Ann <ann@example.test>');
    expect(p.date).toBe('2026-12-01T10:00:00.000Z');
    expect(p.html).toContain(`src="data:image/png;base64,${png.toString('base64')}"`);
    expect(p.remoteContentBlocked).toBe(false);
    expect(p.attachments).toHaveLength(1);
    const a = await messageAttachment(Readable.from([Buffer.from(mail('x'))]), 0);
    expect(Buffer.from(a.bytes).equals(png)).toBe(true);
  });

  it('refuses messages over the size limit instead of truncating them', async () => {
    await expect(messagePreview(Readable.from([Buffer.alloc(2000, 65)]), 1000)).rejects.toMatchObject({
      code: 'ZB_TOO_LARGE',
    });
  });
});

describe('sanitizeMessageHtml', () => {
  it.each([
    ['<script>alert(1)</script><p>ok</p>', '<script'],
    ['<img src=x onerror="alert(1)">', 'onerror'],
    ['<a href="javascript:alert(1)">x</a>', 'javascript:'],
    ['<form action="https://evil.test"><input></form>', '<form'],
    ['<iframe src="https://evil.test"></iframe>', '<iframe'],
    ['<object data="x.swf"></object>', '<object'],
    ['<svg><script>alert(1)</script></svg>', 'alert'],
    ['<meta http-equiv="refresh" content="0;url=https://evil.test">', 'refresh'],
    ['<base href="https://evil.test/">', '<base'],
    ['<img src="https://tracker.evil.test/p.gif">', 'tracker.evil.test'],
    ['<img src="//tracker.evil.test/p.gif">', 'tracker.evil.test'],
  ])('%s loses %s', (html, bad) => {
    expect(sanitizeMessageHtml(html).html.toLowerCase()).not.toContain(bad);
  });

  it('reports remote content it blocked, and keeps safe links opening elsewhere', () => {
    const r = sanitizeMessageHtml('<img src="https://t.evil.test/a.gif"><a href="https://example.test/">site</a>');
    expect(r.remoteBlocked).toBe(true);
    expect(r.html).toContain('rel="noopener noreferrer nofollow"');
    expect(r.html).toContain('target="_blank"');
  });
});
