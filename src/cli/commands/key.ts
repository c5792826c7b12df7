/**
 * `zimbra-backup key add|list|remove`: the key slots of an encrypted repository (docs/FORMAT.md
 * "Key slots"). Passwords come from files or the environment, never from the command line: the
 * current one from `--repo-password-file` / `ZB_REPO_PASSWORD`, the new one of `key add` from
 * `--new-password-file` / `ZB_NEW_REPO_PASSWORD`.
 * @module
 */
import { ZimbraBackupError } from '../../errors.js';
import { optString, readPassword, requireString } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { REPO_PASSWORD_OPTIONS, repositoryFromArgs } from '../connect.js';

type Values = Record<string, string | boolean | string[] | undefined>;

const REPO = '--repo PATH|s3://bucket/prefix (--repo-password-file F | env ZB_REPO_PASSWORD)';

async function openEncrypted(values: Values, ctx: CommandContext) {
  const repository = await repositoryFromArgs(values, ctx);
  if (!repository.encrypted)
    throw new ZimbraBackupError('the repository is not encrypted: it has no key slots', {
      code: 'ZB_UNSUPPORTED',
      data: { reason: 'not-encrypted' },
    });
  return repository;
}

/** `key add`: a new key slot holding the master key under another password. */
export const keyAddCommand: Command = {
  name: 'key add',
  summary:
    'add a key slot to an encrypted repository (its password from --new-password-file or env ZB_NEW_REPO_PASSWORD)',
  usage: `zimbra-backup key add ${REPO} (--new-password-file F | env ZB_NEW_REPO_PASSWORD) [--label TEXT] [--json]`,
  options: {
    repo: { type: 'string' },
    ...REPO_PASSWORD_OPTIONS,
    'new-password-file': { type: 'string' },
    label: { type: 'string' },
  },
  async run(values, ctx) {
    requireString(values, 'repo');
    const password = await readPassword(values, ctx.env, 'new-password-file', 'ZB_NEW_REPO_PASSWORD');
    if (!password)
      throw new ZimbraBackupError('key add needs the new password: --new-password-file F or env ZB_NEW_REPO_PASSWORD', {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'new-password-file' },
      });
    const repository = await openEncrypted(values, ctx);
    const label = optString(values, 'label');
    const slot = await repository.addKey({ password, ...(label ? { label } : {}), signal: ctx.signal });
    if (values['json']) ctx.out(JSON.stringify(slot));
    else ctx.out(`added key slot ${slot.id}${slot.label ? ` (${slot.label})` : ''}`);
    return 0;
  },
};

/** `key list`: the slots (ids, labels, creation times, KDF parameters; nothing secret). */
export const keyListCommand: Command = {
  name: 'key list',
  summary: 'list the key slots of an encrypted repository (the one the given password opens is marked)',
  usage: `zimbra-backup key list ${REPO} [--json]`,
  options: { repo: { type: 'string' }, ...REPO_PASSWORD_OPTIONS },
  async run(values, ctx) {
    const repository = await openEncrypted(values, ctx);
    const slots = await repository.keySlots(ctx.signal);
    if (values['json']) {
      ctx.out(JSON.stringify({ slots: slots.map((s) => ({ ...s, current: s.id === repository.keySlotId })) }));
      return 0;
    }
    for (const s of slots)
      ctx.out(
        `${s.id === repository.keySlotId ? '*' : ' '} ${s.id}  ${s.created}  scrypt N=${s.kdf.N} r=${s.kdf.r} p=${s.kdf.p}${s.label ? `  ${s.label}` : ''}`,
      );
    return 0;
  },
};

/** `key remove ID`: deletes a slot; never the last one nor the one the given password opens. */
export const keyRemoveCommand: Command = {
  name: 'key remove',
  summary: 'remove a key slot of an encrypted repository (never the last one, nor the one the given password opens)',
  usage: `zimbra-backup key remove ${REPO} --id SLOT_ID [--json]`,
  options: { repo: { type: 'string' }, ...REPO_PASSWORD_OPTIONS, id: { type: 'string' } },
  async run(values, ctx) {
    const id = requireString(values, 'id');
    const repository = await openEncrypted(values, ctx);
    await repository.removeKey(id, ctx.signal);
    if (values['json']) ctx.out(JSON.stringify({ removed: id }));
    else ctx.out(`removed key slot ${id}`);
    return 0;
  },
};
