/**
 * Capture and retention together (issue 15): real-time capture keeps running while purge and
 * `check --repair` run in the same process through `BackupEngine.exclusive`, and mail keeps
 * arriving, moving and being deleted on the server meanwhile.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { initRepository } from '../../src/repository/repository.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import type { AccountRunResult } from '../../src/backup/account-backup.js';
import { Journal } from '../../src/journal/journal.js';
import { checkRepository } from '../../src/maintenance/check.js';
import { purgeRepository } from '../../src/maintenance/purge.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

function until(pred: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = async (): Promise<void> => {
      if (await pred()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error('timed out waiting'));
      setTimeout(() => void tick(), 20);
    };
    void tick();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('purge beside real-time capture', () => {
  it('runs purges during watch and mail traffic: nothing lost, nothing kept past retention', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    const a = emu.createAccount('ana@example.test', 'pw-a');
    const b = emu.createAccount('bob@example.test', 'pw-b');
    const runs: AccountRunResult[] = [];
    const engine = new BackupEngine({
      client,
      repository: repo,
      waitSetTimeoutSeconds: 2,
      onAccountRun: (r) => runs.push(r),
    });
    const stop = new AbortController();
    const watching = engine.watch({ signal: stop.signal });
    await until(() => engine.running && runs.length >= 2);

    // Traffic: a steady stream of deliveries, moves, flags and deletes on both accounts.
    let trafficOn = true;
    const deleted: Array<{ account: string; id: number }> = [];
    const delivered = new Map<string, number[]>([
      [a.name, []],
      [b.name, []],
    ]);
    const traffic = (async () => {
      for (let i = 0; trafficOn; i++) {
        for (const acct of [a, b]) {
          const mine = delivered.get(acct.name) as number[];
          const id = emu.deliver(acct.name, `Subject: m${i}\r\nFrom: x@example.test\r\n\r\nbody ${acct.name} ${i}\r\n`);
          mine.push(id);
          if (i % 3 === 1) emu.setFlags(acct.name, id, 'f');
          // Every other round the oldest live message goes: deletes keep arriving while purges run.
          if (i % 2 === 0 && mine.length > 3) {
            const victim = mine.shift() as number;
            emu.deleteItem(acct.name, victim);
            deleted.push({ account: acct.name, id: victim });
          }
        }
        await sleep(15);
      }
    })();

    // Several purges while capture and traffic run; each sees a short retention.
    const purges = [];
    for (let round = 0; round < 4; round++) {
      await sleep(250);
      purges.push(
        await engine.exclusive((lock) => purgeRepository({ repository: repo, retentionMs: 100, heldLock: lock })),
      );
    }
    const repair = await engine.exclusive((lock) =>
      checkRepository({ repository: repo, repair: true, heldLock: lock }),
    );
    expect(repair.ok).toBe(true);
    trafficOn = false;
    await traffic;
    expect(purges.some((p) => p.versionsRemoved + p.deletesRemoved > 0)).toBe(true);
    expect(purges.some((p) => p.blobsRemoved > 0)).toBe(true);

    // Capture catches up with the final state of the server.
    for (const acct of [a, b])
      await until(async () => diffMailbox(emu, acct.name, await journalState(repo, acct.id)).length === 0);

    // A last purge beside capture, at a known cutoff, then stop.
    await sleep(20);
    const final = await engine.exclusive((lock) =>
      purgeRepository({ repository: repo, retentionMs: 10, heldLock: lock }),
    );
    stop.abort();
    const result = await watching;
    expect(result.failures).toEqual([]);
    const cutoff = final.cutoffMs as number;

    for (const acct of [a, b]) {
      // Nothing lost: the journal equals the mailbox.
      expect(diffMailbox(emu, acct.name, await journalState(repo, acct.id))).toEqual([]);
      // Nothing kept past retention: no delete record and no superseded version at or before the cutoff.
      const j = await Journal.open({ backend: repo.backend, prefix: accountPrefix(acct.id), readOnly: true });
      try {
        const atCutoff = await j.stateAt(cutoff);
        for await (const r of j.records()) {
          if (r.captureMs > cutoff) continue;
          expect(r.type).not.toBe('delete');
          if (r.type === 'item') expect(atCutoff.items.get(r.id)?.captureMs).toBe(r.captureMs);
        }
      } finally {
        await j.close();
      }
    }
    expect(deleted.length).toBeGreaterThan(5);
    // Every referenced blob exists and verifies; no unreferenced blob survived the last purge
    // (capture was paused during it, and the later runs only add referenced blobs).
    const check = await checkRepository({ repository: repo, full: true });
    expect(check.errors).toBe(0);
    expect(check.unreferencedBlobs).toBe(0);
    // The engine released the lock: a separate purge now works.
    await purgeRepository({ repository: repo, retentionMs: 0 });
  }, 60_000);

  it('a separate CLI purge asks the watch; when the watch stops without running it, nothing is done and it says so', async () => {
    // The serving side is tested with the real CLI in purge-beside-watch.test.ts; here the "watch"
    // is a bare lock that never answers, and then goes away (repository/task-requests.ts).
    const dir = await mkdtemp(join(tmpdir(), 'zb-purge-watch-'));
    try {
      const repository = await initRepository({ backend: new LocalBackend({ root: dir }) });
      const lock = await repository.lock({ owner: 'watch' });
      let err = '';
      const ctx = { out: () => {}, err: (t: string) => (err += t), env: {}, tty: false };
      const running = main(['purge', '--repo', dir, '--retention', '30d'], ctx);
      const requests = async (): Promise<string[]> => {
        const keys: string[] = [];
        for await (const o of repository.backend.list('requests/')) keys.push(o.key);
        return keys;
      };
      for (let i = 0; (await requests()).length === 0; i++) {
        if (i > 200) throw new Error(`no request written; stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(err).toContain('asked it to run the purge');
      await lock.release();
      expect(await running).toBe(1);
      expect(err).toMatch(/ZB_LOCK_HELD: the capturing process stopped before it ran the request; nothing was done/);
      expect(await requests()).toEqual([]);

      // Engines sharing the repository (--shard) cannot run a purge: the refusal stays, with the hint.
      const again = await repository.lock({ owner: 'watch', mode: 'shared', selection: 'shard-1of2' });
      let err2 = '';
      const code = await main(['purge', '--repo', dir, '--retention', '30d'], {
        ...ctx,
        err: (t: string) => (err2 += t),
      });
      await again.release();
      expect(code).toBe(1);
      expect(err2).toMatch(/^ZB_LOCK_HELD: repository is locked by watch/);
      expect(err2).toMatch(/hint: .*purge, check --repair and backup --full .* are handed to that process/);
      expect(err2).not.toContain('asked it to run');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
