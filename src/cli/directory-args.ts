import {
  SOAP_DIRECTORY_WARNING,
  saveDirectoryEntries,
  soapDirectoryEntries,
  type DirectorySnapshotResult,
} from '../backup/directory-snapshot.js';
import { saveDirectoryDump } from '../ldap/directory-dump-io.js';
import { directoryDumpKey } from '../repository/layout.js';
import type { Repository } from '../repository/repository.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { optString, readPassword } from './args.js';
import type { CommandContext, OptionSpec } from './command.js';
import { ZimbraBackupError } from '../errors.js';

/** LDAP options of `backup` and `watch`. */
export const LDAP_OPTIONS: OptionSpec = {
  'ldap-url': { type: 'string' },
  'ldap-bind-dn': { type: 'string' },
  'ldap-password-file': { type: 'string' },
  'no-directory': { type: 'boolean' },
};

/** Usage text of {@link LDAP_OPTIONS}. */
export const LDAP_USAGE =
  '[--ldap-url URL --ldap-bind-dn DN (--ldap-password-file F | env ZB_LDAP_PASSWORD)] [--no-directory]';

type Values = Record<string, string | boolean | string[] | undefined>;

/**
 * Saves a directory snapshot into the repository: from LDAP when `--ldap-url` is given, else
 * through admin SOAP with a warning (no password hashes). Never silently skipped: only
 * `--no-directory` turns it off.
 */
export async function dumpDirectoryFromArgs(
  values: Values,
  ctx: CommandContext,
  client: ZimbraClient,
  repository: Repository,
): Promise<DirectorySnapshotResult | undefined> {
  if (values['no-directory']) return undefined;
  const key = directoryDumpKey(new Date());
  const url = optString(values, 'ldap-url');
  if (url !== undefined) {
    const bindDN = optString(values, 'ldap-bind-dn');
    const password = await readPassword(values, ctx.env, 'ldap-password-file', 'ZB_LDAP_PASSWORD');
    if (!bindDN || !password)
      throw new ZimbraBackupError(
        '--ldap-url needs --ldap-bind-dn and --ldap-password-file (or env ZB_LDAP_PASSWORD)',
        { code: 'ZB_INVALID_ARGUMENT' },
      );
    const r = await saveDirectoryDump({ url, bindDN, password, backend: repository.backend, key, signal: ctx.signal });
    return { key, source: 'ldap', summary: r.summary, bytes: r.bytes };
  }
  const r = await saveDirectoryEntries(repository.backend, key, soapDirectoryEntries(client, ctx.signal), ctx.signal);
  ctx.err(`warning: ${SOAP_DIRECTORY_WARNING}`);
  return { key, source: 'soap', summary: r.summary, bytes: r.bytes, warning: SOAP_DIRECTORY_WARNING };
}
