/**
 * `zimbra-backup run` (and `watch`): the service. Real-time capture plus the scheduled SmartScan,
 * check and purge in one process; SIGTERM/SIGINT commit what is in flight and exit; SIGHUP
 * re-reads the configuration file (schedule, retention, alerts, log level; server and repository
 * changes need a restart).
 * @module
 */
import { hostname } from 'node:os';
import { createTransport } from 'nodemailer';
import { ZimbraBackupError } from '../../errors.js';
import type { Logger } from '../../internal/logger.js';
import { AlertMonitor, emailSink, webhookSink, type AlertSinks } from '../../daemon/alerts.js';
import { measureRepository, ServiceMetrics } from '../../daemon/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../daemon/metrics-server.js';
import { BackupService, type ServiceTasks } from '../../daemon/service.js';
import { optDuration, optList, optString, parseDuration, readPassword } from '../args.js';
import type { Command, CommandContext, OptionSpec } from '../command.js';
import { configFlags, DEFAULT_CONFIG_PATH, loadConfig, parseListen, parseSchedule } from '../config/config-file.js';
import { SERVER_USAGE } from '../connect.js';
import { LDAP_USAGE } from '../directory-args.js';
import { createCliLogger } from '../log.js';
import { BACKUP_OPTIONS, engineFromArgs, report } from './backup.js';

type Values = Record<string, string | boolean | string[] | undefined>;

/** Flags of the service besides those of `backup`. */
export const SERVICE_OPTIONS: OptionSpec = {
  retention: { type: 'string' },
  'deleted-accounts-retention': { type: 'string' },
  'schedule-smartscan': { type: 'string' },
  'schedule-check': { type: 'string' },
  'schedule-purge': { type: 'string' },
  'check-full': { type: 'boolean' },
  'check-repair': { type: 'boolean' },
  'metrics-listen': { type: 'string' },
  'log-format': { type: 'string' },
  'log-level': { type: 'string' },
  'notify-webhook': { type: 'string' },
  'notify-email-to': { type: 'string', multiple: true },
  'notify-email-from': { type: 'string' },
  'notify-smtp-url': { type: 'string' },
  'notify-smtp-user': { type: 'string' },
  'notify-smtp-password-file': { type: 'string' },
  'notify-lag': { type: 'string' },
  'refresh-interval': { type: 'string' },
  'max-downtime': { type: 'string' },
};

const SERVICE_USAGE =
  '[--refresh-interval 5min] [--retention 30d] [--schedule-purge "daily 03:00Z"] [--schedule-smartscan "every 24h"] [--schedule-check "every 7d" [--check-full] [--check-repair]] ' +
  '[--metrics-listen 127.0.0.1:9464] [--log-format text|json] [--log-level info] ' +
  '[--max-downtime 30min (default: retry for ever)] [--notify-webhook URL] [--notify-email-to a,b --notify-email-from F --notify-smtp-url smtp://host:25 [--notify-smtp-user U --notify-smtp-password-file F]] [--notify-lag 15min]';

/**
 * `--refresh-interval`: how often the directory is listed again while capturing (new, deleted
 * and moved accounts). Default 5min (the engine's). At least 1s: 0 ("forever") is refused, since
 * an engine that never lists again never hands a moved account over (docs/FORMAT.md).
 */
export function refreshIntervalOf(values: Values): number | undefined {
  const v = optString(values, 'refresh-interval');
  if (v === undefined) return undefined;
  const ms = parseDuration(v, 'refresh-interval');
  if (ms < 1000)
    throw new ZimbraBackupError('--refresh-interval must be at least 1s (0 would never list the directory again)', {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'refresh-interval' },
    });
  return ms;
}

