/**
 * Encryption at rest end to end through the CLI entry point (issue 12): `init --encrypt`, backup,
 * undelete, check (a tampered pack and journal segment are named), purge, `key add|list|remove`,
 * `export --encrypt` -> `import`. Passwords come from the environment or files, never argv.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { runMain as cli, serverArgs, writePasswordFile } from '../helpers/cli.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function files(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

async function flip(file: string, at: (size: number) => number): Promise<void> {
  const b = await readFile(file);
  const i = at(b.length);
  b[i] = (b[i] as number) ^ 0x01;
  await writeFile(file, b);
}

describe('encrypted repository through the CLI', () => {
  it('init --encrypt, backup, undelete, check, purge, keys, export --encrypt and import', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zb-encrypt-cli-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const src = await startEmulator({ domain: 'example.test' });
    cleanups.push(() => src.close());
    const user = 'erin@example.test';
    src.createAccount(user, 'pw-erin');
    src.deliver(user, 'From: a@b.test\r\nSubject: PLAINTEXT-MARKER-one\r\n\r\none\r\n', { folderPath: '/Inbox/Keep' });
    const gone = src.deliver(user, 'From: a@b.test\r\nSubject: PLAINTEXT-MARKER-two\r\n\r\ntwo\r\n');
    const repo = join(dir, 'repo');
    const adminPw = join(dir, 'admin-pw');
    await writePasswordFile(adminPw, src.adminPassword);
    const env = { ZB_REPO_PASSWORD: 'first-repo-password' };

    expect((await cli(['init', '--repo', repo, '--encrypt'])).err).toContain('ZB_KEY_REQUIRED');
    const init = await cli(['init', '--repo', repo, '--encrypt', '--json'], env);
    expect(init.code).toBe(0);
    const firstSlot = (JSON.parse(init.out) as { keyId: string; encrypted: boolean }).keyId;
    expect(JSON.parse(init.out)).toMatchObject({ encrypted: true });

    const backupArgs = ['backup', '--repo', repo, ...serverArgs(src, adminPw), '--json'];
    const noKey = await cli(backupArgs);
    expect(noKey.code).toBe(1);
    expect(noKey.err).toContain('ZB_KEY_REQUIRED');
    const wrong = await cli(backupArgs, { ZB_REPO_PASSWORD: 'not-it' });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('ZB_KEY_INVALID');
    expect(wrong.err).not.toContain('not-it');
    expect((await cli(backupArgs, env)).code).toBe(0);
    const t1 = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    src.deleteItem(user, gone);
    expect((await cli(backupArgs, env)).code).toBe(0);
    const t2 = new Date(Date.now() + 1000).toISOString();

    // Nothing in the repository reveals a message, a folder or an account name.
    for (const f of await files(repo)) {
      const bytes = await readFile(f);
      for (const secret of ['PLAINTEXT-MARKER', 'Inbox/Keep', user])
        expect(bytes.includes(Buffer.from(secret)), `${f} holds ${secret}`).toBe(false);
    }

    const und = await cli(
      [
        'undelete',
        '--repo',
        repo,
        ...serverArgs(src),
        '--account',
        user,
        '--from',
        t1,
        '--to',
        t2,
        '--folder-name',
        'Back',
      ],
      { ...env, ZB_ADMIN_PASSWORD: src.adminPassword },
    );
    expect(und.code).toBe(0);
    expect(src.snapshot(user).items.filter((i) => i.type === 'message')).toHaveLength(2);

    const clean = await cli(['check', '--repo', repo, '--full', '--json'], env);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.out)).toMatchObject({ ok: true });
    // Retention 0 keeps every version: purge repacks the small packs of the two runs into one.
    const purge = await cli(['purge', '--repo', repo, '--retention', '0', '--json'], env);
    expect(purge.code, purge.err).toBe(0);
    expect((await cli(['check', '--repo', repo, '--full'], env)).code).toBe(0);

    // Key slots: add, list, remove (never the current one, never the last).
    const second = { ZB_REPO_PASSWORD: 'second-repo-password' };
    const add = await cli(['key', 'add', '--repo', repo, '--label', 'ops', '--json'], {
      ...env,
      ZB_NEW_REPO_PASSWORD: second.ZB_REPO_PASSWORD,
    });
    expect(add.code).toBe(0);
    const secondSlot = (JSON.parse(add.out) as { id: string }).id;
    const list = await cli(['key', 'list', '--repo', repo, '--json'], second);
    const slots = (JSON.parse(list.out) as { slots: Array<{ id: string; current: boolean; label: string }> }).slots;
    expect(slots.map((s) => [s.id, s.current, s.label])).toEqual([
      [firstSlot, false, ''],
      [secondSlot, true, 'ops'],
    ]);
    const self = await cli(['key', 'remove', '--repo', repo, '--id', secondSlot], second);
    expect(self.code).toBe(1);
    expect(self.err).toContain('ZB_CONFLICT');
    expect((await cli(['key', 'remove', '--repo', repo, '--id', firstSlot], second)).code).toBe(0);
    expect((await cli(['status', '--repo', repo], env)).err).toContain('ZB_KEY_INVALID');
    expect((await cli(['status', '--repo', repo], second)).code).toBe(0);

    // export --encrypt, then import it elsewhere (wrong or missing password refused first).
    const archive = join(dir, 'erin.tar.gz.enc');
    const ex = await cli(['export', '--repo', repo, '--out', archive, '--encrypt', '--json'], {
      ...second,
      ZB_ARCHIVE_PASSWORD: 'archive-password',
    });
    expect(ex.code).toBe(0);
    const bytes = await readFile(archive);
    expect(bytes.subarray(0, 4).toString()).toBe('ZBEA');
    expect(bytes.includes(Buffer.from('manifest'))).toBe(false);
    const dst = await startEmulator({ domain: 'elsewhere.test' });
    cleanups.push(() => dst.close());
    const dstPw = join(dir, 'dst-pw');
    await writePasswordFile(dstPw, dst.adminPassword);
    const importArgs = ['import', '--archive', archive, ...serverArgs(dst, dstPw), '--json'];
    const imNoKey = await cli(importArgs);
    expect(imNoKey.err).toContain('ZB_KEY_REQUIRED');
    const imWrong = await cli(importArgs, { ZB_ARCHIVE_PASSWORD: 'nope' });
    expect(imWrong.err).toContain('ZB_KEY_INVALID');
    expect(() => dst.snapshot(user)).toThrow(/no such account/); // nothing was provisioned
    const im = await cli(importArgs, { ZB_ARCHIVE_PASSWORD: 'archive-password' });
    expect(im.code).toBe(0);
    const msgs = (emu: Emulator) =>
      emu
        .snapshot(user)
        .items.filter((i) => i.type === 'message')
        .map((i) => i.sha256)
        .sort();
    // The archive holds the state of the last backup: the message that was not deleted.
    expect(msgs(dst)).toHaveLength(1);
    expect(msgs(src)).toContain(msgs(dst)[0]);

    // import --from-repo reads the encrypted repository with its own password variable.
    const dst2 = await startEmulator({ domain: 'third.test' });
    cleanups.push(() => dst2.close());
    await writePasswordFile(dstPw, dst2.adminPassword);
    const fromRepo = ['import', '--from-repo', repo, ...serverArgs(dst2, dstPw), '--json'];
    expect((await cli(fromRepo)).err).toContain('ZB_KEY_REQUIRED');
    const viaRepo = await cli(fromRepo, { ZB_FROM_REPO_PASSWORD: second.ZB_REPO_PASSWORD });
    expect(viaRepo.code, viaRepo.err).toBe(0);
    expect(msgs(dst2)).toEqual(msgs(dst));

    // Tampering: a flipped byte in a pack, then in a journal segment, is named by check.
    const packs = (await files(join(repo, 'packs'))).sort();
    const pack = packs[0] as string;
    const packKey = pack.slice(repo.length + 1);
    expect((await stat(pack)).size).toBeGreaterThan(100);
    await flip(pack, () => 8 + 30);
    const bad = await cli(['check', '--repo', repo, '--full'], second);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(packKey);
    expect(bad.out).toContain('authentication');
    await flip(pack, () => 8 + 30);
    const segment = (await files(join(repo, 'accounts'))).find((f) => f.includes('/journal/')) as string;
    await flip(segment, (n) => n - 3);
    const badJournal = await cli(['check', '--repo', repo], second);
    expect(badJournal.code).toBe(1);
    expect(badJournal.out).toContain(segment.slice(repo.length + 1));
  });
});
