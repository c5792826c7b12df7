/**
 * `importRepository`: provisions the directory objects of a repository's accounts on another
 * server and restores each account's mailbox as at `at`, with the restore writer.
 * @module
 */
import pLimit from 'p-limit';
import { ZimbraBackupError, isZimbraBackupError, throwIfAborted } from '../errors.js';
import type { Logger } from '../internal/logger.js';
import type { Secret } from '../internal/secret.js';
import type { Repository } from '../repository/repository.js';
import {
  RestoreIdMap,
  RestoreWriter,
  planFromState,
  restoreIdOf,
  type RestoreFailure,
  type RestoreProgress,
  type RestoreWriteResult,
} from '../restore/index.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import type { StorageBackend } from '../store/backends/backend.js';
import { exportDirectorySource, openAccountState, selectAccounts } from '../export/index.js';
import { ImportState } from './import-state.js';
import { domainOf } from '../directory/index.js';
import { provision, type ProvisionAccount, type ProvisionOutcome } from '../directory/provision.js';
import type { ProgressEvent } from '../internal/progress.js';

/** Progress of an import: `stage` (archive), `provision`, then per-account `items` events. */
export interface ImportProgress extends ProgressEvent<
  'stage' | 'provision' | 'account',
  'entries' | 'objects' | 'accounts'
> {
  // `stage` counts archive entries, `provision` directory objects, `account` accounts finished.
  /** The account an `account` event is about. */
  account?: string;
  /** The restore writer's event for that account. */
  restore?: RestoreProgress;
}

/** Options shared by {@link importRepository} and `importArchive`. */
export interface ImportOptions {
  /** Admin-authenticated client of the target server. */
  client: ZimbraClient;
  /** Only these accounts (names or source zimbraIds). Default: all. */
  accounts?: string[];
  /** An account or list already on the target that this import did not create: 'skip' it (default) or 'fail' before writing anything. */
  onExisting?: 'skip' | 'fail';
  /** Accounts imported at once. Default 2. */
  concurrency?: number;
  /** Items written at once per account. Default 4. */
  itemConcurrency?: number;
  /** Progress events (may repeat counts). */
  onProgress?: (p: ImportProgress) => void;
  /** Logger. Default: silent. */
  logger?: Logger | false;
  /** Aborts the import; rerun it to resume (the result so far is in the error's `data.accounts`). */
  signal?: AbortSignal;
}

/** Options of {@link importRepository}. */
export interface ImportRepositoryOptions extends ImportOptions {
  /** The repository to import from (read only, except the bookkeeping below). */
  from: Repository;
  /** The instant imported. Default: the newest commit of the selected accounts (a rerun then resumes). */
  at?: Date | number;
  /** Only accounts of these domains. */
  domains?: string[];
  /** Where the id maps and progress go (`restores/<importId>/`). Default: `from.backend`. */
  stateBackend?: StorageBackend;
}

/** The outcome of one account. */
export interface ImportAccountResult {
  /** Source zimbraId. */
  sourceId: string;
  /** Address (the same on the target). */
  name: string;
  /**
   * `done`: every item written or already there; `partial`: some items failed (see `failures`);
   * `failed`: the account could not be imported (`error`); `skipped`: it existed on the target
   * and was left alone; `pending`: not reached (abort).
   */
  status: 'done' | 'partial' | 'failed' | 'skipped' | 'pending';
  /** Directory outcome of the account. */
  provision?: ProvisionOutcome;
  /** Counts per kind, bytes written. */
  counts?: RestoreWriteResult['counts'];
  /** Bytes of content written. */
  bytes?: number;
  /** Items that failed. */
  failures: RestoreFailure[];
  /** What the user must know beyond the failures (e.g. the target has notes disabled). */
  warnings?: string[];
  /** The account's id map: its restore id and entries (source item -> target item). */
  idMap?: { restoreId: string; entries: number };
  /** A password generated for the account (no hash in the source), reported once. */
  generatedPassword?: Secret;
  /** Why the account failed. */
  error?: { code: string; message: string };
}