/** The scheduled tasks the flags describe. */
export function tasksFromValues(values: Values): ServiceTasks {
  const tasks: ServiceTasks = {};
  const sched = (flag: string) => {
    const v = optString(values, flag);
    try {
      return v === undefined ? undefined : parseSchedule(v);
    } catch (err) {
      throw new ZimbraBackupError(`--${flag}: ${(err as Error).message}`, { code: 'ZB_INVALID_ARGUMENT' });
    }
  };
  const smartScan = sched('schedule-smartscan');
  if (smartScan) tasks.smartScan = smartScan;
  const check = sched('schedule-check');
  if (check)
    tasks.check = { schedule: check, full: values['check-full'] === true, repair: values['check-repair'] === true };
  const purge = sched('schedule-purge');
  if (purge) {
    const retention = optString(values, 'retention');
    if (retention === undefined)
      throw new ZimbraBackupError('--schedule-purge needs --retention (config: retention.items)', {
        code: 'ZB_INVALID_ARGUMENT',
      });
    const deleted = optString(values, 'deleted-accounts-retention');
    tasks.purge = {
      schedule: purge,
      retentionMs: parseDuration(retention, 'retention'),
      ...(deleted !== undefined
        ? { deletedAccountsRetentionMs: parseDuration(deleted, 'deleted-accounts-retention') }
        : {}),
    };
  }
  return tasks;
}

async function alertSinks(values: Values, ctx: CommandContext): Promise<AlertSinks> {
  const sinks: AlertSinks = {};
  const webhook = optString(values, 'notify-webhook');
  if (webhook) sinks.webhook = webhookSink(webhook);
  const to = optList(values, 'notify-email-to');
  if (to) {
    const smtp = optString(values, 'notify-smtp-url');
    const from = optString(values, 'notify-email-from');
    if (!smtp || !from)
      throw new ZimbraBackupError('--notify-email-to needs --notify-smtp-url and --notify-email-from', {
        code: 'ZB_INVALID_ARGUMENT',
      });
    const user = optString(values, 'notify-smtp-user');
    const pass = await readPassword(values, ctx.env, 'notify-smtp-password-file', 'ZB_SMTP_PASSWORD');
    // The password goes to nodemailer only, never into the URL or a log line.
    const transport = createTransport({
      url: smtp,
      ...(user && pass ? { auth: { user, pass: pass.reveal() } } : {}),
    } as Parameters<typeof createTransport>[0]);
    sinks.email = emailSink(transport, from, to);
  }
  return sinks;
}

/** Loads `--config` (or the default file when `requireConfig`), command-line flags winning. */
async function resolveValues(
  cli: Values,
  cmd: Command,
  requireConfig: boolean,
): Promise<{ values: Values; file?: string }> {
  const file = typeof cli['config'] === 'string' ? cli['config'] : requireConfig ? DEFAULT_CONFIG_PATH : undefined;
  if (file === undefined) return { values: cli };
  const { commands } = await import('./index.js');
  return { values: { ...configFlags(await loadConfig(file, commands), cmd), ...cli }, file };
}

