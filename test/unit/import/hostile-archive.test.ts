import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { importArchive } from '../../../src/import/import-archive.js';
import { stageArchive } from '../../../src/import/archive-reader.js';
import { initRepository } from '../../../src/repository/repository.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { ZimbraClient } from '../../../src/soap/zimbra-client.js';

/**
 * The hostile corpus: each case is a valid archive with one thing wrong, built here with
 * tar-stream's pack so the bytes are explicit and reviewable.
 */
const ACCOUNT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const BLOB = Buffer.from('From: a@b.test\r\nSubject: hi\r\n\r\nhello\r\n');
const DIGEST = sha(BLOB);
const LDIF = 'dn: dc=example,dc=test\nobjectClass: zimbraDomain\nzimbraDomainName: example.test\n\n';
const STATE = [
  { type: 'item', kind: 'folder', id: '1', name: 'USER_ROOT', folderId: '11', captureMs: 1000 },
  { type: 'item', kind: 'folder', id: '2', name: 'Inbox', folderId: '1', captureMs: 1000, meta: { view: 'message' } },
  {
    type: 'item',
    kind: 'message',
    id: '257',
    folderId: '2',
    digest: DIGEST,
    size: BLOB.length,
    flags: 'u',
    captureMs: 1000,
  },
]
  .map((r) => `${JSON.stringify(r)}\n`)
  .join('');

interface Member {
  name: string;
  body?: Buffer | string;
  header?: Partial<tar.Header>;
}

function manifest(over: Record<string, unknown> = {}, state = STATE): Buffer {
  return Buffer.from(
    JSON.stringify({
      format: 'zimbra-backup-export',
      version: 1,
      atMs: 1_700_000_000_000,
      at: '2023-11-14T22:13:20.000Z',
      source: {},
      selection: { accounts: null, domains: null },
      directory: { source: 'dump', entries: 1 },
      accounts: [{ id: ACCOUNT, name: 'user@example.test', counts: { message: 1 }, blobs: 1, bytes: BLOB.length }],
      members: [
        { name: 'directory.ldif', size: Buffer.byteLength(LDIF), sha256: sha(LDIF) },
        { name: `accounts/${ACCOUNT}/state.jsonl`, size: Buffer.byteLength(state), sha256: sha(state) },
      ],
      blobs: { count: 1, bytes: BLOB.length },
      ...over,
    }),
  );
}

function valid(): Member[] {
  return [
    { name: 'manifest.json', body: manifest() },
    { name: 'directory.ldif', body: LDIF },
    { name: `accounts/${ACCOUNT}/state.jsonl`, body: STATE },
    { name: `blobs/${DIGEST}`, body: BLOB },
  ];
}