/** Result of an import. */
export interface ImportResult {
  /** Deterministic id of the import (source, instant, target): its bookkeeping is under `restores/<importId>/`. */
  importId: string;
  /** The instant imported, ms since the epoch. */
  atMs: number;
  /** Every directory object and what happened to it. */
  directory: ProvisionOutcome[];
  /** One entry per selected account, by name. */
  accounts: ImportAccountResult[];
  /** True when every account is `done` or `skipped` and no directory object failed. */
  complete: boolean;
  /** Wall time in ms. */
  durationMs: number;
}

function positive(v: number | undefined, field: string, dflt: number): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 1)
    throw new ZimbraBackupError(`${field} must be an integer >= 1`, { code: 'ZB_INVALID_ARGUMENT', data: { field } });
  return n;
}

/**
 * Imports a repository's accounts (as at `at`) into the server behind `client`: directory
 * objects first, then each mailbox with the restore writer. Rerunning the same import resumes:
 * finished accounts are skipped and each account's id map skips the items already written.
 * @throws `ZB_CONFLICT` (onExisting 'fail'), `ZB_NOT_FOUND` (a named account), `ZB_ABORTED`
 *   (with `data.accounts`), `ZB_INVALID_ARGUMENT`; per-account problems are in the result.
 * @example
 * ```ts
 * const r = await importRepository({ from: await openRepository({ backend }), client: targetAdmin });
 * for (const a of r.accounts) console.log(a.name, a.status, a.idMap?.entries);
 * ```
 */
export async function importRepository(opts: ImportRepositoryOptions): Promise<ImportResult> {
  const started = Date.now();
  const asked = opts.at === undefined ? undefined : opts.at instanceof Date ? opts.at.getTime() : opts.at;
  if (asked !== undefined && (!Number.isSafeInteger(asked) || asked < 0))
    throw new ZimbraBackupError('at must be a valid time', { code: 'ZB_INVALID_ARGUMENT', data: { field: 'at' } });
  const concurrency = positive(opts.concurrency, 'concurrency', 2);
  const itemConcurrency = positive(opts.itemConcurrency, 'itemConcurrency', 4);
  const onExisting = opts.onExisting ?? 'skip';
  if (onExisting !== 'skip' && onExisting !== 'fail')
    throw new ZimbraBackupError("onExisting must be 'skip' or 'fail'", {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'onExisting' },
    });
  const { from, client, signal } = opts;
  const stateBackend = opts.stateBackend ?? from.backend;
  const { entries } = selectAccounts(await from.accounts(signal), opts.accounts, opts.domains);
  const accounts: ProvisionAccount[] = [];
  // Without `at`, the newest commit of the selection: the same on a rerun (unless a backup ran in
  // between), so the import id, hence the id maps, are found again and the import resumes.
  let newest = 0;
  for (const a of entries) {
    const st = await openAccountState(from, a.id, asked ?? Number.MAX_SAFE_INTEGER, signal);
    if (st.seq === 0 || st.accountDeleted) continue;
    newest = Math.max(newest, st.captureMs);
    accounts.push({ id: a.id, name: a.name, ...(st.account ? { attrs: st.account.attrs } : {}) });
  }
  const atMs = asked ?? newest;
  const importId = restoreIdOf('import', { source: from.config.id, at: atMs, target: client.url.href });
  const state = await ImportState.load(stateBackend, importId, signal);
  const domains = new Set(opts.domains?.map((d) => d.toLowerCase()) ?? accounts.map((a) => domainOf(a.name)));
  // Without `at`, the newest dump even if taken after the last commit (backups dump the directory last).
  const dir = await exportDirectorySource(from.backend, asked ?? Number.MAX_SAFE_INTEGER, accounts, domains, signal);
  const prov = await provision({
    client,
    entries: dir.entries,
    accounts,
    onExisting,
    state,
    ...(opts.onProgress
      ? {
          onProgress: (p) =>
            opts.onProgress!({ phase: 'provision', loaded: p.loaded, total: p.total, unit: 'objects' }),
        }
      : {}),
    ...(signal ? { signal } : {}),
  });
  const byName = [...accounts].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const results: ImportAccountResult[] = byName.map((a) => {
    const p = prov.objects.find((o) => o.kind === 'account' && o.name === a.name.toLowerCase());
    const pw = prov.generatedPasswords.get(a.name.toLowerCase());
    return {
      sourceId: a.id,
      name: a.name,
      status: 'pending',
      failures: [],
      ...(p ? { provision: p } : {}),
      ...(pw ? { generatedPassword: pw } : {}),
    };
  });
  const limit = pLimit(concurrency);
  let finished = 0;
  await Promise.allSettled(
    results.map((r) =>
      limit(async () => {
        if (signal?.aborted) return;
        await importAccount(opts, r, {
          importId,
          atMs,
          state,
          stateBackend,
          itemConcurrency,
          importable: prov.importable.has(r.sourceId) || state.isDone(r.sourceId),
        });
        opts.onProgress?.({
          phase: 'account',
          loaded: ++finished,
          total: results.length,
          unit: 'accounts',
          account: r.name,
        });
      }),
    ),
  );
  await state.save(signal).catch(() => {});
  if (signal?.aborted) {
    throw new ZimbraBackupError('import aborted; rerun it to resume', {
      code: 'ZB_ABORTED',
      cause: signal.reason,
      data: { importId, accounts: results.map((r) => ({ name: r.name, status: r.status })) },
    });
  }
  const complete =
    results.every((r) => r.status === 'done' || r.status === 'skipped') &&
    prov.objects.every((o) => o.status !== 'failed');
  return { importId, atMs, directory: prov.objects, accounts: results, complete, durationMs: Date.now() - started };
}

