import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZimbraBackupError } from '../../../src/errors.js';
import { SpamAssassinSource, buildCorpus, defaultSpamAssassinDir } from '../../../src/emulator/seed/index.js';
import { stripMboxFromLine } from '../../../src/emulator/seed/spam-assassin.js';

describe('SpamAssassinSource', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zb-seed-sa-'));
    await mkdir(join(dir, 'easy-ham-1'));
    await mkdir(join(dir, 'spam-2'));
    await writeFile(
      join(dir, 'easy-ham-1', '00001.aa.txt'),
      'From someone@example.com  Thu Aug 22 12:36:23 2002\nSubject: ham\n\nbody\n',
    );
    await writeFile(join(dir, 'spam-2', '00002.bb.txt'), 'Subject: spam\r\n\r\nFrom the start of a body line\r\n');
    // Hostile or malformed entries in the list are ignored, never read.
    await writeFile(
      join(dir, 'file_list.json'),
      JSON.stringify(['easy-ham-1/00001.aa.txt', '../../etc/passwd.txt', '/abs/x.txt', 42, 'spam-2/00002.bb.txt']),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a dataset directory lazily, drops the mbox From_ line and leaves the rest byte-exact', async () => {
    const src = SpamAssassinSource.open(dir)!;
    expect(src.count).toBe(2);
    expect(src.id(0)).toBe('easy-ham-1/00001.aa.txt');
    expect([src.isSpam(0), src.isSpam(1)]).toEqual([false, true]);
    expect((await src.read(0)).toString()).toBe('Subject: ham\n\nbody\n');
    expect((await src.read(1)).toString()).toBe('Subject: spam\r\n\r\nFrom the start of a body line\r\n');
    await expect(src.read(5)).rejects.toMatchObject({ code: 'ZB_INVALID_ARGUMENT' });
  });

  it('reports a file removed after opening as ZB_NOT_FOUND', async () => {
    const d2 = await mkdtemp(join(tmpdir(), 'zb-seed-sa2-'));
    try {
      await writeFile(join(d2, 'file_list.json'), JSON.stringify(['easy-ham-1/gone.txt']));
      const err = await SpamAssassinSource.open(d2)!
        .read(0)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ZimbraBackupError);
      expect((err as ZimbraBackupError).code).toBe('ZB_NOT_FOUND');
    } finally {
      await rm(d2, { recursive: true, force: true });
    }
  });

  it('is absent for a missing directory or an unusable list', async () => {
    expect(SpamAssassinSource.open(join(dir, 'missing'))).toBeUndefined();
    const d3 = await mkdtemp(join(tmpdir(), 'zb-seed-sa3-'));
    try {
      await writeFile(join(d3, 'file_list.json'), '{not json');
      expect(SpamAssassinSource.open(d3)).toBeUndefined();
    } finally {
      await rm(d3, { recursive: true, force: true });
    }
  });

  it('feeds buildCorpus from an injected directory: original bytes after one Received trace field per delivery', async () => {
    const c = buildCorpus({ seed: 2, accounts: 1, messagesPerAccount: 30, attachmentShare: 0, spamAssassinDir: dir });
    expect(c.corpusSource).toBe('spamassassin');
    const files = ['Subject: ham\n\nbody\n', 'Subject: spam\r\n\r\nFrom the start of a body line\r\n'];
    const real = c.accounts[0]!.messages.filter((m) => m.origin === 'real');
    expect(real.length).toBeGreaterThan(20); // the rest is mail the account sent (always composed)
    const raws = await Promise.all(real.map(async (m) => (await m.raw()).toString()));
    const used = new Set<string>();
    for (const raw of raws) {
      const file = files.find((f) => raw.endsWith(f));
      expect(file).toBeDefined();
      used.add(file!);
      const eol = file!.includes('\r\n') ? '\r\n' : '\n';
      const trace = raw.slice(0, raw.length - file!.length);
      expect(trace).toMatch(
        new RegExp(
          `^Received: from mx1\\.example\\.test \\(.*\\)${eol}\\tby mail\\.example\\.test \\(Postfix\\) with ESMTP id [0-9A-F]+${eol}\\tfor <user1@example\\.test>; \\w{3}, \\d\\d \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d \\+0000${eol}$`,
        ),
      );
    }
    expect(used.size).toBe(2);
    // Two source messages, 20+ deliveries: every delivery still has its own bytes (no accidental dedup).
    expect(new Set(raws).size).toBe(real.length);
  });

  it('finds the installed devDependency with its 6,046 messages', () => {
    const dirDefault = defaultSpamAssassinDir();
    if (dirDefault === undefined) return; // production install: nothing to find
    expect(SpamAssassinSource.open(dirDefault)?.count).toBe(6046);
  });
});

describe('stripMboxFromLine', () => {
  it('drops only a leading From_ line', () => {
    expect(stripMboxFromLine(Buffer.from('From a@b Mon\r\nX: 1\r\n')).toString()).toBe('X: 1\r\n');
    expect(stripMboxFromLine(Buffer.from('From: a@b\n')).toString()).toBe('From: a@b\n');
    expect(stripMboxFromLine(Buffer.from('X: 1\nFrom a\n')).toString()).toBe('X: 1\nFrom a\n');
  });
});
