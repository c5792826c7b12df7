import { repositoryStatus, type ServerStatus } from '../../catalog/repository-status.js';
import type { Command } from '../command.js';
import { repositoryFromArgs } from '../connect.js';

function age(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 120_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)}m`;
  return `${(ms / 3_600_000).toFixed(1)}h`;
}

/** `zimbra-backup status`: what the repository holds. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'accounts with item counts, last commit, token age; repository size, dedup and compression ratios',
  usage: 'zimbra-backup status --repo PATH|s3://bucket/prefix [--json]',
  options: { repo: { type: 'string' }, 'repo-password-file': { type: 'string' } },
  async run(values, ctx) {
    const repository = await repositoryFromArgs(values, ctx);
    const s = await repositoryStatus({ repository, signal: ctx.signal });
    if (values['json']) {
      ctx.out(JSON.stringify(s));
      return 0;
    }
    const now = Date.now();
    for (const a of s.accounts) {
      const when = a.lastCommitMs > 0 ? new Date(a.lastCommitMs).toISOString() : 'never';
      const flags = [
        a.deletedMs !== undefined ? 'DELETED' : '',
        a.inactive ? `INACTIVE since ${new Date(a.inactive.sinceMs).toISOString()}` : '',
        a.failingItems > 0 ? `${a.failingItems} failing` : '',
        a.lagReason ?? '',
      ]
        .filter(Boolean)
        .join(' ');
      ctx.out(
        `${a.name.padEnd(32)} ${String(a.items).padStart(7)} items  last commit ${when} (${age(a.lastCommitMs > 0 ? now - a.lastCommitMs : undefined)} ago)  token age ${age(a.tokenAgeMs)}  lag ${age(a.lagMs)}${a.server ? `  on ${a.server}` : ''} ${flags}`,
      );
    }
    for (const srv of s.servers)
      ctx.out(
        `server ${srv.name}: ${srv.state} since ${new Date(srv.sinceMs).toISOString()}, ${srv.accounts} accounts (reported by ${srv.engine} ${age(now - srv.reportedMs)} ago)${srv.lastError ? `: ${srv.lastError}` : ''}${srv.waitSet ? `; ${srv.waitSet} WaitSet` : ''}${deafText(srv.deaf)}`,
      );
    ctx.out(
      `repository: ${(s.repositoryBytes / 1e6).toFixed(1)} MB in total, ${s.blobs} blobs (${(s.blobBytesStored / 1e6).toFixed(1)} MB stored); mailboxes hold ${(s.logicalBytes / 1e6).toFixed(1)} MB; dedup ${s.dedupRatio.toFixed(2)}x, compression ${s.compressionRatio.toFixed(2)}x`,
    );
    return 0;
  },
};

/** The polling fallback of a server, for the status line ('' when none). */
function deafText(d: ServerStatus['deaf']): string {
  if (!d) return '';
  const what = d.server
    ? 'WaitSet DEAF (no signals while accounts change)'
    : `WaitSet missed ${d.accounts} account(s), refused ${d.refused}`;
  const since = d.sinceMs !== undefined ? ` since ${new Date(d.sinceMs).toISOString()}` : '';
  return `; ${what}${since}: polling ${d.polling} account(s)`;
}
