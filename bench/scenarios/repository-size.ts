/**
 * Scenario 3: repository size against the source mailbox bytes and the sum of the per-account tgz exports, and,
 * where restic is installed, against restic backing up the same messages laid out as `.eml` files
 * (writeCorpusAsFiles), initial and after the same 1% change mirrored on the files.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repositoryStatus } from '../../src/catalog/index.js';
import { writeCorpusAsFiles } from '../../src/emulator/index.js';
import type { Repository } from '../../src/repository/repository.js';
import { benchMessage } from '../lib/mutations.js';
import { emulatorItems, type BenchServer } from '../lib/setup.js';
import { mb, secs, type BenchRow } from '../lib/table.js';
import { note, timed } from '../lib/timing.js';

const run = promisify(execFile);

/** Bytes of every file under `dir`. */
async function duBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += (await stat(join(e.parentPath, e.name))).size;
  }
  return n;
}

/** The restic binary on PATH, or undefined. */
export async function findRestic(): Promise<string | undefined> {
  try {
    const { stdout } = await run('sh', ['-c', 'command -v restic']);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `.eml` files under `dir`, sorted (deterministic picks). */
async function emlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out.sort();
}

/** The 1% change on the file tree: new files, moves to another folder, flags as a maildir-style rename, deletes. */
async function changeFiles(dir: string, accounts: string[], share: number): Promise<number> {
  let total = 0;
  for (const account of accounts) {
    const files = (await emlFiles(join(dir, account))).filter((f) => f.endsWith('.eml'));
    const per = Math.max(1, Math.round((files.length * share) / 4));
    const stride = Math.max(1, Math.floor(files.length / (3 * per + 1)));
    const pick = (k: number): string => files[(k * stride + 1) % files.length]!;
    const moved = join(dir, account, 'Bench moved');
    await mkdir(moved, { recursive: true });
    for (let k = 0; k < per; k++) {
      const m = pick(k);
      await rename(m, join(moved, `${k}-${m.split('/').pop()!}`));
      const f = pick(per + k);
      await rename(f, `${f}:2,F`);
      await unlink(pick(2 * per + k));
      await writeFile(join(dir, account, 'Inbox', `new-${k}.eml`), benchMessage(`incr-${account}`, k));
      total += 4;
    }
  }
  return total;
}

/** restic with a throwaway password (in the environment, never in argv). */
function restic(bin: string, repo: string, args: string[]): Promise<{ stdout: string }> {
  return run(bin, ['-r', repo, '--no-cache', '-q', ...args], {
    env: { ...process.env, RESTIC_PASSWORD: 'bench-only' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Runs scenario 3 (after scenario 2: sizes are of the changed mailboxes). */
export async function repositorySize(
  server: BenchServer,
  repository: Repository,
  repoRoot: string,
  tgzBytes: number,
  incremental: { ms: number; storedBytes: number; initialMs: number },
  scratch: string,
): Promise<BenchRow[]> {
  note('3. repository status');
  const status = await repositoryStatus({ repository });
  let source = 0;
  for (const a of server.accounts) for (const it of emulatorItems(server.emu, a)) source += it.blob?.length ?? 0;
  const repoBytes = await duBytes(repoRoot);
  const rows: BenchRow[] = [
    {
      scenario: '3. repository size vs source mailbox bytes',
      ours: `${mb(repoBytes)} on disk (status: ${mb(status.repositoryBytes)}, dedup ${status.dedupRatio.toFixed(2)}, compression ${status.compressionRatio.toFixed(2)})`,
      baseline: `mailbox content: ${mb(source)}`,
      ratio: repoBytes / source,
      ratioMeaning: 'of the source',
      data: { repoBytes, status: { ...status, accounts: status.accounts.length }, sourceBytes: source },
    },
    {
      scenario: '3. repository size vs one night of tgz exports',
      ours: mb(repoBytes),
      baseline: `sum of fmt=tgz exports: ${mb(tgzBytes)}`,
      ratio: repoBytes / tgzBytes,
      ratioMeaning: 'of one tgz set',
      data: { repoBytes, tgzBytes },
    },
  ];
  const bin = await findRestic();
  if (!bin) {
    rows.push({ scenario: '3. repository vs restic', ours: mb(repoBytes), baseline: 'restic not installed' });
    return rows;
  }
  const files = join(scratch, 'eml');
  note('3. writing the corpus as .eml files for restic');
  const written = await writeCorpusAsFiles(server.corpus, files);
  const rrepo = join(scratch, 'restic-repo');
  await restic(bin, rrepo, ['init']);
  note(`3. restic backup (${written.files} files, ${mb(written.bytes)})`);
  const first = await timed(() => restic(bin, rrepo, ['backup', files]));
  const size1 = await duBytes(rrepo);
  const changes = await changeFiles(
    files,
    server.accounts.map((a) => a),
    0.01,
  );
  note(`3. restic incremental (${changes} file changes)`);
  const second = await timed(() => restic(bin, rrepo, ['backup', files]));
  const size2 = await duBytes(rrepo);
  const { stdout: version } = await run(bin, ['version']);
  rows.push(
    {
      scenario: '3. repository size vs restic (same messages as files)',
      ours: mb(repoBytes),
      baseline: `${version.split(' ').slice(0, 2).join(' ')}: ${mb(size2)}`,
      ratio: repoBytes / size2,
      ratioMeaning: 'of restic',
      data: {
        repoBytes,
        resticBytesInitial: size1,
        resticBytesAfterIncremental: size2,
        files: written.files,
        fileBytes: written.bytes,
      },
    },
    {
      scenario: '3. initial backup time vs restic',
      ours: secs(incremental.initialMs),
      baseline: `restic backup of the files: ${secs(first.ms)}`,
      ratio: first.ms / incremental.initialMs,
      ratioMeaning: 'speedup',
      data: { oursMs: incremental.initialMs, resticMs: first.ms },
    },
    {
      scenario: '3. incremental after 1% change vs restic',
      ours: `${secs(incremental.ms)}, +${mb(incremental.storedBytes)}`,
      baseline: `restic: ${secs(second.ms)}, +${mb(size2 - size1)}`,
      ratio: second.ms / incremental.ms,
      ratioMeaning: 'speedup',
      data: {
        oursMs: incremental.ms,
        resticMs: second.ms,
        oursAdded: incremental.storedBytes,
        resticAdded: size2 - size1,
        fileChanges: changes,
      },
    },
  );
  await rm(files, { recursive: true, force: true });
  await rm(rrepo, { recursive: true, force: true });
  return rows;
}