async function runService(cmd: Command, cli: Values, ctx: CommandContext, requireConfig: boolean): Promise<number> {
  const { values, file } = await resolveValues(cli, cmd, requireConfig);
  let log: Logger = createCliLogger({
    format: optString(values, 'log-format'),
    level: optString(values, 'log-level'),
    write: ctx.err,
  });
  const tasks = tasksFromValues(values);
  const lag = optString(values, 'notify-lag');
  const metrics = new ServiceMetrics();
  const alerts = new AlertMonitor({
    ...(await alertSinks(values, ctx)),
    ...(lag !== undefined ? { lagThresholdMs: parseDuration(lag, 'notify-lag') } : {}),
    instance: hostname(),
    logger: {
      debug: (o, m) => log.debug(o, m),
      info: (o, m) => log.info(o, m),
      warn: (o, m) => log.warn(o, m),
      error: (o, m) => log.error(o, m),
    },
  });
  const listen = optString(values, 'metrics-listen');
  const refreshMs = refreshIntervalOf(values);
  // A dead server is retried for ever (with warnings) unless the administrator set a limit; 0 is "never give up" too.
  const maxDowntimeMs = optDuration(values, 'max-downtime');
  const { engine, client, repository } = await engineFromArgs(values, ctx, () => {}, {
    ...(refreshMs !== undefined ? { refreshMs } : {}),
    logger: log,
    onAccountRun: (r) => metrics.observeRun(r),
    lockOwner: cmd.name === 'run' ? 'run' : 'watch',
    ...(maxDowntimeMs ? { maxDowntimeMs } : {}),
  });
  const service = new BackupService({
    engine,
    repository,
    tasks,
    logger: log,
    onTask: (r) => {
      metrics.observeTask(r);
      alerts.observeTask(r);
      if (r.task === 'purge' && r.ok)
        void measureRepository(repository).then(
          (s) => metrics.setRepositorySize(s),
          () => {},
        );
    },
  });
  let server: MetricsServer | undefined;
  const onHup = (): void => {
    if (!file) {
      log.warn({}, 'SIGHUP: no configuration file to reload');
      return;
    }
    resolveValues(cli, cmd, true)
      .then(({ values: next }) => {
        service.reconfigure(tasksFromValues(next));
        log = createCliLogger({
          format: optString(next, 'log-format'),
          level: optString(next, 'log-level'),
          write: ctx.err,
        });
        log.info({ file }, 'configuration reloaded (server, repository and metrics changes need a restart)');
      })
      .catch((err: unknown) =>
        log.error({ file, error: (err as Error).message }, 'configuration reload refused; keeping the running one'),
      );
  };
  const watchdog = setInterval(() => alerts.observeStatus(engine.status()), 5_000);
  watchdog.unref();
  try {
    if (listen) {
      const { host, port } = parseListen(listen);
      server = await startMetricsServer({ host, port, render: () => metrics.render(engine.status()) });
      log.info({ url: server.url }, 'metrics endpoint listening');
      if (values['json'] !== true) ctx.err(`metrics: ${server.url}`);
    }
    void measureRepository(repository).then(
      (s) => metrics.setRepositorySize(s),
      () => {},
    );
    process.on('SIGHUP', onHup);
    if (!values['json'])
      ctx.err(`${cmd.name === 'run' ? 'running' : 'watching for changes'}; SIGTERM or Ctrl-C to stop`);
    log.info({ tasks: Object.keys(tasks), config: file ?? null }, 'capture started');
    const result = await service.run({ signal: ctx.signal });
    log.info(
      { accounts: result.accounts, failures: result.failures.length },
      'capture stopped; everything in flight committed',
    );
    await alerts.flush();
    return report(result, {}, values, ctx);
  } finally {
    process.off('SIGHUP', onHup);
    clearInterval(watchdog);
    await server?.close();
    client.close();
  }
}

const OPTIONS: OptionSpec = { ...BACKUP_OPTIONS, ...SERVICE_OPTIONS };

/** `zimbra-backup run`: the service, configured by a file. */
export const runCommand: Command = {
  name: 'run',
  summary:
    'the service: real-time capture plus scheduled SmartScan, check and purge (config file; SIGTERM stops cleanly, SIGHUP reloads)',
  usage: `zimbra-backup run [--config FILE (default ${DEFAULT_CONFIG_PATH})] [any flag of watch, which wins over the file] ${SERVICE_USAGE} [--json]`,
  options: OPTIONS,
  ownsConfig: true,
  run: (values, ctx) => runService(runCommand, values, ctx, true),
};

/** `zimbra-backup watch`: initial pass, then real-time capture; with schedules it is `run`. */
export const watchCommand: Command = {
  name: 'watch',
  summary:
    'backup pass, then real-time capture (WaitSet) until SIGINT/SIGTERM; stops after committing what is in flight (with --config or schedules: the service, as run)',
  usage: `zimbra-backup watch --repo PATH|s3://bucket/prefix ${SERVER_USAGE} [--accounts a,b] [--concurrency N] [--compression gzip|none|zstd] [--encrypt] [--repo-password-file F | env ZB_REPO_PASSWORD] [--shard i/n] [--mail-servers a,b] [--server-url NAME=URL] ${LDAP_USAGE} [--config FILE] ${SERVICE_USAGE} [--json]`,
  options: OPTIONS,
  ownsConfig: true,
  run: (values, ctx) => runService(watchCommand, values, ctx, false),
};
