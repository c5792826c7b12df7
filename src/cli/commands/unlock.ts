import { optString } from '../args.js';
import type { Command } from '../command.js';
import { repositoryFromArgs } from '../connect.js';

/** `zimbra-backup unlock`: removes stale writer locks (a crashed writer on another host, an expired heartbeat). */
export const unlockCommand: Command = {
  name: 'unlock',
  summary: 'list the writer locks and remove the stale ones (or one named lock; --force also removes a live one)',
  usage: 'zimbra-backup unlock --repo R [--lock-id ID] [--force] [--dry-run] [--json]',
  options: {
    repo: { type: 'string' },
    'repo-password-file': { type: 'string' },
    'lock-id': { type: 'string' },
    force: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  },
  async run(values, ctx) {
    const repository = await repositoryFromArgs(values, ctx);
    const lockId = optString(values, 'lock-id');
    const locks = await repository.locks();
    const removed = values['dry-run']
      ? []
      : await repository.breakLock({ ...(lockId !== undefined ? { lockId } : {}), force: values['force'] === true });
    if (values['json']) {
      ctx.out(JSON.stringify({ locks, removed }));
      return 0;
    }
    for (const l of locks) {
      const gone = removed.some((r) => r.id === l.id);
      ctx.out(
        `${l.id} ${l.owner} ${l.host} pid ${l.pid} heartbeat ${new Date(l.heartbeatMs).toISOString()}${l.stale ? ' STALE' : ''}${gone ? ' -> removed' : ''}`,
      );
    }
    if (locks.length === 0) ctx.out('no locks');
    return 0;
  },
};
