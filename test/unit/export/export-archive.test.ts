import { Readable, Writable } from 'node:stream';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { writeAccountIndex } from '../../../src/repository/account-index.js';
import { exportArchive } from '../../../src/export/export-archive.js';
import { stageArchive } from '../../../src/import/archive-reader.js';
import { Journal } from '../../../src/journal/journal.js';
import type { JournalRecordInput } from '../../../src/journal/types.js';
import { accountPrefix, blobLayout } from '../../../src/repository/layout.js';
import { initRepository, type Repository } from '../../../src/repository/repository.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { inPackOrder } from '../../../src/store/read-order.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';
const T1 = 1_750_000_000_000;
const T2 = T1 + 60_000;

async function put(repo: Repository, text: string): Promise<string> {
  const bytes = Buffer.from(text);
  const { digest } = await repo.blobs.put({ size: bytes.length, open: () => Readable.from([bytes]) });
  // Format v2: durable and indexed before a journal (opened here without the engine's hook) references it.
  await repo.blobs.flush();
  return digest;
}

/** The object holding a blob and the blob object's range in it (format v2: a pack). */
function placeOf(repo: Repository, digest: string): { key: string; end: number | undefined } {
  const loc = repo.blobs.packs?.locate(digest);
  if (!loc) return { key: blobLayout.key(digest as never), end: undefined };
  return { key: repo.blobs.packs!.packKey(loc.pack), end: loc.offset + loc.length };
}

const folders = (): JournalRecordInput[] => [
  { type: 'item', kind: 'folder', id: '1', name: 'USER_ROOT', folderId: '11' },
  { type: 'item', kind: 'folder', id: '2', name: 'Inbox', folderId: '1', meta: { view: 'message' } },
];

/** Three accounts in two domains; a list post shared by A and B; A changes after T1. */
async function repository(): Promise<{ repo: Repository; shared: string; late: string }> {
  const repo = await initRepository({ backend: new MemoryBackend(), compression: 'gzip' });
  const shared = await put(repo, 'From: list@x.test\r\nSubject: post\r\n\r\nto everyone\r\n');
  const own = await put(repo, 'From: a@x.test\r\nSubject: mine\r\n\r\nonly A\r\n');
  const late = await put(repo, 'From: a@x.test\r\nSubject: later\r\n\r\nafter T1\r\n');
  const commit = async (id: string, records: JournalRecordInput[], captureMs: number): Promise<void> => {
    const j = await Journal.open({ backend: repo.backend, prefix: accountPrefix(id) });
    await j.commit(records, { captureMs });
    await j.close();
  };
  const msg = (id: string, digest: string, tags: string[] = []): JournalRecordInput => ({
    type: 'item',
    kind: 'message',
    id,
    folderId: '2',
    digest,
    size: 40,
    flags: 'u',
    tags,
    dateMs: T1 - 1000,
  });
  await commit(
    A,
    [
      { type: 'account', attrs: { displayName: 'Ann', zimbraPrefTimeZoneId: 'Europe/Paris' } },
      ...folders(),
      msg('257', shared, ['list']),
      msg('258', own),
    ],
    T1 - 10,
  );
  await commit(A, [msg('259', late)], T2);
  await commit(B, [{ type: 'account', attrs: { displayName: 'Bob' } }, ...folders(), msg('257', shared)], T1 - 10);
  await commit(C, [{ type: 'account', attrs: { displayName: 'Cy' } }, ...folders()], T1 - 10);
  await writeAccountIndex(repo.backend, [
    { id: A, name: 'ann@x.test', firstSeenMs: T1, lastSeenMs: T2 },
    { id: B, name: 'bob@x.test', firstSeenMs: T1, lastSeenMs: T2 },
    { id: C, name: 'cy@y.test', firstSeenMs: T1, lastSeenMs: T2 },
  ]);
  return { repo, shared, late };
}

async function run(
  opts: Omit<Parameters<typeof exportArchive>[0], 'out'>,
): Promise<{ bytes: Buffer; result: Awaited<ReturnType<typeof exportArchive>> }> {
  const chunks: Buffer[] = [];
  const result = await exportArchive({
    ...opts,
    out: new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
  });
  return { bytes: Buffer.concat(chunks), result };
}

async function entries(archive: Buffer): Promise<Array<{ name: string; body: Buffer; header: tar.Header }>> {
  const out: Array<{ name: string; body: Buffer; header: tar.Header }> = [];
  const ex = tar.extract();
  Readable.from([archive]).pipe(ex as unknown as Writable);
  for await (const e of ex) {
    const parts: Buffer[] = [];
    for await (const c of e) parts.push(c as Buffer);
    out.push({ name: e.header.name, body: Buffer.concat(parts), header: e.header });
  }
  return out;
}

