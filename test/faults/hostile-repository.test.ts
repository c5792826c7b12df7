import { readFile, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { Journal } from '../../src/journal/journal.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { openRepository } from '../../src/repository/repository.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { faultFixture, treeOf, type FaultFixture } from './support/fault-fixture.js';
import { committedRecords, lostRecords } from './support/verify-repository.js';
import { runMain as cli, serverArgs } from '../helpers/cli.js';

// Corrupt FORMAT objects and journals (DESIGN.md invariants 2 and 7): opening is a clear typed
// error, never a silent rewrite; a damaged journal fails its account only, and is left as found.
let fx: FaultFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const FORMATS: Array<[string, string | Buffer, string]> = [
  ['garbage bytes', Buffer.from([0xff, 0x00, 0xfe, 0x7b, 0x22]), 'ZB_REPOSITORY_CORRUPT'],
  ['an empty file', '', 'ZB_REPOSITORY_CORRUPT'],
  ['a JSON array', '[1,2]', 'ZB_REPOSITORY_CORRUPT'],
  ['another tool', JSON.stringify({ format: 'restic', version: 2 }), 'ZB_NOT_A_REPOSITORY'],
  [
    'a newer version',
    JSON.stringify({ format: 'zimbra-backup', version: 99, id: 'x', compression: 'gzip' }),
    'ZB_FORMAT_UNSUPPORTED',
  ],
  ['a string version', JSON.stringify({ format: 'zimbra-backup', version: '1' }), 'ZB_REPOSITORY_CORRUPT'],
  ['a huge FORMAT', Buffer.alloc(3 * 1024 * 1024, 0x20), 'ZB_REPOSITORY_CORRUPT'],
  [
    'an unknown codec',
    JSON.stringify({
      format: 'zimbra-backup',
      version: 1,
      id: 'x',
      created: 'now',
      compression: 'lz4',
      gzipLevel: 6,
      blobLayout: 'sha256-fanout-2-2',
    }),
    'ZB_',
  ],
];

describe('corrupt FORMAT objects', () => {
  let shared: FaultFixture;
  let original: Buffer;
  beforeAll(async () => {
    shared = await faultFixture({ messages: 2 });
    await new BackupEngine({ client: shared.client, repository: shared.repo }).run();
    original = await readFile(join(shared.repoDir, 'FORMAT'));
    await writeFile(join(shared.dir, 'pw'), shared.emu.adminPassword);
  });
  afterAll(async () => {
    await shared.close();
  });

  it.each(FORMATS)('%s: a typed error on open and from the CLI; FORMAT left untouched', async (_name, body, code) => {
    const formatPath = join(shared.repoDir, 'FORMAT');
    await writeFile(formatPath, body);
    try {
      const treeBefore = await treeOf(shared.repoDir);
      const err = await openRepository({ backend: new LocalBackend({ root: shared.repoDir }) }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: expect.stringMatching(new RegExp(`^${code}`)) });
      const r = await cli([
        'backup',
        '--repo',
        shared.repoDir,
        ...serverArgs(shared.emu, join(shared.dir, 'pw')),
        '--json',
      ]);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(new RegExp(`^${code}[A-Z_]*: `));
      expect(JSON.parse(r.out.trim()).error.code).toMatch(new RegExp(`^${code}`));
      expect(Buffer.compare(await readFile(formatPath), Buffer.from(body))).toBe(0);
      expect(await treeOf(shared.repoDir)).toEqual(treeBefore);
    } finally {
      await writeFile(formatPath, original);
    }
  });
});

/** A repository with several journal segments for the seeded account. */
async function withSegments(): Promise<{ fx: FaultFixture; userId: string; segments: string[] }> {
  const f = await faultFixture({ messages: 4 });
  fx = f;
  const user = f.emu.accounts().find((a) => !a.name.startsWith('admin@'))!;
  for (let i = 0; i < 4; i++) {
    f.emu.deliver(user.name, `Subject: s${i}\r\n\r\nsegment ${i}\r\n`);
    await new BackupEngine({ client: f.client, repository: f.repo }).run();
  }
  const segments = (await treeOf(f.repoDir)).filter(
    (p) => p.startsWith(`${accountPrefix(user.id)}`) && p.endsWith('.jsonl'),
  );
  expect(segments.length).toBeGreaterThanOrEqual(4);
  return { fx: f, userId: user.id, segments };
}

describe('corrupt journals', () => {
  it('a torn last segment is recovered on open; the next backup converges', async () => {
    const { fx: f, userId, segments } = await withSegments();
    const last = join(f.repoDir, segments.at(-1)!);
    const size = (await readFile(last)).length;
    await truncate(last, Math.floor(size / 2));
    const j = await Journal.open({
      backend: new LocalBackend({ root: f.repoDir }),
      prefix: accountPrefix(userId),
      readOnly: true,
    });
    expect(j.recovered.length).toBe(1);
    await j.close();
    const r = await new BackupEngine({ client: f.client, repository: await f.reopen() }).run();
    expect(r.failures).toEqual([]);
    expect(await f.check()).toEqual([]);
  });

  it.each([
    [
      'a flipped byte',
      async (p: string) => {
        const b = await readFile(p);
        const at = b.length >> 1;
        b[at] = (b[at] ?? 0) ^ 0x20;
        await writeFile(p, b);
      },
    ],
    ['garbage instead of records', async (p: string) => writeFile(p, '\u0000\u0000not a journal\n{"type":"item"}\n')],
    ['a missing segment', async (p: string) => unlink(p)],
  ] as const)(
    '%s in a middle segment: ZB_JOURNAL_CORRUPT for that account only; nothing is deleted',
    async (_name, damage) => {
      const { fx: f, userId, segments } = await withSegments();
      const ids = f.emu.accounts().map((a) => a.id);
      const others = ids.filter((id) => id !== userId);
      const before = await committedRecords(await f.reopen(), others);
      await damage(join(f.repoDir, segments[1]!));
      const treeBefore = await treeOf(f.repoDir);
      await expect(
        Journal.open({ backend: new LocalBackend({ root: f.repoDir }), prefix: accountPrefix(userId) }),
      ).rejects.toMatchObject({ code: 'ZB_JOURNAL_CORRUPT' });
      f.emu.deliver(f.emu.accounts().find((a) => a.id === userId)!.name, 'Subject: later\r\n\r\nx\r\n');
      const r = await new BackupEngine({ client: f.client, repository: await f.reopen() }).run();
      expect(r.failures.map((x) => x.accountId)).toEqual([userId]);
      expect(r.failures[0]!.error).toMatch(/^ZB_JOURNAL_CORRUPT: /);
      // The damaged journal is evidence: no object of it was deleted or rewritten.
      const treeAfter = await treeOf(f.repoDir);
      for (const p of treeBefore.filter((x) => x.startsWith(accountPrefix(userId)))) expect(treeAfter).toContain(p);
      expect(lostRecords(before, await committedRecords(await f.reopen(), others))).toEqual([]);
    },
  );
});
