/**
 * What every reliability suite checks after a crash or a fault: the journals the repository
 * holds (read-only, like a restore), that their committed records survive, that they describe
 * exactly the server, and that every referenced blob reads back with its digest.
 */
import { Journal } from '../../../src/journal/journal.js';
import type { MailboxState } from '../../../src/journal/types.js';
import { accountPrefix } from '../../../src/repository/layout.js';
import type { Repository } from '../../../src/repository/repository.js';
import { parseDigest } from '../../../src/store/digest.js';
import type { Emulator } from '../../../src/emulator/index.js';
import { diffMailbox } from '../../integration/backup-helpers.js';

/** Per account: every committed record, serialised (a multiset, in commit order). */
export type CommittedRecords = Map<string, string[]>;

/** Reads every account's committed records read-only (a torn tail is ignored, not repaired). */
export async function committedRecords(repo: Repository, accountIds: string[]): Promise<CommittedRecords> {
  const out: CommittedRecords = new Map();
  for (const id of accountIds) {
    const j = await Journal.open({ backend: repo.backend, prefix: accountPrefix(id), readOnly: true });
    try {
      const list: string[] = [];
      for await (const r of j.records()) list.push(JSON.stringify(r));
      out.set(id, list);
    } finally {
      await j.close();
    }
  }
  return out;
}

/** Records committed `before` that are missing `after` (a multiset difference); empty when none was lost. */
export function lostRecords(before: CommittedRecords, after: CommittedRecords): string[] {
  const lost: string[] = [];
  for (const [id, list] of before) {
    const have = new Map<string, number>();
    for (const r of after.get(id) ?? []) have.set(r, (have.get(r) ?? 0) + 1);
    for (const r of list) {
      const n = have.get(r) ?? 0;
      if (n === 0) lost.push(`${id}: ${r.slice(0, 200)}`);
      else have.set(r, n - 1);
    }
  }
  return lost;
}

/** The current state of every account's journal (read-only). */
export async function currentStates(repo: Repository, accountIds: string[]): Promise<Map<string, MailboxState>> {
  const out = new Map<string, MailboxState>();
  for (const id of accountIds) {
    const j = await Journal.open({ backend: repo.backend, prefix: accountPrefix(id), readOnly: true });
    try {
      out.set(id, j.current());
    } finally {
      await j.close();
    }
  }
  return out;
}

/** Differences between the server and the repository, over every account of the emulator. */
export async function diffServer(emu: Emulator, repo: Repository): Promise<string[]> {
  const accounts = emu.accounts();
  const states = await currentStates(
    repo,
    accounts.map((a) => a.id),
  );
  const problems: string[] = [];
  for (const a of accounts)
    for (const p of diffMailbox(emu, a.name, states.get(a.id)!)) problems.push(`${a.name}: ${p}`);
  return problems;
}

/**
 * Reads every blob any committed record of the given accounts references, through the blob store
 * (which re-hashes while streaming); returns one line per unreadable or wrong blob.
 * Every version in the history counts, not only the current ones: restore-as-of-T reads them too.
 * Digests in `verified` are skipped, and those that verify are added to it.
 */
export async function checkReferencedBlobs(
  repo: Repository,
  accountIds: string[],
  verified?: Set<string>,
): Promise<{ problems: string[]; checked: number }> {
  const digests = new Set<string>();
  for (const [, list] of await committedRecords(repo, accountIds)) {
    for (const line of list) {
      const r = JSON.parse(line) as { digest?: unknown };
      if (typeof r.digest === 'string') digests.add(r.digest);
    }
  }
  const problems: string[] = [];
  for (const d of digests) {
    // Blobs are immutable once written (never rewritten in place): one good read is enough.
    if (verified?.has(d)) continue;
    try {
      const stream = await repo.blobs.get(parseDigest(d));
      for await (const chunk of stream) void chunk;
      verified?.add(d);
    } catch (err) {
      problems.push(`${d}: ${(err as { code?: string }).code ?? ''} ${(err as Error).message}`);
    }
  }
  return { problems, checked: digests.size };
}
