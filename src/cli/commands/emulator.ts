import { writeFile } from 'node:fs/promises';
import { startEmulator } from '../../emulator/index.js';
import { ZimbraBackupError } from '../../errors.js';
import { buildCorpus } from '../../emulator/seed/index.js';
import { optInt, optString } from '../args.js';
import type { Command } from '../command.js';

/** `zimbra-backup emulator`: a Zimbra-compatible server on 127.0.0.1 for tests, demos and benchmarks. */
export const emulatorCommand: Command = {
  name: 'emulator',
  summary: 'start a Zimbra-compatible server (mail + admin ports) on 127.0.0.1 and print one JSON ready line',
  usage:
    'zimbra-backup emulator [--port P] [--admin-port P] [--servers N] [--domain D] [--seed-accounts N (default 3; 0 for none)] [--seed-messages M (default 10)] [--seed S] [--redo-log on|off (default on)] [--write-password-file F]',
  options: {
    port: { type: 'string' },
    'admin-port': { type: 'string' },
    servers: { type: 'string' },
    domain: { type: 'string' },
    'seed-accounts': { type: 'string' },
    'seed-messages': { type: 'string' },
    seed: { type: 'string' },
    'write-password-file': { type: 'string' },
    'redo-log': { type: 'string' },
  },
  async run(values, ctx) {
    const domain = optString(values, 'domain') ?? 'example.test';
    // all-accounts WaitSets hear changes only through the redo log (AllAccountsWaitSet.java): off
    // shows a deaf WaitSet and the backup's polling fallback
    const redo = optString(values, 'redo-log') ?? 'on';
    if (redo !== 'on' && redo !== 'off')
      throw new ZimbraBackupError('--redo-log must be on or off', { code: 'ZB_INVALID_ARGUMENT' });
    const emulator = await startEmulator({
      redoLog: redo === 'on',
      port: optInt(values, 'port') ?? 0,
      adminPort: optInt(values, 'admin-port') ?? 0,
      servers: optInt(values, 'servers') ?? 1,
      domain,
    });
    try {
      // Seeded by default so a first run has mailboxes to back up and to change (issue 15).
      const accounts = optInt(values, 'seed-accounts') ?? 3;
      if (accounts > 0) {
        const corpus = buildCorpus({
          seed: optInt(values, 'seed') ?? 1,
          accounts,
          messagesPerAccount: optInt(values, 'seed-messages') ?? 10,
          domain,
        });
        await emulator.seed(corpus);
      }
      const pwFile = optString(values, 'write-password-file');
      // The emulator's own throwaway password, for `--password-file` of the other commands.
      if (pwFile) await writeFile(pwFile, `${emulator.adminPassword}\n`, { mode: 0o600 });
      if (ctx.tty)
        ctx.err(handHint(emulator.adminUrl, emulator.url, emulator.adminUser, pwFile, emulator.accounts()[0]?.name));
      // The one ready line scripts wait for; the admin password is the emulator's own throwaway.
      ctx.out(
        JSON.stringify({
          url: emulator.url,
          adminUrl: emulator.adminUrl,
          adminUser: emulator.adminUser,
          adminPassword: emulator.adminPassword,
          accounts: emulator.accounts().map((a) => a.name),
          servers: emulator.servers().map((s) => ({ name: s.name, url: s.url, adminUrl: s.adminUrl })),
          redoLog: redo === 'on',
        }),
      );
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      return 0;
    } finally {
      await emulator.close();
    }
  },
};

/** What to type next, shown on a terminal. */
function handHint(adminUrl: string, url: string, admin: string, pwFile: string | undefined, account?: string): string {
  const auth = `--server ${adminUrl} --mail-url ${url} --admin ${admin} ${pwFile ? `--password-file ${pwFile}` : '(--password-file F | env ZB_ADMIN_PASSWORD)'}`;
  const who = account ?? 'user1@example.test';
  return [
    'emulator running. In another terminal:',
    `  zimbra-backup watch --repo /tmp/zb-repo ${auth} --no-directory`,
    `  zimbra-backup emulator-ctl deliver --account ${who} --subject "hello" ${auth}`,
    `  zimbra-backup ls --repo /tmp/zb-repo --account ${who}`,
    '  (emulator-ctl also has delete, move and flag; Ctrl-C stops the emulator)',
  ].join('\n');
}
