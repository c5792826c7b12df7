import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { main } from '../../src/cli/main.js';
import { Journal } from '../../src/journal/journal.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { acquireLock } from '../../src/repository/lock.js';
import { restoreAccount } from '../../src/restore/index.js';
import { parseDigest } from '../../src/store/digest.js';
import { faultFixture, type FaultFixture } from './support/fault-fixture.js';
import { sleep } from './support/random.js';
import { serverArgs } from '../helpers/cli.js';

// Concurrency on one repository (DESIGN.md invariant 6): one writer at a time, the second one
// gets ZB_LOCK_HELD naming the holder; a crashed holder on this host does not block; readers
// (journal readers, restore) never lock and always see a consistent repository.
let fx: FaultFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function untilLocked(f: FaultFixture): Promise<void> {
  for (let i = 0; i < 2000 && (await f.repo.locks()).length === 0; i++) await sleep(5);
}

describe('two writers on one repository', () => {
  it('the second writer (library and CLI) gets ZB_LOCK_HELD naming the holder; the first completes', async () => {
    fx = await faultFixture();
    const f = fx;
    // The first run holds the lock for at least this long.
    f.emu.faults.inject({ match: { request: 'SyncRequest' }, delayMs: 600, times: 1 });
    const first = new BackupEngine({ client: f.client, repository: f.repo }).run();
    await untilLocked(f);
    const err = await new BackupEngine({ client: f.client, repository: await f.reopen() })
      .run()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ZB_LOCK_HELD',
      data: { owner: 'backup', host: hostname(), pid: process.pid, stale: false },
    });
    expect((err as Error).message).toMatch(
      new RegExp(`locked by backup on ${hostname()} \\(pid ${process.pid}, since \\d{4}-`),
    );
    const pw = join(f.dir, 'pw');
    await writeFile(pw, f.emu.adminPassword);
    let out = '';
    let errText = '';
    const code = await main(['backup', '--repo', f.repoDir, ...serverArgs(f.emu, pw), '--json'], {
      out: (t) => (out += t),
      err: (t) => (errText += t),
      env: {},
      tty: false,
    });
    expect(code).toBe(1);
    expect(errText).toMatch(/^ZB_LOCK_HELD: repository is locked by backup on /);
    expect(JSON.parse(out).error).toMatchObject({ code: 'ZB_LOCK_HELD', data: { owner: 'backup', pid: process.pid } });
    const r = await first;
    expect(r.failures).toEqual([]);
    expect(await f.repo.locks()).toEqual([]);
    expect(await f.check()).toEqual([]);
  });

  it('a live holder in another process blocks; once that process is gone, the next writer proceeds', async () => {
    fx = await faultFixture({ messages: 3 });
    const f = fx;
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const exited = new Promise((r) => holder.once('exit', r));
    const foreign = await acquireLock(f.repo.backend, { owner: 'purge', pid: holder.pid!, heartbeatMs: 60_000 });
    try {
      const blocked = await new BackupEngine({ client: f.client, repository: f.repo }).run().catch((e: unknown) => e);
      expect(blocked).toMatchObject({ code: 'ZB_LOCK_HELD', data: { owner: 'purge', pid: holder.pid, stale: false } });
      // Another host's lock is never judged by our process table: it blocks even if that pid is free here.
      const other = await acquireLock(f.repo.backend, {
        owner: 'backup',
        host: 'elsewhere.example',
        pid: 999_999,
        settleMs: 0,
      }).catch((e: unknown) => e);
      expect(other).toMatchObject({ code: 'ZB_LOCK_HELD' });
      holder.kill('SIGKILL');
      await exited;
      const r = await new BackupEngine({ client: f.client, repository: f.repo }).run();
      expect(r.failures).toEqual([]);
      expect(await f.repo.locks()).toEqual([]);
    } finally {
      holder.kill('SIGKILL');
      await foreign.release().catch(() => {});
    }
  });
});

describe('readers during a backup', () => {
  it('journal readers and a restore never see a dangling reference or a half-committed state', async () => {
    fx = await faultFixture({ messages: 30 });
    const f = fx;
    const user = f.emu.accounts().find((a) => !a.name.startsWith('admin@'))!;
    await new BackupEngine({ client: f.client, repository: f.repo }).run();
    const at = Date.now();
    const snapAt = f.emu.snapshot(user.name);
    await sleep(5);
    // Many changes, committed while readers read (slow downloads keep the backup busy).
    for (let i = 0; i < 40; i++) f.emu.deliver(user.name, `Subject: during ${i}\r\n\r\n${'d'.repeat(1000 + i)}\r\n`);
    for (const m of snapAt.items.filter((x) => x.type === 'message').slice(0, 5)) f.emu.deleteItem(user.name, m.id);
    f.emu.faults.inject({ match: { path: /^\/service\/home\// }, delayMs: 15, times: 40 });
    let done = false;
    const backup = new BackupEngine({ client: f.client, repository: await f.reopen(), itemConcurrency: 2 })
      .run()
      .finally(() => (done = true));
    const reader = await f.reopen();
    let observations = 0;
    const dangling: string[] = [];
    const reading = (async () => {
      while (!done) {
        const j = await Journal.open({ backend: reader.backend, prefix: accountPrefix(user.id), readOnly: true });
        for (const rec of j.current().items.values()) {
          if (rec.digest !== undefined && !(await reader.blobs.has(parseDigest(rec.digest))))
            dangling.push(`${rec.id} ${rec.digest}`);
        }
        await j.close();
        observations++;
      }
    })();
    const target = `copy-${Date.now()}@faults.test`;
    const restored = await restoreAccount({
      repository: reader,
      client: f.client,
      account: user.id,
      at,
      toAccount: target,
    });
    const r = await backup;
    await reading;
    expect(r.failures).toEqual([]);
    expect(dangling).toEqual([]);
    expect(observations).toBeGreaterThan(1);
    expect(restored.failures).toEqual([]);
    // The restore read the repository while it was being written: it still reproduced time `at`.
    const digests = (s: typeof snapAt): string[] =>
      s.items
        .filter((i) => i.type === 'message')
        .map((i) => i.sha256 ?? '')
        .sort();
    expect(digests(f.emu.snapshot(target))).toEqual(digests(snapAt));
    // The restore created an account after the backup listed them: one more pass takes it in.
    expect((await new BackupEngine({ client: f.client, repository: await f.reopen() }).run()).failures).toEqual([]);
    expect(await f.check()).toEqual([]);
  });
});
