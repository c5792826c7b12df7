/**
 * Running the CLI inside the test process, and the argument lists most CLI tests build: one place
 * instead of a copy per test file. Child-process runs (real signals, exit codes of a process) stay
 * in `test/faults/support/cli-child.ts`.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Command, CommandContext } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';

/** What one in-process run returned and printed (each line followed by a newline). */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

type Env = NodeJS.ProcessEnv;

/** A context whose output lines are collected; not a terminal, and only the environment given. */
function capture(env: Env): { ctx: Omit<CommandContext, 'signal'>; printed: () => { out: string; err: string } } {
  let out = '';
  let err = '';
  const ctx = { out: (t: string) => (out += `${t}\n`), err: (t: string) => (err += `${t}\n`), tty: false, env };
  return { ctx, printed: () => ({ out, err }) };
}

/** Runs `zimbra-backup <args>` through `main()` in this process (with `main`'s own abort signal unless given). */
export async function runMain(args: string[], env: Env = {}, opts: { signal?: AbortSignal } = {}): Promise<CliResult> {
  const { ctx, printed } = capture(env);
  const code = await main(args, { ...ctx, ...(opts.signal ? { signal: opts.signal } : {}) });
  return { code, ...printed() };
}

/** Runs one command module with `args` parsed by its own options (plus `--json`), as `main()` does. */
export async function runCommand(cmd: Command, args: string[], env: Env = {}): Promise<CliResult> {
  const { values } = parseArgs({ args, options: { ...cmd.options, json: { type: 'boolean' } }, strict: true });
  const { ctx, printed } = capture(env);
  const code = await cmd.run(values as Record<string, string | boolean | string[] | undefined>, {
    ...ctx,
    signal: new AbortController().signal,
  });
  return { code, ...printed() };
}

/** Where a CLI run reaches a Zimbra server (an emulator, or a proxy in front of one). */
export interface ServerEndpoints {
  adminUrl: string;
  url: string;
  adminUser: string;
}

/** `--server ADMIN_URL --mail-url URL --admin USER`, then `--password-file FILE` when given. */
export function serverArgs(server: ServerEndpoints, passwordFile?: string): string[] {
  return [
    '--server',
    server.adminUrl,
    '--mail-url',
    server.url,
    '--admin',
    server.adminUser,
    ...(passwordFile === undefined ? [] : ['--password-file', passwordFile]),
  ];
}

/** Writes a password file for `--password-file` (one line, mode 0600); returns its path. */
export async function writePasswordFile(path: string, password: string): Promise<string> {
  await writeFile(path, `${password}\n`, { mode: 0o600 });
  return path;
}
