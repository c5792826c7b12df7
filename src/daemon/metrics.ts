/**
 * Prometheus text exposition (format 0.0.4) of the service: capture per account, WaitSet,
 * scheduled tasks, repository size. Counters live here; gauges are read from the engine at each
 * scrape, so a scrape costs no I/O.
 * @module
 */
import type { AccountRunResult } from '../backup/account-backup.js';
import type { EngineStatus } from '../backup/backup-engine.js';
import type { Repository } from '../repository/repository.js';
import type { ServiceTaskName, ServiceTaskResult } from './service.js';

/** Size of the stored blobs, as last measured. */
export interface RepositorySize {
  blobs: number;
  bytes: number;
  /** When measured, ms since the epoch. */
  atMs: number;
}

interface AccountCounters {
  itemsNew: number;
  itemsChanged: number;
  itemsDeleted: number;
  bytesDownloaded: number;
  bytesStored: number;
  itemFailures: number;
  runs: number;
}

/** Collects what the service does and renders it for Prometheus. */
export class ServiceMetrics {
  readonly #accounts = new Map<string, AccountCounters>();
  readonly #tasks = new Map<ServiceTaskName, ServiceTaskResult>();
  readonly #taskRuns = new Map<string, number>();
  #size: RepositorySize | undefined;

