import { afterEach, describe, expect, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import type { FaultRule } from '../../src/emulator/index.js';
import { faultFixture, treeOf, type FaultFixture } from './support/fault-fixture.js';
import { currentStates } from './support/verify-repository.js';

// Emulator fault injection during backups (DESIGN.md section 6, issue 7 "Faults"): the run
// retries and completes, or reports a typed failure and converges on the next run; a wrong or
// partial blob is never committed (every referenced digest is re-read and re-hashed).
let fx: FaultFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const REST = /^\/service\/home\//;

/** Runs a backup with `rules` armed; all rules must fire; then a clean run must converge. */
async function underFaults(
  rules: FaultRule[],
  opts: { expectFailures?: boolean } = {},
): Promise<{ failures: string[] }> {
  fx = await faultFixture();
  const { emu, client, repo } = fx;
  for (const r of rules) emu.faults.inject(r);
  const first = await new BackupEngine({ client, repository: repo, itemConcurrency: 2 }).run();
  expect(emu.faults.pending()).toBe(0); // every fault actually fired
  const failures = first.failures.map((f) => f.error);
  if (!opts.expectFailures) {
    expect(failures).toEqual([]);
    expect(await fx.check(repo)).toEqual([]);
  }
  // Whatever the first run did, what it committed is sound and the next run converges.
  const again = await new BackupEngine({ client, repository: await fx.reopen() }).run();
  expect(again.failures).toEqual([]);
  expect(await fx.check()).toEqual([]);
  return { failures };
}

describe('backup under emulator faults', () => {
  it('a burst of 503s on SOAP and REST is retried', async () => {
    await underFaults([
      { match: { request: 'SyncRequest' }, status: 503, times: 2 },
      { match: { path: REST }, status: 503, times: 3 },
    ]);
  });

  it('connection resets on SOAP and on downloads are retried', async () => {
    await underFaults([
      { match: { request: 'GetMsgMetadataRequest' }, reset: true, times: 1 },
      { match: { path: REST }, reset: true, times: 3 },
    ]);
  });

  it('truncated download bodies are never stored as the item', async () => {
    // Each download is cut in half once or more; Content-Length/size checks must reject them.
    await underFaults([{ match: { path: REST }, truncate: true, times: 6 }]);
  });

  it('a truncated SOAP response is retried or reported, never half-applied', async () => {
    await underFaults([{ match: { request: 'SyncRequest' }, truncate: true, times: 1 }], { expectFailures: true });
  });

  it('slow responses beyond the client timeout are retried', async () => {
    fx = await faultFixture({ client: { timeoutMs: 150 } });
    const { emu, client, repo } = fx;
    emu.faults.inject({ match: { path: REST }, delayMs: 400, times: 2 });
    emu.faults.inject({ match: { request: 'GetMsgMetadataRequest' }, delayMs: 400, times: 1 });
    const r = await new BackupEngine({ client, repository: repo }).run();
    expect(emu.faults.pending()).toBe(0);
    // A timed-out item is retried by the client or left for the next run; either way it converges.
    const again = await new BackupEngine({ client, repository: await fx.reopen() }).run();
    expect(again.failures).toEqual([]);
    expect(await fx.check()).toEqual([]);
    for (const f of r.failures) expect(f.error).toMatch(/^(ZB_[A-Z_]+|[a-z]+\.[A-Z_]+): /);
  });

  it('expired auth tokens are renewed (SOAP fault and REST 401)', async () => {
    const { failures } = await underFaults([
      { match: { request: 'SyncRequest' }, expireAuth: true, times: 1 },
      { match: { path: REST }, expireAuth: true, times: 2 },
    ]);
    expect(failures).toEqual([]);
  });

  it('a SOAP fault on one account is a typed per-account failure; the next run converges', async () => {
    const { failures } = await underFaults(
      [
        {
          match: { request: 'GetMsgMetadataRequest' },
          fault: { code: 'service.FAILURE', reason: 'injected' },
          times: 1,
        },
      ],
      { expectFailures: true },
    );
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect(f).toMatch(/^(service\.FAILURE|ZB_[A-Z_]+): /);
  });

  it('mail.MUST_RESYNC after tombstone expiry: full reconcile, no loss, no duplicate', async () => {
    fx = await faultFixture();
    const { emu, client, repo } = fx;
    await new BackupEngine({ client, repository: repo }).run();
    const user = emu.accounts().find((a) => !a.name.startsWith('admin@'))!;
    const msgs = emu.snapshot(user.name).items.filter((i) => i.type === 'message');
    emu.deleteItem(user.name, msgs[0]!.id);
    emu.move(user.name, msgs[1]!.id, emu.folderId(user.name, '/Trash'));
    emu.deliver(user.name, 'Subject: after purge\r\n\r\nnew\r\n');
    emu.expireTombstones(user.name);
    const r = await new BackupEngine({ client, repository: repo }).run();
    expect(r.failures).toEqual([]);
    expect(r.itemsDeleted).toBe(1);
    expect(await fx.check(repo)).toEqual([]);
  });

  it('WaitSet loss (server restarts, 5xx on WaitSet polls) during watch: changes are still captured', async () => {
    fx = await faultFixture({ messages: 3 });
    const f = fx;
    const user = f.emu.accounts().find((a) => !a.name.startsWith('admin@'))!;
    let runs = 0;
    const stop = new AbortController();
    const watching = new BackupEngine({
      client: f.client,
      repository: f.repo,
      waitSetTimeoutSeconds: 2,
      onAccountRun: () => runs++,
    }).watch({ signal: stop.signal });
    const until = async (pred: () => boolean | Promise<boolean>): Promise<void> => {
      for (let i = 0; i < 400 && !(await pred()); i++) await new Promise((r) => setTimeout(r, 50));
    };
    await until(() => runs >= 2);
    const has = async (id: number): Promise<boolean> =>
      (await currentStates(f.repo, [user.id])).get(user.id)!.items.has(String(id));
    f.emu.faults.inject({ match: { request: 'AdminWaitSetRequest' }, status: 503, times: 2 });
    await f.emu.restart();
    const a = f.emu.deliver(user.name, 'Subject: during restart 1\r\n\r\nx\r\n');
    await until(() => has(a));
    await f.emu.restart();
    const b = f.emu.deliver(user.name, 'Subject: during restart 2\r\n\r\ny\r\n');
    f.emu.deleteItem(user.name, a);
    await until(async () => (await has(b)) && !(await has(a)));
    expect(f.emu.faults.pending()).toBe(0);
    stop.abort();
    const r = await watching;
    expect(r.failures.filter((x) => !/ZB_TRANSPORT|ZB_ABORTED/.test(x.error))).toEqual([]);
    expect(await has(b)).toBe(true);
    expect(await fx.check()).toEqual([]);
  });

  it('the FaultyBackend leaves no temp file or partial blob visible after cut puts', async () => {
    fx = await faultFixture();
    const { client, repo, faulty } = fx;
    // Three pack writes (format 2: blobs travel in packs) die midway (transient); RetryBackend replays them.
    faulty.add({ put: { key: /^packs\//, afterBytes: 100, error: true, times: 3 } });
    const r = await new BackupEngine({ client, repository: repo }).run();
    faulty.expectAllFaultsExercised();
    expect(r.failures).toEqual([]);
    expect(await fx.check(repo)).toEqual([]);
    expect((await treeOf(fx.repoDir)).filter((f) => /\.tmp-/.test(f))).toEqual([]);
  });
});
