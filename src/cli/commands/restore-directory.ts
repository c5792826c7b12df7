import { ZimbraBackupError } from '../../errors.js';
import { restoreDirectory, type DirectoryObjectKind } from '../../directory/restore-directory.js';
import { optList, optString, optTime } from '../args.js';
import type { Command } from '../command.js';
import { adminClientFromArgs, repositoryFromArgs, SERVER_OPTIONS, SERVER_USAGE } from '../connect.js';

const KINDS: readonly DirectoryObjectKind[] = ['cos', 'domain', 'account', 'alias', 'distributionList'];

/** `zimbra-backup restore-directory`: COS, domains, accounts and lists from the directory dump, via admin SOAP. */
export const restoreDirectoryCommand: Command = {
  name: 'restore-directory',
  summary:
    'recreate COS, domains, accounts and distribution lists from the newest directory dump (admin SOAP, never raw LDIF)',
  usage: `zimbra-backup restore-directory --repo R [--domain D] [--accounts a,b] [--objects cos,domain,account,alias,distributionList] [--at ISO] ${SERVER_USAGE} [--dry-run] [--json]`,
  options: {
    ...SERVER_OPTIONS,
    repo: { type: 'string' },
    'repo-password-file': { type: 'string' },
    domain: { type: 'string' },
    accounts: { type: 'string', multiple: true },
    objects: { type: 'string' },
    at: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run(values, ctx) {
    const objects = optList(values, 'objects');
    for (const o of objects ?? [])
      if (!KINDS.includes(o as DirectoryObjectKind))
        throw new ZimbraBackupError(`--objects: unknown kind ${o} (use ${KINDS.join(',')})`, {
          code: 'ZB_INVALID_ARGUMENT',
        });
    const at = optTime(values, 'at');
    const repository = await repositoryFromArgs(values, ctx);
    const client = await adminClientFromArgs(values, ctx);
    try {
      const domain = optString(values, 'domain');
      const accounts = optList(values, 'accounts');
      const r = await restoreDirectory({
        repository,
        client,
        signal: ctx.signal,
        ...(objects ? { objects: objects as DirectoryObjectKind[] } : {}),
        ...(domain ? { domain } : {}),
        ...(accounts ? { accounts } : {}),
        ...(at !== undefined ? { at } : {}),
        ...(values['dry-run'] === true ? { dryRun: true } : {}),
      });
      if (values['json'] === true) {
        ctx.out(
          JSON.stringify({
            ...r,
            generatedPasswords: r.generatedPasswords.map((p) => ({ name: p.name, password: p.password.reveal() })),
          }),
        );
      } else {
        if (r.source === 'journal')
          ctx.err('no directory dump in the repository: accounts only, from the backed-up account attributes');
        for (const o of r.created)
          ctx.out(`${r.dryRun ? 'would create' : 'created'} ${o.kind} ${o.name}${o.id ? ` (${o.id})` : ''}`);
        for (const o of r.skipped) ctx.out(`skipped ${o.kind} ${o.name}: ${o.reason}`);
        for (const p of r.generatedPasswords)
          ctx.out(`generated password for ${p.name} (shown once): ${p.password.reveal()}`);
        for (const o of r.failures) ctx.err(`failed: ${o.kind} ${o.name}: ${o.reason}`);
      }
      return r.failures.length > 0 ? 1 : 0;
    } finally {
      client.close();
    }
  },
};