describe('exportArchive', () => {
  it('writes the state at `at`, each blob once, with fixed headers, and is byte-identical across runs', async () => {
    const { repo, shared, late } = await repository();
    const one = await run({ repo, at: T1, compression: 'none' });
    const two = await run({ repo, at: T1, compression: 'none' });
    expect(one.bytes.equals(two.bytes)).toBe(true);
    const es = await entries(one.bytes);
    expect(es.map((e) => e.name)).toEqual([
      'manifest.json',
      'directory.ldif',
      `accounts/${A}/state.jsonl`,
      `accounts/${B}/state.jsonl`,
      `accounts/${C}/state.jsonl`,
      // Blobs in pack order (pack id, offset), which is what the export reads sequentially;
      // the packs' ids are random, so this is not the digest order.
      ...(
        await inPackOrder(
          repo.blobs,
          es.filter((e) => e.name.startsWith('blobs/')).map((e) => e.name.slice('blobs/'.length)),
          (d) => d,
        )
      ).map((d) => `blobs/${d}`),
    ]);
    expect(new Set(es.map((e) => e.name)).size).toBe(es.length);
    expect(es.filter((e) => e.name === `blobs/${shared}`)).toHaveLength(1);
    expect(es.some((e) => e.name === `blobs/${late}`)).toBe(false);
    for (const e of es)
      expect([e.header.mtime?.getTime(), e.header.uid, e.header.gid, e.header.mode, e.header.type]).toEqual([
        Math.floor(T1 / 1000) * 1000,
        0,
        0,
        0o644,
        'file',
      ]);
    const m = JSON.parse(es[0]!.body.toString()) as {
      members: Array<{ name: string; sha256: string }>;
      directory: { source: string };
      atMs: number;
    };
    expect(m.atMs).toBe(T1);
    expect(m.directory.source).toBe('journal');
    // Synthesized directory: both domains, each account with its attributes.
    const ldif = es[1]!.body.toString();
    expect(ldif).toContain('zimbraDomainName: x.test');
    expect(ldif).toContain('displayName: Ann');
    const later = await run({ repo, at: T2 + 1, compression: 'none' });
    expect((await entries(later.bytes)).some((e) => e.name === `blobs/${late}`)).toBe(true);
    expect(later.bytes.equals(one.bytes)).toBe(false);
    // gzip output is as deterministic as the tar inside it.
    expect((await run({ repo, at: T1 })).bytes.equals((await run({ repo, at: T1 })).bytes)).toBe(true);
  });

  it('selects by account and domain, and round-trips through the stager', async () => {
    const { repo } = await repository();
    const byDomain = await run({ repo, at: T2, domains: ['y.test'], compression: 'none' });
    expect(byDomain.result.manifest.accounts.map((a) => a.name)).toEqual(['cy@y.test']);
    const byName = await run({ repo, at: T2, accounts: ['BOB@x.test', A] });
    expect(byName.result.manifest.accounts.map((a) => a.name)).toEqual(['ann@x.test', 'bob@x.test']);
    expect(byName.result.manifest.accounts[0]!.counts['message']).toBe(3);
    await expect(run({ repo, accounts: ['nobody@x.test'] })).rejects.toMatchObject({ code: 'ZB_NOT_FOUND' });
    const staging = await initRepository({ backend: new MemoryBackend(), compression: 'none' });
    const dir = await mkdtemp(join(tmpdir(), 'zb-export-unit-'));
    try {
      const staged = await stageArchive({ archive: Readable.from([byName.bytes]), staging, tmpDir: dir });
      expect(staged.manifest.accounts).toEqual(byName.result.manifest.accounts);
      const j = await Journal.open({ backend: staging.backend, prefix: accountPrefix(A), readOnly: true });
      const src = await Journal.open({ backend: repo.backend, prefix: accountPrefix(A), readOnly: true });
      const strip = (m: ReadonlyMap<string, { captureMs: number }>): unknown[] =>
        [...m.values()].map(({ captureMs: _c, ...r }) => r);
      expect(strip(j.current().items)).toEqual(strip((await src.stateAt(T2)).items));
      expect(j.current().account?.attrs).toEqual({ displayName: 'Ann', zimbraPrefTimeZoneId: 'Europe/Paris' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops on a corrupt or missing blob, naming it', async () => {
    const { repo, shared } = await repository();
    const { key, end } = placeOf(repo, shared);
    const stored = Buffer.concat(await (await repo.backend.get(key)).toArray());
    stored[(end ?? stored.length) - 5]! ^= 0xff;
    await repo.backend.put(key, { size: stored.length, open: () => Readable.from([stored]) });
    const err = await run({ repo, at: T1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ data: { digest: shared } });
    expect(['ZB_DIGEST_MISMATCH', 'ZB_REPOSITORY_CORRUPT', 'ZB_SIZE_MISMATCH']).toContain(
      (err as { code: string }).code,
    );
    expect((err as Error).message).toContain(shared);
    await repo.backend.delete(key);
    await expect(run({ repo, at: T1 })).rejects.toMatchObject({ code: 'ZB_BLOB_NOT_FOUND', data: { digest: shared } });
  });

  it('validates its options', async () => {
    const { repo } = await repository();
    await expect(run({ repo, at: -1 })).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
    await expect(run({ repo, compression: 'zip' as never })).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
  });
});
