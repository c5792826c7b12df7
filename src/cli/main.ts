#!/usr/bin/env node
/**
 * The zimbra-backup command line: the only layer that touches `process`.
 * Every command has --help, prints `code: message` and exits non-zero on failure, and with
 * --json prints one machine-readable result on stdout.
 */
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { ZimbraBackupError } from '../errors.js';
import type { Command, CommandContext } from './command.js';
import { commandEntries } from './commands/registry.js';
import { faultCodeOf } from '../internal/fault-code.js';

function globalHelp(): string {
  const width = Math.max(...commandEntries.map((c) => c.name.length));
  const lines = commandEntries.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: zimbra-backup <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `zimbra-backup <command> --help` for the options of a command.',
  ].join('\n');
}

function commandHelp(cmd: Command): string {
  return [
    `Usage: ${cmd.usage}`,
    '',
    cmd.summary,
    '',
    'Every command also takes --config FILE: flags it accepts come from that file unless given here.',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], ctxIn?: Partial<CommandContext>): Promise<number> {
  const controller = new AbortController();
  // One signal is shared by every concurrent request of a run.
  setMaxListeners(0, controller.signal);
  const ctx: CommandContext = {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    tty: Boolean(process.stderr.isTTY),
    env: process.env,
    signal: controller.signal,
    ...ctxIn,
  };
  // Two-word commands (`config check`, `emulator-ctl deliver`) are looked up first.
  const two = argv.length >= 2 ? commandEntries.find((c) => c.name === `${argv[0]} ${argv[1]}`) : undefined;
  const [name, ...rest] = two ? [two.name, ...argv.slice(2)] : argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.out(globalHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    ctx.out('zimbra-backup 0.1.0');
    return 0;
  }
  const entry = commandEntries.find((c) => c.name === name);
  if (!entry) {
    ctx.err(`ZB_INVALID_ARGUMENT: unknown command ${JSON.stringify(name)}; run zimbra-backup --help`);
    return 2;
  }
  // Only this command's module (and what it imports) is loaded.
  const cmd = await entry.load();
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: rest,
      options: {
        ...cmd.options,
        help: { type: 'boolean', short: 'h' },
        json: { type: 'boolean' },
        config: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values as typeof values;
  } catch (err) {
    ctx.err(`ZB_INVALID_ARGUMENT: ${(err as Error).message}`);
    return 2;
  }
  if (values['help']) {
    ctx.out(commandHelp(cmd));
    return 0;
  }
  if (typeof values['config'] === 'string' && !cmd.ownsConfig) {
    try {
      // Flags given on the command line win over the file (one mapping: cli/config/config-keys.ts).
      // The config file is checked against every command's flags: load them all (only with --config).
      const [{ configFlags, loadConfig }, { commands }] = await Promise.all([
        import('./config/config-file.js'),
        import('./commands/index.js'),
      ]);
      values = { ...configFlags(await loadConfig(values['config'], commands), cmd), ...values };
    } catch (err) {
      reportError(err, values['json'] === true, ctx);
      return 2;
    }
  }
  const onSignal = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await cmd.run(values, ctx);
  } catch (err) {
    reportError(err, values['json'] === true, ctx);
    return err instanceof ZimbraBackupError && err.code === 'ZB_INVALID_ARGUMENT' ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function reportError(err: unknown, json: boolean, ctx: CommandContext): void {
  if (err instanceof ZimbraBackupError) {
    const code = faultCodeOf(err) ?? err.code;
    if (json) ctx.out(JSON.stringify({ error: err.toJSON() }));
    // A SOAP fault's message already starts with its code ("account.AUTH_FAILED: ..."): once is enough.
    const first = err.message.split('\n')[0] ?? '';
    ctx.err(first.startsWith(`${code}: `) ? first : `${code}: ${first}`);
    const hint = lockHint(err);
    if (hint) ctx.err(hint);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (json) ctx.out(JSON.stringify({ error: { code: 'ZB_INTERNAL', message } }));
  ctx.err(`ZB_INTERNAL: ${message.split('\n')[0]}`);
}

/** What to do when the writer lock belongs to a long-running capture (docs/FORMAT.md, "Locks"). */
function lockHint(err: ZimbraBackupError): string | undefined {
  if (err.code !== 'ZB_LOCK_HELD' || err.data['stale'] === true) return undefined;
  const owner = err.data['owner'];
  if (owner !== 'watch' && owner !== 'run') return undefined;
  return (
    `hint: the repository is being written by real-time capture (\`${owner}\`). purge, check --repair and ` +
    'backup --full (of the whole repository) are handed to that process and run inside it; this command cannot be: ' +
    'give `zimbra-backup run --config FILE` a [schedule] for it, or stop the capture (SIGTERM commits what is in ' +
    'flight), run the command, and start it again. Read-only commands (check without --repair, ls, status, restore, ' +
    'export) work beside it.'
  );
}

const isEntry = process.argv[1] !== undefined && /(?:main\.[jt]s|zimbra-backup(?:\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  // `zimbra-backup ls | head`: a closed pipe ends the output, not the process with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`ZB_INTERNAL: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
