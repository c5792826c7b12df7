/**
 * Scenario 8: start-up of the compiled CLI (dist/, `npm run build` first) against `node -e 0` in the
 * same minute: `zimbra-backup --help`, and a no-change incremental `backup` of the bench repository
 * (the password in the environment, never in argv). Medians of 5 runs after one warm-up.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchServer } from '../lib/setup.js';
import type { BenchRow } from '../lib/table.js';
import { note } from '../lib/timing.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

async function median(args: string[], env: NodeJS.ProcessEnv, n = 5): Promise<number> {
  await run(process.execPath, args, { env });
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await run(process.execPath, args, { env, maxBuffer: 16 * 1024 * 1024 });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)] as number;
}

/** Runs scenario 8 against the repository in `root`. */
export async function cliStartup(server: BenchServer, root: string): Promise<BenchRow[]> {
  if (!existsSync(MAIN))
    return [{ scenario: '8. CLI start-up', ours: 'dist/ not built (npm run build)', baseline: '-' }];
  note('8. CLI start-up: node -e 0, --help, no-change backup');
  const env = { ...process.env, ZB_ADMIN_PASSWORD: server.emu.adminPassword };
  const node = await median(['-e', '0'], env);
  const help = await median([MAIN, '--help'], env);
  const backupArgs = [
    MAIN,
    'backup',
    '--repo',
    root,
    '--server',
    server.emu.adminUrl,
    '--mail-url',
    server.emu.url,
    '--admin',
    server.emu.adminUser,
    '--accounts',
    server.accounts.join(','),
    '--json',
  ];
  const backup = await median(backupArgs, env, 3);
  // One more no-change run, counted: its SOAP requests do not depend on the machine's load (members
  // of a BatchRequest are counted under their own names as well as the BatchRequest).
  server.emu.stats.reset();
  await run(process.execPath, backupArgs, { env, maxBuffer: 16 * 1024 * 1024 });
  const requests = { ...server.emu.stats.counts };
  const batches = requests['BatchRequest'] ?? 0;
  const total = Object.values(requests).reduce((a, b) => a + b, 0);
  const node2 = await median(['-e', '0'], env);
  return [
    {
      scenario: '8. `zimbra-backup --help` (compiled)',
      ours: `${help.toFixed(0)} ms`,
      baseline: `node -e 0: ${node.toFixed(0)} ms (${node2.toFixed(0)} ms after)`,
      ratio: help / Math.min(node, node2),
      ratioMeaning: 'x node -e 0',
      data: { helpMs: help, nodeMs: node, node2Ms: node2 },
    },
    {
      scenario: '8. no-change incremental backup, compiled CLI',
      ours: `${backup.toFixed(0)} ms (${total} SOAP requests counted, members of its ${batches} BatchRequests included)`,
      baseline: `node -e 0: ${node.toFixed(0)} ms; target <= 300 ms`,
      ratio: backup / Math.min(node, node2),
      ratioMeaning: 'x node -e 0',
      data: { backupMs: backup, nodeMs: node, node2Ms: node2, requests },
    },
  ];
}
