/**
 * The one mapping between the configuration file and the CLI flags. Every row names a key of the
 * file (`section.key`), the flag it stands for, its type, and which commands take that flag. A
 * command run with `--config F` gets every flag it accepts from the file unless the command line
 * gives it; `[commands.<name>]` tables reach any other flag of one command. `run` accepts every
 * service flag too, so whatever the file says can also be said on the command line.
 * @module
 */

/** The type of a configuration value, as checked by `config check`. */
export type ConfigType =
  /** A non-empty string. */
  | 'string'
  /** true/false. */
  | 'boolean'
  /** An integer >= 1. */
  | 'int'
  /** A string or an array of non-empty strings (comma lists are split as on the command line). */
  | 'list'
  /** A duration with a unit (`30d`, `12h`, `90min`), or 0 for "forever" where the flag allows it. */
  | 'duration'
  /** A schedule: `every <duration>`, `daily HH:MM<zone>`, or `off`. */
  | 'schedule'
  /** `host:port` on a loopback address. */
  | 'listen'
  /** One of a fixed set of words. */
  | { oneOf: readonly string[] };

/** One row of the mapping. */
export interface ConfigKey {
  /** Dotted key in the file, e.g. `server.url`. */
  key: string;
  /** The CLI flag (without `--`). */
  flag: string;
  type: ConfigType;
  /** Commands that take the flag from this key. Default: every command that has the flag. */
  commands?: readonly string[];
  /** One line for `config check --keys` and the README. */
  doc: string;
}

const SERVICE = ['run', 'watch'] as const;

