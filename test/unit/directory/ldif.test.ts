import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  classifyEntry,
  foldLdifLine,
  formatLdifComment,
  formatLdifRecord,
  isSafeString,
  parseLdif,
  readDirectoryDump,
  writeDirectoryLdif,
  type DirectoryEntry,
  type LdifRecord,
} from '../../../src/directory/index.js';
import { isZimbraBackupError } from '../../../src/errors.js';

async function parseAll(text: string | Buffer, chunk = 7): Promise<LdifRecord[]> {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  // Small chunks split lines and UTF-8 sequences anywhere.
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) chunks.push(buf.subarray(i, i + chunk));
  const out: LdifRecord[] = [];
  for await (const r of parseLdif(Readable.from(chunks))) out.push(r);
  return out;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isZimbraBackupError(err, code), String(err)).toBe(true);
  return err as Error;
}

const photo = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x80, 0x0a, 0x0d, 0x20,
]);

const hostile: LdifRecord = {
  dn: 'uid=équipe\\,ventes,ou=people,dc=example,dc=test',
  attributes: {
    objectClass: ['inetOrgPerson', 'zimbraAccount'],
    uid: ['équipe,ventes'],
    displayName: ['Zoë Ångström 日本語'],
    description: [
      ' leading space',
      'trailing space ',
      ':colon first',
      '<angle first',
      'line\nbreak',
      'cr\rhere',
      'nul\u0000inside',
      '',
    ],
    sn: ['x'.repeat(300)],
    thumbnailPhoto: [photo],
    userPassword: ['{SSHA}mZrWbJx0M5sS3kq4A0kYb3QmL1F0b2xkU2FsdA=='],
    constructor: ['a valid attribute name that is also an Object.prototype key'],
  },
};

