/** Runs bench/child-backup.ts in a child process against the bench emulator. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ChildBackupResult } from '../child-backup.js';
import type { BenchServer } from './setup.js';

export type { ChildBackupResult };

const run = promisify(execFile);
const MAIN_DIR = fileURLToPath(new URL('../..', import.meta.url));

/**
 * One initial backup of `accounts` into `repoDir` (an empty directory) in a child process; `nodeArgs` are
 * extra Node options (e.g. `--cpu-prof`).
 */
export async function childBackup(
  server: BenchServer,
  accounts: string[],
  repoDir: string,
  compression: 'none' | 'gzip',
  nodeArgs: string[] = [],
): Promise<ChildBackupResult> {
  const { stdout } = await run(
    process.execPath,
    [...nodeArgs, '--expose-gc', '--import', 'tsx', 'bench/child-backup.ts'],
    {
      cwd: MAIN_DIR,
      env: {
        ...process.env,
        ZB_BENCH_URL: server.emu.url,
        ZB_BENCH_ADMIN_URL: server.emu.adminUrl,
        ZB_BENCH_ADMIN_USER: server.emu.adminUser,
        ZB_BENCH_ADMIN_PASSWORD: server.emu.adminPassword,
        ZB_BENCH_ACCOUNTS: accounts.join(','),
        ZB_BENCH_REPO: repoDir,
        ZB_BENCH_COMPRESSION: compression,
      },
      maxBuffer: 1024 * 1024,
      timeout: 60 * 60_000,
    },
  );
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as ChildBackupResult;
  if (result.failures > 0) throw new Error(`child backup reported ${result.failures} failures`);
  return result;
}
