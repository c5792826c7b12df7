/**
 * The CLI's command list without loading the commands: `main` imports only the module of the
 * command it runs (each pulls its own dependencies: the SOAP client, S3 SDK, emulator, LDAP client,
 * web console), so start-up costs what that command needs. Names and summaries here must equal the
 * commands' own (a unit test compares them with `commands/index.ts`).
 * @module
 */
import type { Command } from '../command.js';

/** A command known by name and summary, loaded on demand. */
export interface CommandEntry {
  /** The command's name (two words for `config check`). */
  name: string;
  /** One line for `--help`. */
  summary: string;
  /** Imports the command's module. */
  load(): Promise<Command>;
}

/** Every CLI command, in the order `--help` lists them. */
export const commandEntries: readonly CommandEntry[] = [
  {
    name: 'emulator',
    summary: 'start a Zimbra-compatible server (mail + admin ports) on 127.0.0.1 and print one JSON ready line',
    load: async () => (await import('./emulator.js')).emulatorCommand,
  },
  {
    name: 'init',
    summary: 'create an empty repository at --repo (refused when the location is not empty)',
    load: async () => (await import('./init.js')).initCommand,
  },
  {
    name: 'backup',
    summary: 'one incremental backup pass of every (or the given) account into the repository, plus a directory dump',
    load: async () => (await import('./backup.js')).backupCommand,
  },
  {
    name: 'watch',
    summary:
      'backup pass, then real-time capture (WaitSet) until SIGINT/SIGTERM; stops after committing what is in flight (with --config or schedules: the service, as run)',
    load: async () => (await import('./run.js')).watchCommand,
  },
  {
    name: 'run',
    summary:
      'the service: real-time capture plus scheduled SmartScan, check and purge (config file; SIGTERM stops cleanly, SIGHUP reloads)',
    load: async () => (await import('./run.js')).runCommand,
  },
  {
    name: 'status',
    summary: 'accounts with item counts, last commit, token age; repository size, dedup and compression ratios',
    load: async () => (await import('./status.js')).statusCommand,
  },
  {
    name: 'ls',
    summary: 'items of an account as they were at an instant, or the deleted ones with their deletion time',
    load: async () => (await import('./ls.js')).lsCommand,
  },
  {
    name: 'restore',
    summary:
      'restore an account as it was at --at into the original account (only what is missing), or into --to-account: a new account it creates; an existing other account is refused unless --into-existing',
    load: async () => (await import('./restore.js')).restoreCommand,
  },
  {
    name: 'undelete',
    summary:
      'bring back every item deleted between --from and --to, into a "Restored <date>" folder mirroring the original paths',
    load: async () => (await import('./undelete.js')).undeleteCommand,
  },
  {
    name: 'restore-item',
    summary: 'restore items by id (their last backed-up version, or the one at --at) into their folder or --folder',
    load: async () => (await import('./restore-item.js')).restoreItemCommand,
  },
  {
    name: 'restore-directory',
    summary:
      'recreate COS, domains, accounts and distribution lists from the newest directory dump (admin SOAP, never raw LDIF)',
    load: async () => (await import('./restore-directory.js')).restoreDirectoryCommand,
  },
  {
    name: 'check',
    summary:
      'verify that every referenced blob exists (quick) or re-hashes (--full) and every journal is intact; --repair quarantines damage and schedules refetches',
    load: async () => (await import('./check.js')).checkCommand,
  },
  {
    name: 'purge',
    summary:
      'remove item versions and deleted items older than the retention, expired deleted accounts, then unreferenced blobs (takes the writer lock; beside a running watch/run, that process runs it)',
    load: async () => (await import('./purge.js')).purgeCommand,
  },
  {
    name: 'migrate',
    summary: 'convert a format 1 repository to format 2 (packs + index) in place; resumable, crash-safe',
    load: async () => (await import('./migrate.js')).migrateCommand,
  },
  {
    name: 'export',
    summary:
      'write accounts (directory, mailbox state at an instant, each blob once) as one tar.gz archive, to a file or stdout',
    load: async () => (await import('./export.js')).exportCommand,
  },
  {
    name: 'import',
    summary:
      'provision domains, COS, lists and accounts on a server and restore their mailboxes from an export archive or a repository',
    load: async () => (await import('./import.js')).importCommand,
  },
  {
    name: 'unlock',
    summary: 'list the writer locks and remove the stale ones (or one named lock; --force also removes a live one)',
    load: async () => (await import('./unlock.js')).unlockCommand,
  },
  {
    name: 'serve',
    summary:
      'the web console: browse the backup at any instant, undelete, restore, export, check, purge from a browser',
    load: async () => (await import('./serve.js')).serveCommand,
  },
  {
    name: 'key add',
    summary:
      'add a key slot to an encrypted repository (its password from --new-password-file or env ZB_NEW_REPO_PASSWORD)',
    load: async () => (await import('./key.js')).keyAddCommand,
  },
  {
    name: 'key list',
    summary: 'list the key slots of an encrypted repository (the one the given password opens is marked)',
    load: async () => (await import('./key.js')).keyListCommand,
  },
  {
    name: 'key remove',
    summary: 'remove a key slot of an encrypted repository (never the last one, nor the one the given password opens)',
    load: async () => (await import('./key.js')).keyRemoveCommand,
  },
  {
    name: 'config check',
    summary: 'validate a configuration file (TOML, or JSON by extension): types, units, schedules, readable files',
    load: async () => (await import('./config-check.js')).configCheckCommand,
  },
  {
    name: 'emulator-ctl deliver',
    summary: 'add a message to a mailbox (AddMsgRequest), e.g. to watch real-time capture',
    load: async () => (await import('./emulator-ctl.js')).emulatorCtlDeliver,
  },
  {
    name: 'emulator-ctl delete',
    summary: 'delete items for good (ItemActionRequest op=delete)',
    load: async () => (await import('./emulator-ctl.js')).emulatorCtlDelete,
  },
  {
    name: 'emulator-ctl move',
    summary: 'move items to a folder (ItemActionRequest op=move)',
    load: async () => (await import('./emulator-ctl.js')).emulatorCtlMove,
  },
  {
    name: 'emulator-ctl flag',
    summary: 'flag (or with --unflag, unflag) items (ItemActionRequest op=flag)',
    load: async () => (await import('./emulator-ctl.js')).emulatorCtlFlag,
  },
  {
    name: 'emulator-ctl account-status',
    summary: "set an account's zimbraAccountStatus (ModifyAccountRequest), e.g. maintenance to see the backup skip it",
    load: async () => (await import('./emulator-ctl.js')).emulatorCtlAccountStatus,
  },
];
