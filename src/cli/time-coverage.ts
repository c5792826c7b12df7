/**
 * The instants a command resolved, shown back to the user (issue #15: the same zone-less time
 * meant different instants on different machines and nothing showed which one was used), and
 * warnings when an instant lies outside what the repository holds for the account.
 * @module
 */
import { accountCoverage, type AccountCoverage } from '../catalog/item-history.js';
import { isZimbraBackupError } from '../errors.js';
import type { Repository } from '../repository/repository.js';
import type { CommandContext } from './command.js';

/** An instant as ISO-8601 UTC. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The resolved instants of a command, by option name, as ISO-8601 UTC (for `--json` output). */
export function resolvedTimes(times: Record<string, number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(times)) if (v !== undefined) out[k] = isoTime(v);
  return out;
}

/** Prints `--at ... = <UTC>` lines on stderr (human output only). */
export function echoTimes(ctx: CommandContext, times: Record<string, number | undefined>): void {
  for (const [k, v] of Object.entries(times)) if (v !== undefined) ctx.err(`--${k} resolved to ${isoTime(v)} (UTC)`);
}

/**
 * Warnings for instants before the account's first kept commit or after its last one (there a
 * restore shows the last captured state, which may be older than the user thinks). Empty when
 * the account is not in the repository (the command itself reports that).
 */
export async function coverageWarnings(
  repository: Repository,
  account: string,
  times: Record<string, number | undefined>,
  signal?: AbortSignal,
): Promise<string[]> {
  let coverage: AccountCoverage;
  try {
    coverage = await accountCoverage({ repository, account, ...(signal ? { signal } : {}) });
  } catch (err) {
    if (isZimbraBackupError(err, 'ZB_NOT_FOUND')) return [];
    throw err;
  }
  const entry = { name: coverage.accountName };
  const first = coverage.firstCaptureMs;
  const last = coverage.lastCaptureMs;
  const out: string[] = [];
  for (const [k, v] of Object.entries(times)) {
    if (v === undefined) continue;
    if (first === undefined) out.push(`--${k} ${isoTime(v)}: ${entry.name} has no committed backup yet`);
    else if (v < first)
      out.push(
        `--${k} ${isoTime(v)} is before the first backup of ${entry.name} kept in the repository (${isoTime(first)})`,
      );
    else if (v > last)
      out.push(
        `--${k} ${isoTime(v)} is after the last commit of ${entry.name} (${isoTime(last)}): the state shown is as of that commit`,
      );
  }
  return out;
}
