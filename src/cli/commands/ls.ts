import { listItems } from '../../catalog/list-items.js';
import { optString, optTime, requireString } from '../args.js';
import type { Command } from '../command.js';
import { repositoryFromArgs } from '../connect.js';
import { coverageWarnings, isoTime, resolvedTimes } from '../time-coverage.js';

/** `zimbra-backup ls`: browse backed-up items. */
export const lsCommand: Command = {
  name: 'ls',
  summary: 'items of an account as they were at an instant, or the deleted ones with their deletion time',
  usage: 'zimbra-backup ls --repo R --account A [--at ISO] [--deleted [--from ISO]] [--folder PATH] [--json]',
  options: {
    repo: { type: 'string' },
    account: { type: 'string' },
    at: { type: 'string' },
    from: { type: 'string' },
    deleted: { type: 'boolean' },
    folder: { type: 'string' },
  },
  async run(values, ctx) {
    const repository = await repositoryFromArgs(values);
    const at = optTime(values, 'at');
    const from = optTime(values, 'from');
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
      ctx.out(
        `${i.id.padStart(7)} ${i.kind.padEnd(11)} ${date} ${String(i.size ?? '').padStart(9)} ${(i.flags || '-').padEnd(4)} ${i.path}${i.name !== undefined && i.kind !== 'folder' ? `/${i.name}` : ''}${i.tags.length ? ` [${i.tags.join(',')}]` : ''}${del}`,
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