describe('LDIF writer', () => {
  it('recognises RFC 2849 SAFE-STRINGs', () => {
    expect(isSafeString('plain value, with: colons and <>')).toBe(true);
    expect(isSafeString('')).toBe(true);
    for (const v of [' x', ':x', '<x', 'x ', 'a\nb', 'a\rb', 'a\u0000b', 'é', '日本'])
      expect(isSafeString(v), JSON.stringify(v)).toBe(false);
  });

  it('folds at 76 columns with one leading space per continuation', () => {
    const line = `sn: ${'abcdefghij'.repeat(20)}`;
    const folded = foldLdifLine(line).split('\n');
    expect(folded[0]).toHaveLength(76);
    for (const l of folded.slice(1)) {
      expect(l.startsWith(' ')).toBe(true);
      expect(l.length).toBeLessThanOrEqual(76);
    }
    expect(folded.map((l, i) => (i ? l.slice(1) : l)).join('')).toBe(line);
    expect(foldLdifLine('short')).toBe('short');
  });

  it('base64-encodes unsafe values and DNs, keeps safe ones readable', () => {
    const text = formatLdifRecord(hostile);
    const lines = text.split('\n');
    expect(lines[0]!.startsWith('dn:: ')).toBe(true);
    expect(text).toContain('\nobjectClass: inetOrgPerson\n');
    expect(text).toContain('\nuserPassword: {SSHA}');
    expect(text).toContain(`\nthumbnailPhoto:: ${photo.toString('base64')}\n`);
    expect(text).toContain(`\ndisplayName:: ${Buffer.from('Zoë Ångström 日本語').toString('base64')}\n`);
    expect(text).toContain('\ndescription:\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(76);
    // No raw control characters or non-ASCII reach the file.
    expect(/[^\x20-\x7e\n]/.test(text)).toBe(false);
    expect(text.endsWith('\n\n')).toBe(true);
  });

  it('refuses attribute names that could inject lines', () => {
    for (const name of ['bad name', 'x\ndn: cn=evil', 'a:b', '', '-x', '__proto__']) {
      const rec = { dn: 'cn=x', attributes: { [name]: ['v'] } } as LdifRecord;
      expect(() => formatLdifRecord(rec), name).toThrowError(expect.objectContaining({ code: 'ZB_INVALID_ARGUMENT' }));
    }
    expect(
      formatLdifRecord({ dn: 'cn=x', attributes: { 'userCertificate;binary': [photo], '2.5.4.3': ['oid'] } }),
    ).toContain('userCertificate;binary:: ');
  });

  it('writes comments as # lines, folded', () => {
    expect(formatLdifComment('a\nb')).toBe('# a\n# b\n');
    expect(formatLdifComment('y'.repeat(100)).split('\n')[1]!.startsWith(' ')).toBe(true);
  });

  it('omits operational attributes on request (ldapadd refuses them)', () => {
    const rec: LdifRecord = {
      dn: 'cn=x',
      attributes: { cn: ['x'], entryUUID: ['u'], CreateTimestamp: ['20260101000000Z'] },
    };
    const text = formatLdifRecord(rec, { omit: new Set(['entryuuid', 'createtimestamp']) });
    expect(text).toBe('dn: cn=x\ncn: x\n\n');
  });
});

describe('LDIF parser', () => {
  it('round-trips hostile DNs and values, in any chunking', async () => {
    const text = `version: 1\n# header comment\n#  folded comment\n\n${formatLdifRecord(hostile)}${formatLdifRecord({ dn: 'cn=second', attributes: { cn: ['second'] } })}`;
    for (const chunk of [1, 3, 7, 4096]) {
      const records = await parseAll(text, chunk);
      expect(records).toEqual([hostile, { dn: 'cn=second', attributes: { cn: ['second'] } }]);
      expect(Buffer.isBuffer(records[0]!.attributes['thumbnailPhoto']![0])).toBe(true);
    }
  });

  it('reads hand-written LDIF: CRLF, folded plain values, comments between records, no version line', async () => {
    const text =
      '# c\r\ndn: cn=a,dc=x\r\ncn: a\r\ndescription: one two \r\n  three\r\n\r\n\r\n# between\r\ndn: cn=b,dc=x\r\ncn: b\r\n';
    expect(await parseAll(text)).toEqual([
      { dn: 'cn=a,dc=x', attributes: { cn: ['a'], description: ['one two  three'] } },
      { dn: 'cn=b,dc=x', attributes: { cn: ['b'] } },
    ]);
  });

  it('keeps base64 bytes that are not UTF-8 as Buffers, and UTF-8 text as strings', async () => {
    const text = `dn: cn=x\ndescription:: ${Buffer.from([0xc3, 0x28]).toString('base64')}\ncn:: ${Buffer.from('Zoë').toString('base64')}\n`;
    const [r] = await parseAll(text);
    expect(r!.attributes['description']).toEqual([Buffer.from([0xc3, 0x28])]);
    expect(r!.attributes['cn']).toEqual(['Zoë']);
  });

  it('rejects change records, URL values, bad base64 and stray lines with the line number', async () => {
    const cases: Array<[string, RegExp]> = [
      ['dn: cn=x\nchangetype: delete\n', /line 2/],
      ['dn: cn=x\njpegPhoto:< file:///etc/passwd\n', /URL values/],
      ['dn: cn=x\ncn:: !!!notbase64\n', /base64/],
      ['cn: x\n', /start with "dn:"/],
      [' continuation\n', /continuation/],
      ['dn: cn=x\nno colon here\n', /name: value/],
      ['dn: cn=x\ndn: cn=y\n', /blank line/],
      ['version: 2\n', /version/],
      [`dn:: ${Buffer.from([0xff, 0xfe]).toString('base64')}\n`, /UTF-8/],
    ];
    for (const [text, msg] of cases) {
      const err = await expectCode(parseAll(text), 'ZB_PROTOCOL');
      expect(err.message, text).toMatch(msg);
    }
  });

  it('bounds the length of a logical line', async () => {
    const text = `dn: cn=x\ndescription: ${'a'.repeat(1000)}\n`;
    const run = async (): Promise<void> => {
      for await (const _ of parseLdif(Readable.from([text]), { maxLineLength: 100 })) void _;
    };
    await expectCode(run(), 'ZB_TOO_LARGE');
    const folded = `dn: cn=x\n${foldLdifLine(`description: ${'a'.repeat(1000)}`)}\n`;
    const runFolded = async (): Promise<void> => {
      for await (const _ of parseLdif(Readable.from([folded]), { maxLineLength: 100 })) void _;
    };
    await expectCode(runFolded(), 'ZB_TOO_LARGE');
  });
});

describe('directory dump files', () => {
  const entries: DirectoryEntry[] = [
    hostile,
    { dn: 'cn=default,cn=cos,cn=zimbra', attributes: { objectClass: ['zimbraCOS'], cn: ['default'] } },
  ].map((r) => ({ ...r, kind: classifyEntry(r) }));

  it('writes gzip LDIF with counts and reads it back identically (gzip detected)', async () => {
    const chunks: Buffer[] = [];
    const out = new (await import('node:stream')).Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    });
    const res = await writeDirectoryLdif(Readable.from(entries), out, { header: 'test dump' });
    const file = Buffer.concat(chunks);
    expect(file[0]).toBe(0x1f);
    expect(res.bytes).toBe(file.length);
    expect(res.summary.entries).toBe(2);
    expect(res.summary.byKind).toMatchObject({ account: 1, cos: 1, domain: 0 });
    const back: DirectoryEntry[] = [];
    for await (const e of readDirectoryDump(Readable.from([file]))) back.push(e);
    expect(back).toEqual(entries);
    const plain: DirectoryEntry[] = [];
    for await (const e of readDirectoryDump(
      Readable.from([Buffer.from(`version: 1\n\n${formatLdifRecord(entries[1]!)}`)]),
    ))
      plain.push(e);
    expect(plain).toEqual([entries[1]]);
  });

  it('reports a corrupt gzip as ZB_PROTOCOL', async () => {
    const gz = gzipSync(Buffer.from(formatLdifRecord(hostile)));
    gz[gz.length - 6] = (gz[gz.length - 6] ?? 0) ^ 0xff;
    const run = async (): Promise<void> => {
      for await (const _ of readDirectoryDump(Readable.from([gz]))) void _;
    };
    await expectCode(run(), 'ZB_PROTOCOL');
  });
});
