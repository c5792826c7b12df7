/**
 * Profiling harness (not part of `npm run bench`): seeds a small corpus into the emulator (this process), makes
 * an initial backup in a child, then runs the compiled CLI (`npm run build` first) for a no-change incremental
 * `backup` with `--cpu-prof`, printing its wall time next to `node -e 0`. Run:
 * `npx tsx bench/profile-cli.ts [accounts] [messages] [profile dir]`, then `npx tsx bench/profile-top.ts <dir>`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { childBackup } from './lib/child.js';
import { MODES, scratchDir, startBenchServer } from './lib/setup.js';
import { note } from './lib/timing.js';

const run = promisify(execFile);
const accounts = Number(process.argv[2] ?? 5);
const messages = Number(process.argv[3] ?? 200);
const profDir = resolve(process.argv[4] ?? 'bench/results/profile-cli');
const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const mode = { ...MODES.quick, corpus: { ...MODES.quick.corpus, accounts, messagesPerAccount: messages } };

/** fsync + fdatasync calls of one run under `strace -f -c`, or undefined without strace. */
async function countFsyncs(a: string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  try {
    const out = await run('strace', ['-f', '-c', '-e', 'trace=fsync,fdatasync', process.execPath, ...a], {
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    let n = 0;
    for (const m of out.stderr.matchAll(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(fsync|fdatasync)$/gm))
      n += Number(m[1]);
    return n;
  } catch {
    return undefined;
  }
}

const scratch = await scratchDir();
const server = await startBenchServer(mode);
try {
  const repo = await mkdtemp(join(scratch, 'repo-'));
  await childBackup(server, server.accounts, repo, 'gzip');
  const env = { ...process.env, ZB_ADMIN_PASSWORD: server.emu.adminPassword };
  const args = [
    'backup',
    '--repo',
    repo,
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
  const time = async (a: string[]): Promise<number> => {
    const t = performance.now();
    await run(process.execPath, a, { env, maxBuffer: 16 * 1024 * 1024 });
    return performance.now() - t;
  };
  await time([MAIN, ...args]);
  // One no-change run on its own: the SOAP requests it sends (the emulator's counts) and, when strace is
  // installed, its fsync/fdatasync calls; neither depends on the machine's load.
  server.emu.stats.reset();
  await time([MAIN, ...args]);
  const perRun = { ...server.emu.stats.counts };
  const total = Object.values(perRun).reduce((a, b) => a + b, 0);
  note(
    `one no-change run: ${total} requests (members of a BatchRequest counted under their own names too) ${JSON.stringify(perRun)}`,
  );
  const fsyncs = await countFsyncs([MAIN, ...args], env);
  if (fsyncs !== undefined) note(`one no-change run: ${fsyncs} fsync/fdatasync calls (strace)`);
  const plain: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < 3; i++) {
    node.push(await time(['-e', '0']));
    plain.push(await time([MAIN, ...args]));
  }
  note(
    `node -e 0: ${node.map((x) => x.toFixed(0)).join(', ')} ms; no-change backup: ${plain.map((x) => x.toFixed(0)).join(', ')} ms`,
  );
  // CPU time (user + system) of the child, which load changes much less than wall time.
  const cpu = async (a: string[]): Promise<string> => {
    try {
      const { stderr } = await run('/usr/bin/time', ['-f', 'ZBCPU %U %S', process.execPath, ...a], {
        env,
        maxBuffer: 16 * 1024 * 1024,
      });
      const m = /ZBCPU ([\d.]+) ([\d.]+)/.exec(stderr);
      return m ? `${((Number(m[1]) + Number(m[2])) * 1000).toFixed(0)} ms` : '?';
    } catch {
      return '?';
    }
  };
  note(`CPU (user+sys): node -e 0 ${await cpu(['-e', '0'])}; no-change backup ${await cpu([MAIN, ...args])}`);
  await time(['--cpu-prof', `--cpu-prof-dir=${profDir}`, MAIN, ...args]);
  note(`profile in ${profDir}; requests ${JSON.stringify(server.emu.stats)}`);
} finally {
  server.client.close();
  await server.emu.close();
  await rm(scratch, { recursive: true, force: true });
}
