/**
 * Kill -9 then resume (DESIGN.md section 6): a child process runs `zimbra-backup backup` against an
 * in-process emulator into a local repository and is SIGKILLed after a seeded random delay; the
 * backup is then resumed to completion and the repository is checked:
 *   - no record committed before the kill is lost (multiset of records before <= after);
 *   - the repository converges to exactly the server's state (diffMailbox, every account);
 *   - every blob any record references reads back with its digest;
 *   - the writer lock of the dead process did not block the resume, and none is left behind;
 *   - `checkRepository({ full: true })` finds no error (every `fullCheckEvery` points).
 * Odd points start from an empty repository (kill during the initial backup); the others change
 * the server first (new mail, deletes, moves, flags, folders) so the kill hits an incremental run.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupEngine } from '../../../src/backup/backup-engine.js';
import { buildCorpus, startEmulator, type Emulator } from '../../../src/emulator/index.js';
import { checkRepository } from '../../../src/maintenance/index.js';
import { openRepository, type Repository } from '../../../src/repository/repository.js';
import { ZimbraClient } from '../../../src/soap/zimbra-client.js';
import { LocalBackend } from '../../../src/store/backends/local.js';
import { prepareCli, spawnCli, type CliRunner } from './cli-child.js';
import { mulberry32, randomBody, sleep } from './random.js';
import { checkReferencedBlobs, committedRecords, diffServer, lostRecords } from './verify-repository.js';
import { serverArgs, writePasswordFile } from '../../helpers/cli.js';

/** Options of {@link runCrashPoints}. */
export interface CrashScenarioOptions {
  /** Kill points. */
  points: number;
  /** Seed of the corpus, the delays and the mutations. */
  seed: number;
  accounts: number;
  messagesPerAccount: number;
  /** First upper bound of the delay between the backup taking its lock and the kill, in ms; lowered to the measured run time of backups that finish first. */
  maxKillDelayMs: number;
  /** New messages per account before an incremental point. */
  changesPerPoint: number;
  /** Also run `checkRepository({ full: true })` (src/maintenance) after every n-th point (default 1: every point). */
  fullCheckEvery?: number;
  log?: (line: string) => void;
}

/** What happened over all points. */
export interface CrashScenarioReport {
  points: number;
  /** Kills that landed while the backup was running. */
  killedMidWork: number;
  /** Points where the backup finished before its kill time. */
  finishedFirst: number;
  /** `checkRepository({ full: true })` runs (all clean when `problems` is empty). */
  fullChecks: number;
  /** Blobs verified in the last check. */
  blobsChecked: number;
  /** Everything that went wrong; empty on success. */
  problems: string[];
}

