import { listItems } from '../../catalog/list-items.js';
import { ZimbraBackupError } from '../../errors.js';
import { optString, optTime, parseZonedTime, requireString } from '../args.js';
import type { Command } from '../command.js';
import { repositoryFromArgs } from '../connect.js';
import { coverageWarnings, isoTime, resolvedTimes } from '../time-coverage.js';

/** `zimbra-backup ls`: browse backed-up items. */
export const lsCommand: Command = {
  name: 'ls',
  summary: 'items of an account as they were at an instant, or the deleted ones with their deletion time',
  usage:
    'zimbra-backup ls --repo R --account A [--at ISO] [--deleted [--from ISO]] [--folder PATH] [--subject TEXT] [--from TEXT | --sender TEXT] [--between ISO..ISO] [--json]\n' +
    '  --subject/--sender: case-insensitive substring of the recorded envelope; --from is the sender, except with --deleted where it keeps\n' +
    '  its old meaning (start of the deletion window; use --sender there); --between: message date in that range (times with a zone)',
  options: {
    repo: { type: 'string' },
    'repo-password-file': { type: 'string' },
    account: { type: 'string' },
    at: { type: 'string' },
    from: { type: 'string' },
    deleted: { type: 'boolean' },
    folder: { type: 'string' },
    subject: { type: 'string' },
    sender: { type: 'string' },
    between: { type: 'string' },
  },
  async run(values, ctx) {
    const repository = await repositoryFromArgs(values, ctx);
    const at = optTime(values, 'at');
    const deleted = values['deleted'] === true;
    // --from was the deletion window's start (with --deleted) before it was the sender: both stay.
    const from = deleted ? optTime(values, 'from') : undefined;
    const sender = optString(values, 'sender') ?? (deleted ? undefined : optString(values, 'from'));
    const subject = optString(values, 'subject');
    const between = optBetween(values);
    const folder = optString(values, 'folder');
    const account = requireString(values, 'account');
    const items = await listItems({
      repository,
      account,
      deleted: values['deleted'] === true,
      signal: ctx.signal,
      ...(at !== undefined ? { at } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(folder !== undefined ? { folder } : {}),
      ...(subject !== undefined ? { subject } : {}),
      ...(sender !== undefined ? { sender } : {}),
      ...(between !== undefined ? { between } : {}),
    });
    // The instant shown: the one asked for, or (no --at) the latest commit, i.e. "now".
    const times = resolvedTimes({ at, from });
    const warnings = await coverageWarnings(repository, account, { at, from }, ctx.signal);
    if (values['json']) {
      ctx.out(JSON.stringify({ ...times, warnings, items }));
      return 0;
    }
    for (const w of warnings) ctx.err(`warning: ${w}`);
    for (const i of items) {
      const date = i.dateMs !== undefined ? new Date(i.dateMs).toISOString().slice(0, 16) : ''.padEnd(16);
      const del = i.deletedMs !== undefined ? ` deleted ${new Date(i.deletedMs).toISOString()}` : '';
      const env =
        i.subject !== undefined || i.from !== undefined
          ? `  ${clip(i.from ?? '', 30).padEnd(30)}  ${clip(i.subject ?? '', 60)}`
          : '';
      ctx.out(
        `${i.id.padStart(7)} ${i.kind.padEnd(11)} ${date} ${String(i.size ?? '').padStart(9)} ${(i.flags || '-').padEnd(4)} ${i.path}${i.name !== undefined && i.kind !== 'folder' ? `/${i.name}` : ''}${i.tags.length ? ` [${i.tags.join(',')}]` : ''}${del}${env}`,
      );
    }
    const when =
      values['deleted'] === true
        ? `deleted between ${isoTime(from ?? 0)} and ${at !== undefined ? isoTime(at) : 'now'}`
        : `at ${at !== undefined ? isoTime(at) : 'the latest commit'}`;
    ctx.err(`${items.length} items ${when} (UTC)`);
    return 0;
  },
};

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** `--between A..B` (or `A,B`): two zoned instants, start before end. */
function optBetween(values: Record<string, string | boolean | string[] | undefined>): [number, number] | undefined {
  const v = optString(values, 'between');
  if (v === undefined) return undefined;
  const parts = v.includes('..') ? v.split('..') : v.split(',');
  if (parts.length !== 2)
    throw new ZimbraBackupError('--between must be START..END, two times with a zone', { code: 'ZB_INVALID_ARGUMENT' });
  const [a, b] = parts.map((p) => parseZonedTime(p.trim(), 'between'));
  if (a === undefined || b === undefined || a > b)
    throw new ZimbraBackupError('--between: the start must be at or before the end', { code: 'ZB_INVALID_ARGUMENT' });
  return [a, b];
}
