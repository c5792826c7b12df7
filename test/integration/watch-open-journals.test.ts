import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import type { AccountRunResult } from '../../src/backup/account-backup.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';

// Issue 12: real-time capture must not keep every account's journal open for its whole life
// (about 1 KB of heap per item once a journal read its whole state). The engine keeps at most
// `idleJournals` idle journals besides those in use by the `concurrency` running accounts; a
// journal closed in between is reopened from the repository and must see everything committed.

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

function until(pred: () => boolean, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (pred()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error('timed out waiting'));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describe('BackupEngine.watch keeps a bounded number of journals open', () => {
  for (const idleJournals of [0, 2]) {
    it(`idleJournals ${idleJournals}: open journals stay within idle + concurrency; the backup equals the server`, async () => {
      fx = await backupFixture();
      const { emu, client, repo } = fx;
      const concurrency = 2;
      const accounts = Array.from({ length: 10 }, (_, i) => emu.createAccount(`oj${i}@example.test`, 'pw'));
      const first = new Map<string, number>();
      for (const a of accounts) first.set(a.id, emu.deliver(a.name, `Subject: seed ${a.name}\r\n\r\nseed\r\n`));
      const runs: AccountRunResult[] = [];
      let maxOpen = 0;
      const engine = new BackupEngine({
        client,
        repository: repo,
        concurrency,
        idleJournals,
        waitSetTimeoutSeconds: 5,
        onAccountRun: (r) => {
          runs.push(r);
          maxOpen = Math.max(maxOpen, engine.openJournals);
        },
      });
      const stop = new AbortController();
      const watching = engine.watch({ signal: stop.signal });
      await until(() => accounts.every((a) => runs.some((r) => r.accountId === a.id)));

      // Two rounds of changes to every account: each round's run finds its journal closed (or
      // evicted) and reopens it lazily; a delete and a flag change touch items of earlier runs.
      for (let round = 0; round < 2; round++) {
        const expected = new Map<string, number>();
        for (const a of accounts) {
          const id = emu.deliver(a.name, `Subject: round ${round}\r\n\r\nbody ${round}\r\n`);
          expected.set(a.id, id);
          if (round === 0) emu.setFlags(a.name, first.get(a.id)!, 'f');
          else emu.deleteItem(a.name, first.get(a.id)!);
        }
        for (const a of accounts) {
          const want = String(expected.get(a.id));
          const deadline = Date.now() + 60_000;
          while (!(await journalState(repo, a.id)).items.has(want) && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 50));
        }
      }
      stop.abort();
      const result = await watching;
      expect(result.failures).toEqual([]);
      // Without the bound every account that ever ran keeps its journal: 10 here.
      expect(maxOpen).toBeLessThanOrEqual(idleJournals + concurrency);
      expect(engine.openJournals).toBe(0);
      for (const a of accounts) expect(diffMailbox(emu, a.name, await journalState(repo, a.id))).toEqual([]);
    });
  }
});