/** Runs the scenario; never throws for a failed check (they are collected in `problems`). */
export async function runCrashPoints(opts: CrashScenarioOptions): Promise<CrashScenarioReport> {
  const rnd = mulberry32(opts.seed);
  const dir = await mkdtemp(join(tmpdir(), 'zb-crash-'));
  const emu = await startEmulator({ domain: 'crash.test' });
  const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 2, retryBaseDelayMs: 10 });
  let cli: CliRunner | undefined;
  const report: CrashScenarioReport = {
    points: 0,
    killedMidWork: 0,
    finishedFirst: 0,
    fullChecks: 0,
    blobsChecked: 0,
    problems: [],
  };
  try {
    cli = await prepareCli();
    await emu.seed(
      buildCorpus({
        seed: opts.seed,
        accounts: opts.accounts,
        messagesPerAccount: opts.messagesPerAccount,
        domain: 'crash.test',
        spamAssassinDir: null,
        calendarPerAccount: 2,
        documentsPerAccount: 1,
        contactsPerAccount: 3,
      }),
    );
    await client.authAdmin(emu.adminUser, emu.adminPassword);
    const pwFile = join(dir, 'admin-password');
    await writePasswordFile(pwFile, emu.adminPassword);
    const repoDir = join(dir, 'repo');
    const args = [
      'backup',
      '--repo',
      repoDir,
      ...serverArgs(emu, pwFile),
      '--json',
      '--concurrency',
      '2',
      '--item-concurrency',
      '4',
    ];
    const verified = new Set<string>();
    const estimate = { initial: opts.maxKillDelayMs, incremental: opts.maxKillDelayMs };
    for (let i = 0; i < opts.points; i++) {
      const fresh = i % 2 === 0;
      if (fresh) {
        await rm(repoDir, { recursive: true, force: true });
        verified.clear();
      } else mutate(emu, rnd, opts.changesPerPoint);
      // Delays spread over the whole run: the estimate shrinks to the real duration of runs that
      // finished before their kill, so fast and slow machines both get kills early and late.
      const kind = fresh ? 'initial' : 'incremental';
      const delay = Math.floor(rnd() * estimate[kind]);
      const t0 = Date.now();
      const point = await killOnce(cli, args, repoDir, delay);
      const t1 = Date.now();
      report.points++;
      if (point.killed) report.killedMidWork++;
      else {
        report.finishedFirst++;
        if (point.ranMs !== undefined) estimate[kind] = Math.max(50, Math.min(estimate[kind], point.ranMs * 1.1));
      }
      const tag = `point ${i} (${kind}, kill after ${delay} ms, ${point.killed ? 'killed' : `exited ${point.code}`})`;
      if (point.problem) {
        report.problems.push(`${tag}: ${point.problem}`);
        continue;
      }
      const problems = await resumeAndCheck(
        emu,
        client,
        repoDir,
        report,
        verified,
        (i + 1) % (opts.fullCheckEvery ?? 1) === 0,
      );
      for (const p of problems.slice(0, 10)) report.problems.push(`${tag}: ${p}`);
      opts.log?.(
        `${tag}: ${problems.length === 0 ? 'ok' : `${problems.length} problems`} (kill ${t1 - t0} ms, resume+check ${Date.now() - t1} ms)`,
      );
    }
    return report;
  } finally {
    client.close();
    await emu.close();
    await cli?.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts the backup, waits until it holds the lock (it is then mid-work), sleeps, kills it. */
async function killOnce(
  cli: CliRunner,
  args: string[],
  repoDir: string,
  delayMs: number,
): Promise<{ killed: boolean; code: number | null; ranMs?: number; problem?: string }> {
  const proc = spawnCli(cli, args);
  let done = false;
  let exitedAt = 0;
  const finish = (): void => {
    done = true;
    exitedAt = Date.now();
  };
  void proc.exited.then(finish, finish);
  const locks = join(repoDir, 'locks');
  const deadline = Date.now() + 30_000;
  while (
    !done &&
    Date.now() < deadline &&
    (await readdir(locks).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).length === 0
  )
    await sleep(5);
  const locked = Date.now();
  if (!done) await sleep(delayMs);
  const killed = !done && proc.child.kill('SIGKILL');
  const r = await proc.exited;
  if (r.signal === 'SIGKILL') return { killed: true, code: null };
  if (killed) return { killed: true, code: r.code };
  if (r.code !== 0)
    return { killed: false, code: r.code, problem: `backup failed before the kill: ${r.stderr.slice(0, 400)}` };
  return { killed: false, code: r.code, ranMs: exitedAt - locked };
}

/** Resumes in-process (the engine the CLI runs) and checks the four properties. */
async function resumeAndCheck(
  emu: Emulator,
  client: ZimbraClient,
  repoDir: string,
  report: CrashScenarioReport,
  verified: Set<string>,
  fullCheck: boolean,
): Promise<string[]> {
  let repo: Repository;
  try {
    repo = await openRepository({ backend: new LocalBackend({ root: repoDir }) });
  } catch (err) {
    // Killed before the FORMAT object was written: there is nothing to lose yet.
    if ((err as { code?: string }).code === 'ZB_NOT_A_REPOSITORY') return [];
    throw err;
  }
  const ids = emu.accounts().map((a) => a.id);
  const before = await committedRecords(repo, ids);
  const problems: string[] = [];
  try {
    const result = await new BackupEngine({ client, repository: repo }).run();
    for (const f of result.failures) problems.push(`resume failure: ${f.accountId} ${f.itemId ?? ''} ${f.error}`);
  } catch (err) {
    problems.push(`resume threw ${(err as { code?: string }).code ?? ''}: ${(err as Error).message}`);
    return problems;
  }
  for (const lost of lostRecords(before, await committedRecords(repo, ids)))
    problems.push(`lost committed record ${lost}`);
  problems.push(...(await diffServer(emu, repo)));
  const blobs = await checkReferencedBlobs(repo, ids, verified);
  report.blobsChecked = Math.max(report.blobsChecked, blobs.checked);
  problems.push(...blobs.problems.map((p) => `bad blob ${p}`));
  if (fullCheck) {
    // `check --full` (issue 7): the maintenance module's own verdict, besides the oracle above.
    const check = await checkRepository({ repository: repo, full: true });
    if (!check.ok)
      problems.push(
        ...check.problems
          .filter((p) => p.severity === 'error')
          .map((p) => `check --full: ${JSON.stringify(p).slice(0, 300)}`),
      );
    report.fullChecks++;
  }
  const leftLocks = (await readdir(join(repoDir, 'locks')).catch(() => [] as string[])).filter((n) =>
    n.endsWith('.json'),
  );
  if (leftLocks.length > 0) problems.push(`locks left after the resume: ${leftLocks.join(', ')}`);
  return problems;
}

/** A seeded burst of server-side changes in every user account. */
function mutate(emu: Emulator, rnd: () => number, changes: number): void {
  for (const a of emu.accounts()) {
    if (a.name.startsWith('admin@')) continue;
    for (let k = 0; k < changes; k++) {
      emu.deliver(
        a.name,
        `From: feed@crash.test\r\nTo: ${a.name}\r\nSubject: change ${k} ${rnd().toString(36).slice(2)}\r\n\r\n${randomBody(rnd, 2_000 + Math.floor(rnd() * 30_000))}\r\n`,
        rnd() < 0.3 ? { folderPath: `/Inbox/f${Math.floor(rnd() * 3)}` } : {},
      );
    }
    const msgs = emu.snapshot(a.name).items.filter((it) => it.type === 'message');
    // As many deletes as deliveries keep the mailbox (and so each initial backup) the same size
    // over hundreds of points; a fifth more are moves, flags and tags.
    for (let k = 0; k < changes + Math.max(1, changes / 5) && msgs.length > 3; k++) {
      const victim = msgs.splice(Math.floor(rnd() * msgs.length), 1)[0]!;
      const r = k < changes ? 0 : rnd();
      if (r < 0.4) emu.deleteItem(a.name, victim.id);
      else if (r < 0.6) emu.move(a.name, victim.id, emu.folderId(a.name, '/Trash'));
      else if (r < 0.8) emu.setFlags(a.name, victim.id, 'f');
      else emu.setTags(a.name, victim.id, [`t${Math.floor(rnd() * 3)}`]);
    }
  }
}