async function pack(members: Member[], gzip = true): Promise<Buffer> {
  const p = tar.pack();
  for (const m of members) {
    const body = Buffer.from(m.body ?? '');
    await new Promise<void>((resolve, reject) =>
      p.entry(
        { name: m.name, mtime: new Date(0), ...(m.header ?? {}) },
        m.header?.type && m.header.type !== 'file' ? Buffer.alloc(0) : body,
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  return gzip ? gzipSync(raw) : raw;
}

const insert = (at: number, m: Member): Member[] => {
  const v = valid();
  v.splice(at, 0, m);
  return v;
};

const CASES: Array<[string, () => Promise<Buffer>, string, { maxMemberBytes?: number }?]> = [
  ['a .. path', () => pack(insert(1, { name: '../evil', body: 'x' })), 'unknown-member'],
  [
    'a nested .. path',
    () => pack(insert(1, { name: `accounts/${ACCOUNT}/../../../evil`, body: 'x' })),
    'unknown-member',
  ],
  ['an absolute path', () => pack(insert(1, { name: '/tmp/evil', body: 'x' })), 'unknown-member'],
  ['a ./ prefixed name', () => pack(insert(1, { name: './directory.ldif', body: LDIF })), 'unknown-member'],
  [
    'a symlink',
    () => pack(insert(1, { name: `blobs/${'0'.repeat(64)}`, header: { type: 'symlink', linkname: '/etc/passwd' } })),
    'not-a-file',
  ],
  [
    'a hard link',
    () => pack(insert(1, { name: 'directory.ldif', header: { type: 'link', linkname: '/etc/passwd' } })),
    'not-a-file',
  ],
  [
    'a character device',
    () => pack(insert(1, { name: 'dev', header: { type: 'character-device', devmajor: 1, devminor: 3 } })),
    'not-a-file',
  ],
  ['a fifo', () => pack(insert(1, { name: 'fifo', header: { type: 'fifo' } })), 'not-a-file'],
  ['a directory entry', () => pack(insert(1, { name: 'accounts/', header: { type: 'directory' } })), 'not-a-file'],
  [
    'a duplicate state member',
    () => pack(insert(3, { name: `accounts/${ACCOUNT}/state.jsonl`, body: STATE })),
    'duplicate',
  ],
  ['a duplicate blob', () => pack([...valid(), { name: `blobs/${DIGEST}`, body: BLOB }]), 'duplicate'],
  ['a second manifest', () => pack(insert(1, { name: 'manifest.json', body: manifest() })), 'duplicate'],
  ['an unknown member', () => pack([...valid(), { name: 'notes.txt', body: 'hello' }]), 'unknown-member'],
  [
    'a blob no item references',
    () => pack([...valid(), { name: `blobs/${sha('other')}`, body: 'other' }]),
    'unknown-member',
  ],
  ['an oversized member', () => pack(valid()), 'oversized', { maxMemberBytes: 64 }],
  ['the manifest not first', () => pack([valid()[1]!, valid()[0]!, ...valid().slice(2)]), 'manifest-not-first'],
  [
    'a manifest from a newer format',
    () => pack([{ name: 'manifest.json', body: manifest({ version: 2 }) }, ...valid().slice(1)]),
    'newer-format',
  ],
  [
    'a manifest that is not JSON',
    () => pack([{ name: 'manifest.json', body: '{"format":' }, ...valid().slice(1)]),
    'not-a-manifest',
  ],
  [
    'state bytes that disagree with the manifest',
    () =>
      pack([
        ...valid().slice(0, 2),
        { name: `accounts/${ACCOUNT}/state.jsonl`, body: STATE.replace('"u"', '"f"') },
        valid()[3]!,
      ]),
    'digest-mismatch',
  ],
  [
    'a directory that disagrees with the manifest',
    () =>
      pack([valid()[0]!, { name: 'directory.ldif', body: LDIF.replace('example', 'evilcorp') }, ...valid().slice(2)]),
    'size-mismatch',
  ],
  [
    'a same-size directory edit',
    () =>
      pack([valid()[0]!, { name: 'directory.ldif', body: LDIF.replace('example', 'exampla') }, ...valid().slice(2)]),
    'digest-mismatch',
  ],
  [
    'blob bytes that disagree with the name',
    () =>
      pack([
        ...valid().slice(0, 3),
        { name: `blobs/${DIGEST}`, body: Buffer.from(BLOB.toString().replace('hello', 'HELLO')) },
      ]),
    'digest-mismatch',
  ],
  ['a referenced blob missing', () => pack(valid().slice(0, 3)), 'missing-member'],
  [
    'a listed member missing (a blob comes where it should be)',
    () => pack([valid()[0]!, ...valid().slice(2)]),
    'out-of-order',
  ],
  ['a listed member missing at the end', () => pack(valid().slice(0, 2)), 'missing-member'],
  [
    'a state line with a foreign record type',
    () => {
      const bad = `${STATE}${JSON.stringify({ type: 'resync', captureMs: 1 })}\n`;
      return pack([
        { name: 'manifest.json', body: manifest({}, bad) },
        valid()[1]!,
        { name: `accounts/${ACCOUNT}/state.jsonl`, body: bad },
        valid()[3]!,
      ]);
    },
    'bad-state',
  ],
  ['a truncated gzip stream', async () => (await pack(valid())).subarray(0, 300), 'malformed'],
  ['a tar cut inside a member', async () => (await pack(valid(), false)).subarray(0, 3 * 512 + 100), 'malformed'],
  [
    'garbage instead of tar',
    async () => Buffer.from('this is not an archive at all, not even close'.repeat(20)),
    'malformed',
  ],
];

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  return out.sort();
}

let parent: string | undefined;
afterEach(async () => {
  if (parent) await rm(parent, { recursive: true, force: true });
  parent = undefined;
});

describe('hostile archives', () => {
  it('the untouched corpus base stages cleanly (so each case below fails for its own reason)', async () => {
    const staging = await initRepository({ backend: new MemoryBackend(), compression: 'none' });
    parent = await mkdtemp(join(tmpdir(), 'zb-hostile-'));
    const r = await stageArchive({ archive: Readable.from([await pack(valid())]), staging, tmpDir: parent });
    expect(r.manifest.accounts.map((a) => a.id)).toEqual([ACCOUNT]);
    expect(await staging.blobs.has(DIGEST as never)).toBe(true);
  });

  // The client points at a closed port: touching the target would fail with ZB_TRANSPORT instead.
  const client = new ZimbraClient({ url: 'http://127.0.0.1:9', adminUrl: 'http://127.0.0.1:9', retries: 0 });

  it.each(CASES)('rejects %s', async (_name, build, reason, opts) => {
    parent = await mkdtemp(join(tmpdir(), 'zb-hostile-'));
    const workDir = join(parent, 'work');
    const err = await importArchive({ archive: Readable.from([await build()]), client, workDir, ...(opts ?? {}) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ZB_ARCHIVE_INVALID', data: { reason } });
    // Nothing outside the work directory, nothing in it but staging data; no marker (not staged).
    expect(await readdir(parent)).toEqual(['work']);
    const files = await tree(workDir);
    expect(files.every((f) => f.startsWith('repo/') || f.startsWith('tmp/'))).toBe(true);
    expect(files).not.toContain('staged.json');
  });
});