interface AccountContext {
  importId: string;
  atMs: number;
  state: ImportState;
  stateBackend: StorageBackend;
  itemConcurrency: number;
  importable: boolean;
}

async function importAccount(
  opts: ImportRepositoryOptions,
  r: ImportAccountResult,
  ctx: AccountContext,
): Promise<void> {
  const { signal } = opts;
  if (!ctx.importable) {
    r.status = r.provision?.status === 'failed' ? 'failed' : 'skipped';
    if (r.provision?.status === 'failed')
      r.error = { code: 'ZB_SOAP_FAULT', message: r.provision.reason ?? 'account could not be created' };
    return;
  }
  const restoreId = restoreIdOf('import-account', { importId: ctx.importId, account: r.sourceId });
  try {
    throwIfAborted(signal);
    const mailbox = await openAccountState(opts.from, r.sourceId, ctx.atMs, signal);
    const idMap = await RestoreIdMap.open({ backend: ctx.stateBackend, restoreId, ...(signal ? { signal } : {}) });
    const writer = new RestoreWriter({
      client: opts.client,
      account: r.name,
      blobs: opts.from.blobs,
      idMap,
      concurrency: ctx.itemConcurrency,
      ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
      ...(opts.onProgress
        ? {
            onProgress: (p: RestoreProgress) =>
              opts.onProgress!({ phase: 'account', loaded: 0, unit: 'accounts', account: r.name, restore: p }),
          }
        : {}),
      ...(signal ? { signal } : {}),
    });
    const w = await writer.write(planFromState(mailbox));
    Object.assign(r, {
      counts: w.counts,
      bytes: w.bytes,
      failures: w.failures,
      ...(w.warnings ? { warnings: w.warnings } : {}),
      idMap: { restoreId, entries: idMap.size },
    });
    r.status = w.failures.length ? 'partial' : 'done';
    if (r.status === 'done') await ctx.state.markDone(r.sourceId, signal);
  } catch (err) {
    if (signal?.aborted) {
      r.status = 'pending';
      return;
    }
    r.status = 'failed';
    r.error = {
      code: isZimbraBackupError(err) ? err.code : 'ERROR',
      message: (err as Error).message,
    };
  }
}