  /** Records one account run (wire it to `BackupEngine`'s `onAccountRun`). */
  observeRun(r: AccountRunResult): void {
    const c = this.#accounts.get(r.accountId) ?? {
      itemsNew: 0,
      itemsChanged: 0,
      itemsDeleted: 0,
      bytesDownloaded: 0,
      bytesStored: 0,
      itemFailures: 0,
      runs: 0,
    };
    c.itemsNew += r.itemsNew;
    c.itemsChanged += r.itemsChanged;
    c.itemsDeleted += r.itemsDeleted;
    c.bytesDownloaded += r.bytesDownloaded;
    c.bytesStored += r.bytesStored;
    c.itemFailures += r.failures.length;
    c.runs += 1;
    this.#accounts.set(r.accountId, c);
  }

  /** Records a scheduled task's outcome. */
  observeTask(r: ServiceTaskResult): void {
    this.#tasks.set(r.task, r);
    const key = `${r.task}\u0000${r.ok ? 'ok' : 'failed'}`;
    this.#taskRuns.set(key, (this.#taskRuns.get(key) ?? 0) + 1);
  }

  /** Records a repository measurement ({@link measureRepository}). */
  setRepositorySize(size: RepositorySize): void {
    this.#size = size;
  }

  /** The exposition text for `status` (the engine's snapshot at scrape time). */
  render(status: EngineStatus): string {
    const out: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, rows: Array<[string, number]>): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of rows) out.push(`${name}${labels} ${Number.isFinite(v) ? v : 0}`);
    };
    metric('zimbra_backup_capture_running', 'gauge', '1 while real-time capture holds the repository.', [
      ['', status.running ? 1 : 0],
    ]);
    const names = new Map(status.accounts.map((a) => [a.id, a.name]));
    const acct = (id: string, extra = ''): string => `{account="${esc(names.get(id) ?? id)}",id="${esc(id)}"${extra}}`;
    metric(
      'zimbra_backup_account_lag_seconds',
      'gauge',
      'Age of the oldest change not yet committed (grows while the WaitSet is down).',
      status.accounts.map((a) => [acct(a.id), a.lagMs / 1000]),
    );
    metric(
      'zimbra_backup_account_last_capture_timestamp_seconds',
      'gauge',
      'Last successful capture run of the account.',
      status.accounts
        .filter((a) => a.lastCaptureMs !== undefined)
        .map((a) => [acct(a.id), (a.lastCaptureMs as number) / 1000]),
    );
    const counters = [...this.#accounts.entries()];
    metric(
      'zimbra_backup_items_captured_total',
      'counter',
      'Item versions and deletions committed, by change.',
      counters.flatMap(([id, c]) => [
        [acct(id, ',change="new"'), c.itemsNew],
        [acct(id, ',change="changed"'), c.itemsChanged],
        [acct(id, ',change="deleted"'), c.itemsDeleted],
      ]),
    );
    metric(
      'zimbra_backup_bytes_downloaded_total',
      'counter',
      'Bytes received from the server.',
      counters.map(([id, c]) => [acct(id), c.bytesDownloaded]),
    );
    metric(
      'zimbra_backup_bytes_stored_total',
      'counter',
      'Bytes written to the repository after dedup and compression.',
      counters.map(([id, c]) => [acct(id), c.bytesStored]),
    );
    const failures = new Map<string, number>();
    for (const f of status.totals.failures) failures.set(f.accountId, (failures.get(f.accountId) ?? 0) + 1);
    metric(
      'zimbra_backup_failures_total',
      'counter',
      'Account runs and items that failed (retried on the next run).',
      [...failures].map(([id, n]) => [acct(id), n]),
    );
    if (status.waitSet !== undefined) {
      metric(
        'zimbra_backup_waitset_state',
        'gauge',
        'Real-time notification state (1 for the current state).',
        (['connecting', 'up', 'down'] as const).map((s) => [`{state="${s}"}`, status.waitSet === s ? 1 : 0]),
      );
      const servers = status.servers ?? [];
      metric(
        'zimbra_backup_waitset_server_up',
        'gauge',
        '1 while the mailbox server WaitSet answers, 0 while it is failing.',
        servers.map((sv) => [`{server="${esc(sv.name)}"}`, sv.state === 'watching' ? 1 : 0]),
      );
      metric(
        'zimbra_backup_waitset_signals_total',
        'counter',
        'Account change signals received, per mailbox server.',
        servers.map((sv) => [`{server="${esc(sv.name)}"}`, sv.signals]),
      );
    }
    const tasks = [...this.#tasks.values()];
    metric(
      'zimbra_backup_task_runs_total',
      'counter',
      'Scheduled task runs by outcome.',
      [...this.#taskRuns].map(([k, n]) => {
        const [task, result] = k.split('\u0000');
        return [`{task="${task}",result="${result}"}`, n];
      }),
    );
    metric(
      'zimbra_backup_task_last_run_timestamp_seconds',
      'gauge',
      'Start of the last run of each scheduled task.',
      tasks.map((t) => [`{task="${t.task}"}`, t.startedMs / 1000]),
    );
    metric(
      'zimbra_backup_task_last_success',
      'gauge',
      '1 when the last run of the task succeeded (a check with errors is a failure).',
      tasks.map((t) => [`{task="${t.task}"}`, t.ok ? 1 : 0]),
    );
    metric(
      'zimbra_backup_task_last_duration_seconds',
      'gauge',
      'Duration of the last run of each task.',
      tasks.map((t) => [`{task="${t.task}"}`, t.durationMs / 1000]),
    );
    const check = this.#tasks.get('check')?.check;
    if (check) {
      metric('zimbra_backup_check_last_errors', 'gauge', 'Errors found by the last check.', [['', check.errors]]);
      metric('zimbra_backup_check_last_blobs_checked', 'gauge', 'Blobs checked by the last check.', [
        ['', check.blobsChecked],
      ]);
    }
    const purge = this.#tasks.get('purge')?.purge;
    if (purge) {
      metric('zimbra_backup_purge_last_bytes_reclaimed', 'gauge', 'Bytes reclaimed by the last purge.', [
        ['', purge.bytesReclaimed],
      ]);
      metric('zimbra_backup_purge_last_versions_removed', 'gauge', 'Item versions removed by the last purge.', [
        ['', purge.versionsRemoved],
      ]);
    }
    if (this.#size) {
      metric('zimbra_backup_repository_blob_bytes', 'gauge', 'Stored bytes of all blobs.', [['', this.#size.bytes]]);
      metric('zimbra_backup_repository_blobs', 'gauge', 'Number of stored blobs.', [['', this.#size.blobs]]);
      metric('zimbra_backup_repository_size_timestamp_seconds', 'gauge', 'When the size was measured.', [
        ['', this.#size.atMs / 1000],
      ]);
    }
    return `${out.join('\n')}\n`;
  }
}

/** Lists the blob store and sums stored sizes (one listing; run it after purges, not per scrape). */
export async function measureRepository(repository: Repository, signal?: AbortSignal): Promise<RepositorySize> {
  let blobs = 0;
  let bytes = 0;
  for await (const { key, size } of repository.backend.list(repository.blobs.layout.prefix, signal ? { signal } : {})) {
    if (!repository.blobs.layout.parse(key)) continue;
    blobs += 1;
    bytes += size;
  }
  return { blobs, bytes, atMs: Date.now() };
}

/** Escapes a label value (Prometheus text format: backslash, double quote, line feed). */
function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