/** Every key the configuration file understands (besides `[commands.<name>]`). */
export const CONFIG_KEYS: readonly ConfigKey[] = [
  { key: 'repository', flag: 'repo', type: 'string', doc: 'repository: a local path or s3://bucket/prefix' },
  {
    key: 'repository-password-file',
    flag: 'repo-password-file',
    type: 'string',
    doc: 'file holding the password of an encrypted repository (or env ZB_REPO_PASSWORD)',
  },
  {
    key: 'compression',
    flag: 'compression',
    type: { oneOf: ['gzip', 'none', 'zstd'] },
    commands: ['backup', 'watch', 'run', 'init'],
    doc: 'blob compression of a new repository',
  },
  { key: 'server.url', flag: 'server', type: 'string', doc: 'admin SOAP URL, e.g. https://mail.example.com:7071' },
  { key: 'server.mail-url', flag: 'mail-url', type: 'string', doc: 'mailbox URL when not the admin host on 443' },
  { key: 'server.admin', flag: 'admin', type: 'string', doc: 'admin account name' },
  { key: 'server.password-file', flag: 'password-file', type: 'string', doc: 'file holding the admin password' },
  { key: 'server.ca-file', flag: 'ca-file', type: 'string', doc: 'extra CA certificate (PEM) to trust' },
  { key: 'server.insecure', flag: 'insecure', type: 'boolean', doc: 'skip TLS verification (never in production)' },
  { key: 'server.transport', flag: 'transport', type: { oneOf: ['json', 'xml'] }, doc: 'SOAP transport' },
  {
    key: 'server.server-urls',
    flag: 'server-url',
    type: 'list',
    commands: ['backup', ...SERVICE],
    doc: 'admin URL of each mailbox server as NAME=URL, where zimbraServiceHostname:zimbraAdminPort is not reachable',
  },
  { key: 'ldap.url', flag: 'ldap-url', type: 'string', doc: 'LDAP URL for the directory dump' },
  { key: 'ldap.bind-dn', flag: 'ldap-bind-dn', type: 'string', doc: 'LDAP bind DN' },
  { key: 'ldap.password-file', flag: 'ldap-password-file', type: 'string', doc: 'file holding the LDAP password' },
  { key: 'ldap.disabled', flag: 'no-directory', type: 'boolean', doc: 'no directory dump at all' },
  {
    key: 'backup.accounts',
    flag: 'accounts',
    type: 'list',
    commands: ['backup', ...SERVICE],
    doc: 'only these accounts (names or zimbraIds)',
  },
  {
    key: 'backup.concurrency',
    flag: 'concurrency',
    type: 'int',
    commands: ['backup', ...SERVICE],
    doc: 'accounts backed up at once',
  },
  {
    key: 'backup.refresh-interval',
    flag: 'refresh-interval',
    type: 'duration',
    commands: SERVICE,
    doc: 'how often capture lists the directory again: new, deleted and moved accounts (default 5min)',
  },
  { key: 'backup.item-concurrency', flag: 'item-concurrency', type: 'int', doc: 'item downloads at once' },
  { key: 'backup.max-item-bytes', flag: 'max-item-bytes', type: 'int', doc: 'largest item accepted, in bytes' },
  {
    key: 'backup.no-bulk-download',
    flag: 'no-bulk-download',
    type: 'boolean',
    doc: 'full listings fetch one message per request instead of fmt=tar batches',
  },
  { key: 'retention.items', flag: 'retention', type: 'duration', doc: 'keep item versions and deletions this long' },
  {
    key: 'retention.deleted-accounts',
    flag: 'deleted-accounts-retention',
    type: 'duration',
    doc: 'keep accounts deleted on the server this long (default: retention.items)',
  },
  { key: 'check.full', flag: 'full', type: 'boolean', commands: ['check'], doc: 're-hash every blob' },
  { key: 'check.full', flag: 'check-full', type: 'boolean', commands: SERVICE, doc: 'scheduled checks re-hash blobs' },
  {
    key: 'check.repair',
    flag: 'check-repair',
    type: 'boolean',
    commands: SERVICE,
    doc: 'scheduled checks quarantine damage and schedule refetches',
  },
  {
    key: 'capture.max-downtime',
    flag: 'max-downtime',
    type: 'duration',
    commands: SERVICE,
    doc: 'give up (exit non-zero) once a mailbox server has been unreachable this long; default 0: retry for ever',
  },
  { key: 'schedule.smartscan', flag: 'schedule-smartscan', type: 'schedule', doc: 'when to run SmartScan' },
  { key: 'schedule.check', flag: 'schedule-check', type: 'schedule', doc: 'when to run the coherency check' },
  { key: 'schedule.purge', flag: 'schedule-purge', type: 'schedule', doc: 'when to purge (needs retention.items)' },
  { key: 'metrics.listen', flag: 'metrics-listen', type: 'listen', doc: 'Prometheus endpoint, e.g. 127.0.0.1:9464' },
  { key: 'log.format', flag: 'log-format', type: { oneOf: ['text', 'json'] }, doc: 'stderr log format' },
  {
    key: 'log.level',
    flag: 'log-level',
    type: { oneOf: ['debug', 'info', 'warn', 'error'] },
    doc: 'least severe level logged',
  },
  { key: 'notify.webhook', flag: 'notify-webhook', type: 'string', doc: 'URL that receives a JSON POST per alert' },
  { key: 'notify.email-to', flag: 'notify-email-to', type: 'list', doc: 'alert recipients' },
  { key: 'notify.email-from', flag: 'notify-email-from', type: 'string', doc: 'alert sender address' },
  { key: 'notify.smtp-url', flag: 'notify-smtp-url', type: 'string', doc: 'SMTP server, e.g. smtp://127.0.0.1:25' },
  { key: 'notify.smtp-user', flag: 'notify-smtp-user', type: 'string', doc: 'SMTP user' },
  {
    key: 'notify.smtp-password-file',
    flag: 'notify-smtp-password-file',
    type: 'string',
    doc: 'file holding the SMTP password',
  },
  { key: 'notify.lag', flag: 'notify-lag', type: 'duration', doc: 'alert when an account lags longer than this' },
];

/** Top-level tables (and keys) the file may contain. */
export const CONFIG_SECTIONS: ReadonlySet<string> = new Set(
  [...CONFIG_KEYS.map((k) => k.key.split('.')[0] as string), 'commands'].filter((s) => s !== ''),
);
