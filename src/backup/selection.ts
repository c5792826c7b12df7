/**
 * Which accounts one engine backs up when several engines share a repository (docs/FORMAT.md,
 * "Several writers"): a shard of the zimbraIds (`--shard i/n`) and/or the accounts homed on some
 * mailbox servers (`--mail-servers a,b`).
 *
 * The shard hash is stable across versions, hosts and Node releases: the first four bytes of
 * SHA-256 over the lower-cased zimbraId (UTF-8), read as an unsigned big-endian integer, modulo
 * `n`; shard `i` (1-based, `1 <= i <= n`) holds the ids whose value is `i - 1`. Changing this
 * function would move accounts between running engines, so it never changes.
 * @module
 */
import { createHash } from 'node:crypto';
import { ZimbraBackupError } from '../errors.js';

/** The part of the accounts one engine owns. Absent fields select everything. */
export interface AccountSelection {
  /** Shard `index` (1-based) of `count`, by {@link shardOf}. */
  shard?: { index: number; count: number };
  /** Only accounts whose `zimbraMailHost` is one of these server names (and only their WaitSets). */
  mailServers?: readonly string[];
}

/** The 1-based shard of `count` that a zimbraId belongs to (see the module doc). */
export function shardOf(zimbraId: string, count: number): number {
  const h = createHash('sha256').update(zimbraId.toLowerCase(), 'utf8').digest();
  return (h.readUInt32BE(0) % count) + 1;
}

/**
 * Parses `i/n` (`1 <= i <= n <= 1024`).
 * @throws `ZB_INVALID_ARGUMENT` on anything else.
 */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > 1024 || index < 1 || index > count)
    throw new ZimbraBackupError(
      `--shard must be i/n with 1 <= i <= n <= 1024 (shards are numbered from 1), got "${text}"`,
      {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'shard' },
      },
    );
  return { index, count };
}

/** True when the selection restricts anything (such an engine takes a shared lock). */
export function isPartial(sel: AccountSelection | undefined): boolean {
  return sel !== undefined && (sel.shard !== undefined || sel.mailServers !== undefined);
}

/**
 * True when the account belongs to the selection. `mailHost` is the account's `zimbraMailHost`
 * (for an account the server no longer lists: the last one the repository recorded); an
 * unknown host is outside any server-limited selection, so such an engine never touches it.
 */
export function inSelection(
  sel: AccountSelection | undefined,
  zimbraId: string,
  mailHost: string | undefined,
): boolean {
  if (!sel) return true;
  if (sel.shard && shardOf(zimbraId, sel.shard.count) !== sel.shard.index) return false;
  if (sel.mailServers) {
    if (mailHost === undefined) return false;
    const h = mailHost.toLowerCase();
    if (!sel.mailServers.some((s) => s.toLowerCase() === h)) return false;
  }
  return true;
}

/** A short label of the selection for engine names and lock objects, e.g. `shard-1of3+mail1.example.com`. */
export function selectionLabel(sel: AccountSelection | undefined): string {
  const parts: string[] = [];
  if (sel?.shard) parts.push(`shard-${sel.shard.index}of${sel.shard.count}`);
  if (sel?.mailServers) parts.push(...[...sel.mailServers].sort());
  return parts.join('+');
}

/**
 * Checks a selection given through the API.
 * @throws `ZB_INVALID_ARGUMENT` for a bad shard or an empty server list.
 */
export function validateSelection(sel: AccountSelection | undefined): void {
  if (sel?.shard) parseShard(`${sel.shard.index}/${sel.shard.count}`);
  if (sel?.mailServers && (sel.mailServers.length === 0 || sel.mailServers.some((s) => s.trim() === '')))
    throw new ZimbraBackupError('mailServers must name at least one server', {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'mailServers' },
    });
}
