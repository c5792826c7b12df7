/**
 * Scenario 5: restore through src/restore. Single item (restoreItems with one id, p50 over samples), undelete of
 * a deletion window, and a whole-account point-in-time restore into a new account (items/s). Baseline: the
 * same message bytes written back with the plain upload servlet + AddMsgRequest at the same concurrency (what an
 * import script such as `zmmailbox addMessage` does, without planning, folders or verification).
 */
import pLimit from 'p-limit';
import { BackupEngine } from '../../src/backup/index.js';
import type { Repository } from '../../src/repository/repository.js';
import { uploadFile } from '../../src/rest/upload-file.js';
import { emulatorItems, type BenchServer } from '../lib/setup.js';
import { messageIds } from '../lib/mutations.js';
import { perSec, secs, type BenchRow } from '../lib/table.js';
import { note, percentile, timed } from '../lib/timing.js';

type RestoreModule = typeof import('../../src/restore/index.js');

/** Writes `blobs` with upload + AddMsg into `account`'s Inbox, `concurrency` at a time. */
async function plainImport(server: BenchServer, account: string, blobs: Buffer[], concurrency: number): Promise<void> {
  const limit = pLimit(concurrency);
  await Promise.all(
    blobs.map((body, i) =>
      limit(async () => {
        const aid = await uploadFile(server.client, {
          account,
          body,
          contentType: 'message/rfc822',
          filename: `m${i}.eml`,
        });
        await server.client.addMsg({ folderId: '2', uploadId: aid }, { account });
      }),
    ),
  );
}

/** Runs scenario 5, or a row saying why it cannot. */
export async function restoreScenario(
  server: BenchServer,
  repository: Repository,
  samples: number,
  undeleteCount: number,
): Promise<BenchRow[]> {
  let mod: RestoreModule;
  try {
    mod = await import('../../src/restore/index.js');
  } catch (err) {
    return [{ scenario: '5. restore', ours: 'restore not available', baseline: '-', data: { error: String(err) } }];
  }
  const engine = new BackupEngine({ client: server.client, repository, accounts: server.accounts, logger: false });
  const account = server.accounts[0]!;
  const second = server.accounts[1] ?? account;
  const blobOf = (a: string, id: number): Buffer => emulatorItems(server.emu, a).find((it) => it.id === id)!.blob!;
  const rows: BenchRow[] = [];

  // Single items: delete `samples` messages, back up, restore each with its own call.
  const ids = messageIds(server.emu, account);
  const singles = ids.slice(0, samples);
  const singleBlobs = singles.map((id) => blobOf(account, id));
  const undeleteIds = messageIds(server.emu, second).slice(samples, samples + undeleteCount);
  const undeleteBlobs = undeleteIds.map((id) => blobOf(second, id));
  for (const id of singles) server.emu.deleteItem(account, id);
  await engine.run();
  note(`5. single-item restore x${samples}`);
  const lat: number[] = [];
  for (const id of singles) {
    const t = await timed(() => mod.restoreItems({ repository, client: server.client, account, ids: [String(id)] }));
    if (t.value.counts.message.restored !== 1)
      throw new Error(`item ${id} not restored: ${JSON.stringify(t.value.failures)}`);
    lat.push(t.ms);
  }
  const base: number[] = [];
  for (const b of singleBlobs) base.push((await timed(() => plainImport(server, account, [b], 1))).ms);
  rows.push({
    scenario: `5. single-item restore (p50 of ${samples})`,
    ours: `${percentile(lat, 50).toFixed(0)} ms`,
    baseline: `upload + AddMsg of the bytes: ${percentile(base, 50).toFixed(0)} ms`,
    ratio: percentile(base, 50) / percentile(lat, 50),
    ratioMeaning: 'speedup',
    data: { p50: percentile(lat, 50), p95: percentile(lat, 95), baseP50: percentile(base, 50) },
  });

  // Undelete: a window in which `undeleteCount` messages of another account were deleted.
  const from = Date.now();
  for (const id of undeleteIds) server.emu.deleteItem(second, id);
  await engine.run();
  note(`5. undelete of ${undeleteIds.length} messages`);
  const u = await timed(() =>
    mod.undelete({ repository, client: server.client, account: second, from, to: Date.now(), concurrency: 8 }),
  );
  if (u.value.counts.message.restored !== undeleteIds.length)
    throw new Error(`undelete restored ${u.value.counts.message.restored} of ${undeleteIds.length}`);
  const ub = await timed(() => plainImport(server, second, undeleteBlobs, 8));
  rows.push({
    scenario: `5. undelete of ${undeleteIds.length} messages`,
    ours: `${secs(u.ms)} (${perSec(undeleteIds.length, u.ms)})`,
    baseline: `upload + AddMsg x${undeleteIds.length}: ${secs(ub.ms)} (${perSec(undeleteIds.length, ub.ms)})`,
    ratio: ub.ms / u.ms,
    ratioMeaning: 'speedup',
    data: { ms: u.ms, baseMs: ub.ms, items: undeleteIds.length },
  });

  // Whole account, point in time "now", into a new account.
  const third = server.accounts[2] ?? account;
  const at = Date.now();
  note(`5. point-in-time restore of ${third}`);
  const target = `restored-${third}`;
  const ra = await timed(() =>
    mod.restoreAccount({ repository, client: server.client, account: third, at, toAccount: target, concurrency: 8 }),
  );
  const c = ra.value.counts;
  const items =
    c.message.restored + c.contact.restored + c.appointment.restored + c.task.restored + c.document.restored;
  const failed = ra.value.failures.length;
  const accountBlobs = emulatorItems(server.emu, third)
    .filter((it) => it.type === 'message' && it.blob)
    .map((it) => it.blob!);
  server.emu.createAccount(`plain-${third}`, 'bench-only-pw');
  const rb = await timed(() => plainImport(server, `plain-${third}`, accountBlobs, 8));
  rows.push({
    scenario: '5. whole-account point-in-time restore',
    ours: `${perSec(items, ra.ms)} (${items} items in ${secs(ra.ms)}${failed ? `, ${failed} failed` : ''})`,
    baseline: `upload + AddMsg of its ${accountBlobs.length} messages: ${perSec(accountBlobs.length, rb.ms)}`,
    ratio: items / ra.ms / (accountBlobs.length / rb.ms),
    ratioMeaning: 'speedup',
    data: { ms: ra.ms, items, counts: c, failed, baseMs: rb.ms, baseItems: accountBlobs.length },
  });
  return rows;
}
