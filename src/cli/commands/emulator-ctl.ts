/**
 * `zimbra-backup emulator-ctl deliver|delete|move|flag`: changes a mailbox through ordinary
 * Zimbra SOAP (AddMsgRequest, ItemActionRequest, as an admin acting on the account), so a new user
 * can watch real-time capture pick each change up. Works against the emulator and, being plain
 * SOAP, against a real server too: it writes only what it is told to.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { ZimbraBackupError } from '../../errors.js';
import { optString, requireString } from '../args.js';
import type { Command, CommandContext, OptionSpec } from '../command.js';
import { adminClientFromArgs, SERVER_OPTIONS, SERVER_USAGE } from '../connect.js';

type Values = Record<string, string | boolean | string[] | undefined>;

const BASE: OptionSpec = { ...SERVER_OPTIONS, account: { type: 'string' } };
const BASE_USAGE = `--account user@domain ${SERVER_USAGE}`;

/** Item id: digits only (the admin acts on the account, ids are its own). */
function itemIds(values: Values): string[] {
  const ids = requireString(values, 'id')
    .split(',')
    .map((s) => s.trim());
  if (ids.some((id) => !/^\d{1,10}$/.test(id)))
    throw new ZimbraBackupError('--id must be item ids (digits), comma-separated', { code: 'ZB_INVALID_ARGUMENT' });
  return ids;
}

async function withClient(
  values: Values,
  ctx: CommandContext,
  fn: (client: Awaited<ReturnType<typeof adminClientFromArgs>>, account: string) => Promise<Record<string, unknown>>,
): Promise<number> {
  const account = requireString(values, 'account');
  const client = await adminClientFromArgs(values, ctx);
  try {
    const r = await fn(client, account);
    ctx.out(
      values['json']
        ? JSON.stringify(r)
        : Object.entries(r)
            .map(([k, v]) => `${k}: ${String(v)}`)
            .join('\n'),
    );
    return 0;
  } finally {
    client.close();
  }
}

/** A small RFC 5322 message with CRLF line ends. */
function composeMessage(values: Values, account: string): string {
  const subject = optString(values, 'subject') ?? 'Hello from emulator-ctl';
  const from = optString(values, 'from') ?? 'sender@example.test';
  const body = optString(values, 'body') ?? 'This message was delivered by zimbra-backup emulator-ctl.';
  for (const [k, v] of Object.entries({ subject, from }))
    if (/[\r\n]/.test(v)) throw new ZimbraBackupError(`--${k} must be one line`, { code: 'ZB_INVALID_ARGUMENT' });
  const domain = account.split('@')[1] ?? 'example.test';
  return [
    `From: ${from}`,
    `To: ${account}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${randomBytes(8).toString('hex')}@${domain}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
}

export const emulatorCtlDeliver: Command = {
  name: 'emulator-ctl deliver',
  summary: 'add a message to a mailbox (AddMsgRequest), e.g. to watch real-time capture',
  usage: `zimbra-backup emulator-ctl deliver ${BASE_USAGE} [--subject S] [--from F] [--body B] [--folder-id 2] [--json]`,
  options: {
    ...BASE,
    subject: { type: 'string' },
    from: { type: 'string' },
    body: { type: 'string' },
    'folder-id': { type: 'string' },
  },
  run: (values, ctx) =>
    withClient(values, ctx, async (client, account) => {
      const m = await client.addMsg(
        { folderId: optString(values, 'folder-id') ?? '2', content: composeMessage(values, account), flags: 'u' },
        { account, signal: ctx.signal },
      );
      return { delivered: m.id, account, folder: m.folderId ?? optString(values, 'folder-id') ?? '2' };
    }),
};

export const emulatorCtlDelete: Command = {
  name: 'emulator-ctl delete',
  summary: 'delete items for good (ItemActionRequest op=delete)',
  usage: `zimbra-backup emulator-ctl delete ${BASE_USAGE} --id N[,N] [--json]`,
  options: { ...BASE, id: { type: 'string' } },
  run: (values, ctx) =>
    withClient(values, ctx, async (client, account) => {
      const r = await client.itemAction({ ids: itemIds(values), op: 'delete' }, { account, signal: ctx.signal });
      return { deleted: r.ids.join(','), account };
    }),
};

export const emulatorCtlMove: Command = {
  name: 'emulator-ctl move',
  summary: 'move items to a folder (ItemActionRequest op=move)',
  usage: `zimbra-backup emulator-ctl move ${BASE_USAGE} --id N[,N] --folder-id F [--json]`,
  options: { ...BASE, id: { type: 'string' }, 'folder-id': { type: 'string' } },
  run: (values, ctx) =>
    withClient(values, ctx, async (client, account) => {
      const folderId = requireString(values, 'folder-id');
      const r = await client.itemAction(
        { ids: itemIds(values), op: 'move', folderId },
        { account, signal: ctx.signal },
      );
      return { moved: r.ids.join(','), to: folderId, account };
    }),
};

export const emulatorCtlFlag: Command = {
  name: 'emulator-ctl flag',
  summary: 'flag (or with --unflag, unflag) items (ItemActionRequest op=flag)',
  usage: `zimbra-backup emulator-ctl flag ${BASE_USAGE} --id N[,N] [--unflag] [--json]`,
  options: { ...BASE, id: { type: 'string' }, unflag: { type: 'boolean' } },
  run: (values, ctx) =>
    withClient(values, ctx, async (client, account) => {
      const op = values['unflag'] === true ? '!flag' : 'flag';
      const r = await client.itemAction({ ids: itemIds(values), op }, { account, signal: ctx.signal });
      return { [op === 'flag' ? 'flagged' : 'unflagged']: r.ids.join(','), account };
    }),
};

/** `zimbraAccountStatus` values (zimbra-attrs.xml, id 2). */
const ACCOUNT_STATUSES = ['active', 'maintenance', 'locked', 'closed', 'lockout', 'pending'];

export const emulatorCtlAccountStatus: Command = {
  name: 'emulator-ctl account-status',
  summary: "set an account's zimbraAccountStatus (ModifyAccountRequest), e.g. maintenance to see the backup skip it",
  usage: `zimbra-backup emulator-ctl account-status ${BASE_USAGE} --status active|maintenance|locked|closed|lockout|pending [--json]`,
  options: { ...BASE, status: { type: 'string' } },
  run: (values, ctx) =>
    withClient(values, ctx, async (client, account) => {
      const status = requireString(values, 'status');
      if (!ACCOUNT_STATUSES.includes(status))
        throw new ZimbraBackupError(`--status must be one of ${ACCOUNT_STATUSES.join(', ')}`, {
          code: 'ZB_INVALID_ARGUMENT',
          data: { field: 'status' },
        });
      const found = await client.getAccount({ by: 'name', value: account }, { signal: ctx.signal });
      await client.modifyAccount(found.id, { zimbraAccountStatus: status }, { signal: ctx.signal });
      return { account, status };
    }),
};
