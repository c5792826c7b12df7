/**
 * The emulator by hand: seeded accounts by default, and `emulator-ctl` changing a mailbox over
 * ordinary SOAP (AddMsgRequest; ItemActionRequest op=delete/move/flag, as in
 * zm-mailbox service/mail/ItemAction.java) while real-time capture picks each change up.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { type Emulator } from '../../src/emulator/index.js';
import { backupFixture, journalState, type BackupFixture } from './backup-helpers.js';
import { runMain, serverArgs, writePasswordFile } from '../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zb-ctl-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cli = (argv: string[], signal?: AbortSignal) => runMain(argv, {}, signal ? { signal } : {});

async function until(pred: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('emulator by hand', () => {
  it('the emulator command seeds three accounts by default and none with --seed-accounts 0', async () => {
    for (const [args, count] of [
      [[], 3],
      [['--seed-accounts', '0'], 0],
    ] as const) {
      const stop = new AbortController();
      const pw = join(dir, `pw-${count}`);
      let ready = '';
      const running = main(['emulator', '--write-password-file', pw, ...args], {
        out: (t) => {
          ready = t;
          stop.abort();
        },
        err: () => {},
        env: {},
        tty: false,
        signal: stop.signal,
      });
      expect(await running).toBe(0);
      const line = JSON.parse(ready) as { accounts: string[]; adminPassword: string };
      expect(line.accounts.filter((a) => a.startsWith('user'))).toHaveLength(count);
      const { readFile } = await import('node:fs/promises');
      expect((await readFile(pw, 'utf8')).trim()).toBe(line.adminPassword);
    }
  });

  it('--redo-log off starts the servers with the redo log off (AllAccountsWaitSet.java: deaf all-accounts WaitSets); a bad value is refused', async () => {
    const stop = new AbortController();
    let ready = '';
    const running = main(['emulator', '--seed-accounts', '1', '--redo-log', 'off'], {
      out: (t) => {
        ready = t;
        stop.abort();
      },
      err: () => {},
      env: {},
      tty: false,
      signal: stop.signal,
    });
    expect(await running).toBe(0);
    expect((JSON.parse(ready) as { redoLog: boolean }).redoLog).toBe(false);
    const errs: string[] = [];
    const bad = await main(['emulator', '--redo-log', 'maybe'], {
      out: () => {},
      err: (t) => errs.push(t),
      env: {},
      tty: false,
      signal: new AbortController().signal,
    });
    expect(bad).not.toBe(0);
    expect(errs.join('')).toContain('--redo-log');
  });

  it('deliver, flag, move and delete reach the mailbox and real-time capture records each', async () => {
    let fx: BackupFixture | undefined;
    const stop = new AbortController();
    try {
      fx = await backupFixture();
      const { emu, client, repo } = fx as BackupFixture & { emu: Emulator };
      const acct = emu.createAccount('walt@example.test', 'pw-w');
      const pw = join(dir, 'admin.pw');
      await writePasswordFile(pw, emu.adminPassword);
      const auth = serverArgs(emu, pw);
      const engine = new BackupEngine({ client, repository: repo, waitSetTimeoutSeconds: 2 });
      const watching = engine.watch({ signal: stop.signal });

      const d = await cli([
        'emulator-ctl',
        'deliver',
        '--account',
        acct.name,
        '--subject',
        'hi there',
        '--json',
        ...auth,
      ]);
      expect(d.code, d.err).toBe(0);
      const id = String((JSON.parse(d.out) as { delivered: string }).delivered);
      const inbox = emu.snapshot(acct.name).items.find((i) => String(i.id) === id);
      expect(inbox?.folderId).toBe(2);
      await until(async () => (await journalState(repo, acct.id)).items.has(id));

      expect((await cli(['emulator-ctl', 'flag', '--account', acct.name, '--id', id, ...auth])).code).toBe(0);
      await until(async () => ((await journalState(repo, acct.id)).items.get(id)?.flags ?? '').includes('f'));

      const folder = emu.createFolder(acct.name, '/Archive');
      const m = await cli([
        'emulator-ctl',
        'move',
        '--account',
        acct.name,
        '--id',
        id,
        '--folder-id',
        String(folder),
        ...auth,
      ]);
      expect(m.code, m.err).toBe(0);
      await until(async () => (await journalState(repo, acct.id)).items.get(id)?.folderId === String(folder));

      expect((await cli(['emulator-ctl', 'delete', '--account', acct.name, '--id', id, ...auth])).code).toBe(0);
      expect(emu.snapshot(acct.name).items.some((i) => String(i.id) === id)).toBe(false);
      await until(async () => !(await journalState(repo, acct.id)).items.has(id));

      // Bad input is refused before anything is sent.
      const bad = await cli(['emulator-ctl', 'delete', '--account', acct.name, '--id', '../1', ...auth]);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/--id must be item ids/);
      stop.abort();
      expect((await watching).failures).toEqual([]);
    } finally {
      stop.abort();
      await fx?.close();
    }
  }, 60_000);
});
