/**
 * A one-shot backup pass closes each account's journal once the account is done (issue 12, "peak
 * RSS flat"): an open journal holds the account's state (about 1 KB per item), so keeping every
 * journal of the pass open made a run's memory grow with the site, not with the accounts running
 * at once. Real-time capture keeps its journals open (each run of an account reuses its state).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import type { Journal } from '../../src/journal/journal.js';
import type { Repository } from '../../src/repository/repository.js';
import { backupFixture, diffMailbox, journalState, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** Tracks the writable journals `repo` opens and which of them are still open. */
function trackJournals(repo: Repository): { open: Map<Journal, string>; opened: string[] } {
  const open = new Map<Journal, string>();
  const opened: string[] = [];
  const journal = repo.journal.bind(repo);
  repo.journal = async (id, options) => {
    const j = await journal(id, options);
    if (options?.readOnly) return j;
    opened.push(id);
    open.set(j, id);
    const close = j.close.bind(j);
    j.close = async () => {
      open.delete(j);
      await close();
    };
    return j;
  };
  return { open, opened };
}

describe('journals of a one-shot backup pass', () => {
  it('each account journal is closed when its account is done, and the backup is complete', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    await emu.seed(buildCorpus({ seed: 12, accounts: 3, messagesPerAccount: 20, domain: 'example.test' }));
    const tracked = trackJournals(repo);
    const openAtAccountEnd: number[] = [];
    const engine = new BackupEngine({
      client,
      repository: repo,
      concurrency: 1,
      onAccountRun: () => openAtAccountEnd.push(tracked.open.size),
    });
    const r = await engine.run();
    expect(r.failures).toEqual([]);
    expect(tracked.opened.length).toBe(r.accounts);
    // With one account at a time, no journal is open when an account's run is reported.
    expect(openAtAccountEnd).toEqual(Array.from({ length: r.accounts }, () => 0));
    for (const a of emu.accounts().filter((x) => x.name.startsWith('user')))
      expect(diffMailbox(emu, a.name, await journalState(repo, a.id))).toEqual([]);

    // The next pass opens them again (nothing changed: the quick check needs none of them).
    emu.deliver(emu.accounts().find((x) => x.name.startsWith('user'))!.name, 'Subject: one more\r\n\r\nhi\r\n', {
      folderPath: '/Inbox',
    });
    const again = await engine.run();
    expect(again.failures).toEqual([]);
    expect(again.itemsNew).toBe(1);
    expect(tracked.open.size).toBe(0);
  });
});
