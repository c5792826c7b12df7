/**
 * Runs the real CLI (`src/cli/main.ts`) in a child process, fast enough to do it dozens of times.
 *
 * `npx tsx src/cli/main.ts` costs 3-8 s of start-up per run on the loaded 2-core CI machine (tsx
 * transpiles ~150 modules each time), which would make a 10-kill suite take minutes. So the CLI
 * is bundled once per test file with esbuild (the transpiler tsx itself runs on) into
 * `node_modules/.cache/` (so the bundle's bare imports resolve to the project's packages), and run
 * with plain `node`. If esbuild cannot be loaded, it falls back to `node --import tsx`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'src/cli/main.ts');

/** A runnable CLI: the argv prefix that starts it with `node`. */
export interface CliRunner {
  /** node arguments before the CLI's own arguments. */
  readonly nodeArgs: string[];
  /** Removes the bundle. */
  dispose(): Promise<void>;
}

/** Bundles the CLI (or falls back to tsx). Call once per test file, dispose in afterAll. */
export async function prepareCli(): Promise<CliRunner> {
  const dir = join(ROOT, 'node_modules/.cache/zimbra-backup-faults');
  // The file name must keep matching main.ts's entry test (/main\.[jt]s$/).
  const out = join(dir, `${process.pid}-${Math.random().toString(36).slice(2)}`, 'main.js');
  try {
    const esbuild = (await import('esbuild')) as typeof import('esbuild');
    await mkdir(dir, { recursive: true });
    await esbuild.build({
      entryPoints: [MAIN],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: out,
      packages: 'external',
      logLevel: 'silent',
    });
    return { nodeArgs: [out], dispose: () => rm(join(out, '..'), { recursive: true, force: true }) };
  } catch {
    return { nodeArgs: ['--import', 'tsx', MAIN], dispose: async () => {} };
  }
}

/** A spawned CLI process with its collected output. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Resolves when it exited: exit code (null when killed) and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `zimbra-backup <args>`; the environment is minimal so no ambient secret leaks in. */
export function spawnCli(cli: CliRunner, args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [...cli.nodeArgs, ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (res, rej) => {
      child.once('error', rej);
      child.once('close', (code, signal) => res({ code, signal, stdout, stderr }));
    },
  );
  return { child, exited };
}

/** Runs the CLI to completion. */
export async function runCli(
  cli: CliRunner,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return spawnCli(cli, args, env).exited;
}

/**
 * Waits until `pred` holds for the output `read()` returns (a spawned CLI's stderr so far),
 * failing at once if the process exits first, and after `ms` with the output in the message.
 */
export async function waitForOutput(
  proc: CliProcess,
  read: () => string,
  pred: (s: string) => boolean,
  ms = 30_000,
): Promise<void> {
  const start = Date.now();
  while (!pred(read())) {
    if (proc.child.exitCode !== null) throw new Error(`the CLI exited early:\n${read()}`);
    if (Date.now() - start > ms) throw new Error(`timed out; output so far:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
