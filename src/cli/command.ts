import type { ParseArgsConfig } from 'node:util';

/** Options of one command as `node:util` parseArgs describes them. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What every command receives besides its parsed options. */
export interface CommandContext {
  /** Writes a machine-readable result (`--json`) or human text to stdout. */
  out: (text: string) => void;
  /** Writes progress and warnings to stderr. */
  err: (text: string) => void;
  /** True when stderr is a terminal (progress lines are drawn then). */
  tty: boolean;
  /** Environment (passwords may come from it; never from argv). */
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly. */
  signal: AbortSignal;
}

/** One CLI command: name, help and an implementation returning an exit code. */
export interface Command {
  name: string;
  summary: string;
  /** Usage lines shown by `--help`. */
  usage: string;
  options: OptionSpec;
  /** The command reads `--config` itself (`run`, `config check`); main.ts then does not apply it. */
  ownsConfig?: boolean;
  run(values: Record<string, string | boolean | string[] | undefined>, ctx: CommandContext): Promise<number>;
}
