import { ZimbraBackupError } from '../../errors.js';
import { importArchive } from '../../import/import-archive.js';
import { importRepository, type ImportProgress, type ImportResult } from '../../import/import-repository.js';
import { optInt, optList, optString, optTime, readPassword } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { SERVER_OPTIONS, SERVER_USAGE, adminClientFromArgs, backendFromArg } from '../connect.js';
import { openRepository } from '../../repository/repository.js';
import { LocalBackend } from '../../store/backends/local.js';

function progress(ctx: CommandContext): (p: ImportProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 500) return;
    last = now;
    ctx.err(
      p.phase === 'account' && p.restore
        ? `import: ${p.account}: ${p.restore.phase} ${p.restore.loaded}/${p.restore.total ?? '?'}`
        : `import: ${p.phase} ${p.loaded}${p.total ? `/${p.total}` : ''}`,
    );
  };
}

function print(ctx: CommandContext, json: boolean, r: ImportResult & { workDir?: string }): number {
  if (json) {
    ctx.out(
      JSON.stringify({
        ...r,
        accounts: r.accounts.map(({ generatedPassword, ...a }) => ({
          ...a,
          ...(generatedPassword ? { generatedPassword: generatedPassword.reveal() } : {}),
        })),
      }),
    );
  } else {
    for (const o of r.directory)
      if (o.kind !== 'account') ctx.out(`${o.kind} ${o.name}: ${o.status}${o.reason ? ` (${o.reason})` : ''}`);
    for (const a of r.accounts) {
      const n = a.counts ? Object.values(a.counts).reduce((s, c) => s + c.restored, 0) : 0;
      ctx.out(
        `${a.name}: ${a.status}${a.counts ? `, ${n} written, ${a.idMap?.entries ?? 0} in the id map` : ''}${a.error ? `: ${a.error.code}: ${a.error.message}` : ''}`,
      );
      if (a.generatedPassword)
        ctx.out(`generated password for ${a.name} (shown once): ${a.generatedPassword.reveal()}`);
      for (const w of a.warnings ?? []) ctx.err(`warning: ${a.name}: ${w}`);
      for (const f of a.failures.slice(0, 20)) ctx.err(`failed: ${a.name} ${f.kind} ${f.id}: ${f.code}: ${f.message}`);
    }
    if (r.workDir)
      ctx.err(
        `work directory kept: ${r.workDir}${r.complete ? '' : ' (rerun with --work-dir and --resume to finish)'}`,
      );
  }
  return r.complete ? 0 : 3;
}

/** `zimbra-backup import`: an export archive (or a repository) onto another server. */
export const importCommand: Command = {
  name: 'import',
  summary:
    'provision domains, COS, lists and accounts on a server and restore their mailboxes from an export archive or a repository',
  usage: `zimbra-backup import (--archive FILE [--archive-password-file F | env ZB_ARCHIVE_PASSWORD] | --from-repo PATH|s3://... [--from-repo-password-file F | env ZB_FROM_REPO_PASSWORD] [--at ISO-TIME]) ${SERVER_USAGE} [--accounts a,b] [--on-existing skip|fail] [--concurrency N] [--work-dir DIR [--resume]] [--json]`,
  options: {
    ...SERVER_OPTIONS,
    archive: { type: 'string' },
    'archive-password-file': { type: 'string' },
    'from-repo': { type: 'string' },
    'from-repo-password-file': { type: 'string' },
    at: { type: 'string' },
    accounts: { type: 'string', multiple: true },
    'on-existing': { type: 'string' },
    concurrency: { type: 'string' },
    'work-dir': { type: 'string' },
    resume: { type: 'boolean' },
  },
  async run(values, ctx) {
    const archive = optString(values, 'archive');
    const fromRepo = optString(values, 'from-repo');
    if ((archive === undefined) === (fromRepo === undefined))
      throw new ZimbraBackupError('give exactly one of --archive and --from-repo', { code: 'ZB_INVALID_ARGUMENT' });
    const onExisting = optString(values, 'on-existing') ?? 'skip';
    if (onExisting !== 'skip' && onExisting !== 'fail')
      throw new ZimbraBackupError('--on-existing must be skip or fail', {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'on-existing' },
      });
    const accounts = optList(values, 'accounts');
    const concurrency = optInt(values, 'concurrency', 1);
    const workDir = optString(values, 'work-dir');
    const client = await adminClientFromArgs(values, ctx);
    const common = {
      client,
      onExisting,
      signal: ctx.signal,
      ...(accounts ? { accounts } : {}),
      ...(concurrency ? { concurrency } : {}),
      ...(ctx.tty ? { onProgress: progress(ctx) } : {}),
    } as const;
    try {
      if (archive !== undefined) {
        const password = await readPassword(values, ctx.env, 'archive-password-file', 'ZB_ARCHIVE_PASSWORD');
        const r = await importArchive({
          ...common,
          archive,
          ...(password ? { password } : {}),
          ...(workDir ? { workDir } : {}),
          ...(values['resume'] === true ? { resume: true } : {}),
        });
        return print(ctx, values['json'] === true, r);
      }
      const fromPassword = await readPassword(values, ctx.env, 'from-repo-password-file', 'ZB_FROM_REPO_PASSWORD');
      const from = await openRepository({
        backend: await backendFromArg(fromRepo!),
        ...(fromPassword ? { password: fromPassword } : {}),
      });
      const at = optTime(values, 'at');
      const r = await importRepository({
        ...common,
        from,
        ...(at !== undefined ? { at } : {}),
        ...(workDir ? { stateBackend: new LocalBackend({ root: workDir }) } : {}),
      });
      return print(ctx, values['json'] === true, r);
    } finally {
      client.close();
    }
  },
};
