import type { DirectoryCapture } from '../directory/capture-directory.js';
import { ZimbraBackupError } from '../errors.js';
import { optString, readPassword } from './args.js';
import type { CommandContext, OptionSpec } from './command.js';

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
 * The directory source the arguments ask for: LDAP when `--ldap-url` is given, else admin SOAP
 * (the engine's result then carries a warning: no password hashes). Never silently skipped:
 * only `--no-directory` turns it off (undefined).
 */
export async function directoryCaptureFromArgs(
  values: Values,
  ctx: CommandContext,
): Promise<DirectoryCapture | undefined> {
  if (values['no-directory']) return undefined;
  const url = optString(values, 'ldap-url');
  if (url === undefined) return { source: 'soap' };
  const bindDN = optString(values, 'ldap-bind-dn');
  const password = await readPassword(values, ctx.env, 'ldap-password-file', 'ZB_LDAP_PASSWORD');
  if (!bindDN || !password)
    throw new ZimbraBackupError('--ldap-url needs --ldap-bind-dn and --ldap-password-file (or env ZB_LDAP_PASSWORD)', {
      code: 'ZB_INVALID_ARGUMENT',
    });
  return { source: 'ldap', url, bindDN, password };
}
