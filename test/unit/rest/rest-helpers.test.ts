import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ByteCountStream } from '../../../src/internal/byte-count-stream.js';
import { parseItemHeaders } from '../../../src/rest/item-headers.js';
import { parseUploadResponse } from '../../../src/rest/upload-file.js';

async function drain(src: Readable, counter: ByteCountStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(src, counter, async function (source) {
    for await (const c of source) chunks.push(c as Buffer);
  });
  return Buffer.concat(chunks);
}

describe('parseUploadResponse', () => {
  it('reads the aid of the fmt=raw line', () => {
    expect(parseUploadResponse("200,'null','d8a1-server:3f2a-uuid'\n")).toBe('d8a1-server:3f2a-uuid');
    expect(parseUploadResponse("200,'req-1','a:b'")).toBe('a:b');
  });

  it('maps error statuses and garbage to typed errors', () => {
    // FileUploadServlet.sendResponse writes only "<status>,'<reqId>'" for a refused upload
    expect(() => parseUploadResponse("413,'null'\n")).toThrow(expect.objectContaining({ code: 'ZB_TOO_LARGE' }));
    expect(() => parseUploadResponse("413,'null','null'")).toThrow(expect.objectContaining({ code: 'ZB_TOO_LARGE' }));
    expect(() => parseUploadResponse("401,'null','null'")).toThrow(expect.objectContaining({ code: 'ZB_AUTH' }));
    expect(() => parseUploadResponse("200,'null','null'")).toThrow(expect.objectContaining({ code: 'ZB_PROTOCOL' }));
    expect(() => parseUploadResponse('<html>error</html>')).toThrow(expect.objectContaining({ code: 'ZB_PROTOCOL' }));
  });
});

describe('parseItemHeaders', () => {
  it('maps X-Zimbra-* headers to readable fields', () => {
    expect(
      parseItemHeaders({
        'x-zimbra-itemid': '257',
        'x-zimbra-folderid': '2',
        'x-zimbra-flags': 'uf',
        'x-zimbra-tags': '64,65',
        'x-zimbra-tag-names': 'work,caf%C3%A9',
        'x-zimbra-received': '1700000000000',
        'x-zimbra-modified': '1700000100000',
        'x-zimbra-change': '1290',
        'x-zimbra-revision': '1288',
        'x-zimbra-conv': '-257',
        'x-zimbra-itemtype': 'message',
      }),
    ).toEqual({
      itemId: '257',
      folderId: '2',
      flags: 'uf',
      tagIds: ['64', '65'],
      tagNames: ['work', 'café'],
      receivedMs: 1700000000000,
      modifiedMs: 1700000100000,
      change: 1290,
      revision: 1288,
      conversationId: '-257',
      itemType: 'message',
    });
    expect(parseItemHeaders({})).toEqual({});
  });
});

describe('ByteCountStream', () => {
  it('passes bytes through and counts them', async () => {
    const c = new ByteCountStream({ expectedSize: 6, maxBytes: 6 });
    expect((await drain(Readable.from([Buffer.from('abc'), Buffer.from('def')]), c)).toString()).toBe('abcdef');
    expect(c.bytes).toBe(6);
  });

  it('errors with ZB_TOO_LARGE instead of truncating', async () => {
    await expect(
      drain(Readable.from([Buffer.from('abc'), Buffer.from('def')]), new ByteCountStream({ maxBytes: 4 })),
    ).rejects.toMatchObject({ code: 'ZB_TOO_LARGE' });
  });

  it('errors with ZB_SIZE_MISMATCH when short or long', async () => {
    await expect(
      drain(Readable.from([Buffer.from('abc')]), new ByteCountStream({ expectedSize: 4, data: { itemId: '1' } })),
    ).rejects.toMatchObject({ code: 'ZB_SIZE_MISMATCH', data: { itemId: '1', bytes: 3, expectedSize: 4 } });
    await expect(
      drain(Readable.from([Buffer.from('abcde')]), new ByteCountStream({ expectedSize: 4 })),
    ).rejects.toMatchObject({ code: 'ZB_SIZE_MISMATCH' });
  });
});
