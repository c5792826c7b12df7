/**
 * `restoreAccount`: a mailbox as it was at an instant, into a new account or back into the
 * original one (only what is missing there).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { ZimbraBackupError, isZimbraBackupError } from '../errors.js';
import { Secret } from '../internal/secret.js';
import type { FolderInfo } from '../soap/requests/items.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { copyableAccountAttrs } from '../directory/account-attributes.js';
import { passwordHashOf } from '../directory/directory-source.js';
import type { JsonValue } from '../journal/types.js';
import { RestoreIdMap } from './restore-id-map.js';
import { restoreIdOf } from './restore-id.js';
import { openSourceJournal, planFromState, resolveSourceAccount } from './restore-source.js';
import { runPlan } from './run-plan.js';
import type { RestoreOperationOptions, RestoreResult } from './types.js';

/** Options of {@link restoreAccount}. */
export interface RestoreAccountOptions extends RestoreOperationOptions {
  /** The instant to restore (Date or ms since the epoch): every commit captured at or before it. */
  at: Date | number;
  /**
   * Restore into this account. When it does not exist it is created; when it exists and is not
   * the source, the restore is refused (`ZB_TARGET_EXISTS`) unless `intoExisting` is set.
   * Default: the original account (only what is missing there is written).
   */
  toAccount?: string;
  /**
   * Allow `toAccount` to be an existing account other than the source: the source's items are
   * then added to that mailbox. Default false. Not needed to resume a restore whose first run
   * created the account.
   */
  intoExisting?: boolean;
  /** Extra attributes for a created account (override copied ones, e.g. another COS id). */
  accountAttrs?: Record<string, string | string[]>;
}

/**
 * Which mailbox a restore writes: a `new` account it creates, the `original` account (same
 * name as the source), or an `existing` account that is not the source (only with
 * `intoExisting`, or when an earlier run of the same restore created it: `resumed`).
 */
export type RestoreTargetKind = 'new' | 'original' | 'existing' | 'resumed';

/** Result of {@link restoreAccount}. */
export interface RestoreAccountResult extends RestoreResult {
  /** The resolved instant restored, as an ISO-8601 UTC time. */
  at: string;
  /** What kind of mailbox `targetAccount` is (see {@link RestoreTargetKind}). */
  targetKind: RestoreTargetKind;
  /** The account this run created, if it created one. */
  createdAccount?: { id: string; name: string };
  /**
   * Set when the account was created with a generated password because no directory dump held
   * the source's password hash. Reported once: nothing stores it.
   */
  generatedPassword?: Secret;
}

function toMs(at: Date | number, field: string): number {
  const t = at instanceof Date ? at.getTime() : at;
  if (!Number.isFinite(t) || t < 0)
    throw new ZimbraBackupError(`${field} must be a valid time`, { code: 'ZB_INVALID_ARGUMENT', data: { field } });
  return t;
}

/** Every item id (folders included) in the mailbox now, from one initial SyncRequest. */
export async function liveItemIds(client: ZimbraClient, account: string, signal?: AbortSignal): Promise<Set<string>> {
  const r = await client.sync({}, signal ? { account, signal } : { account });
  const out = new Set<string>();
  const walk = (f: FolderInfo): void => {
    out.add(f.id);
    for (const ids of Object.values(f.itemIds)) for (const id of ids ?? []) out.add(id);
    for (const c of f.children) walk(c);
  };
  if (r.root) walk(r.root);
  return out;
}

/** The zimbraId of an account on the target server, or undefined when it does not exist. */
async function accountIdOn(client: ZimbraClient, name: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    return (await client.getAccount(name, signal ? { signal, attrs: ['zimbraId'] } : { attrs: ['zimbraId'] })).id;
  } catch (err) {
    if (isZimbraBackupError(err, 'account.NO_SUCH_ACCOUNT')) return undefined;
    throw err;
  }
}

/** The operation record of a restore, when an earlier run of it wrote one. */
async function operationOf(
  opts: RestoreAccountOptions,
  restoreId: string,
): Promise<{ [k: string]: JsonValue } | undefined> {
  const map = await RestoreIdMap.open({
    backend: opts.repository.backend,
    restoreId,
    readOnly: true,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  try {
    return await map.readOperation(opts.signal);
  } finally {
    await map.close();
  }
}

/**
 * Decides whether an existing account other than the source may be written: only when asked
 * (`intoExisting`) or when an earlier run of this very restore created it (then it resumes).
 */
async function existingTargetKind(
  opts: RestoreAccountOptions,
  restoreId: string,
  targetId: string,
  target: string,
  sourceName: string,
): Promise<RestoreTargetKind> {
  const op = await operationOf(opts, restoreId);
  if (typeof op?.['createdAccountId'] === 'string' && op['createdAccountId'].toLowerCase() === targetId.toLowerCase())
    return 'resumed';
  if (opts.intoExisting === true) return 'existing';
  throw new ZimbraBackupError(
    `${target} is an existing account and not the source ${sourceName}: restoring would add ${sourceName}'s items to its mailbox; ` +
      'choose a new account name, or pass --into-existing (intoExisting: true) if that is what you want',
    { code: 'ZB_TARGET_EXISTS', data: { target, targetId, source: sourceName } },
  );
}

/** Writes the operation record with the id of the account this run created. */
async function writeCreatedRecord(
  opts: RestoreAccountOptions,
  restoreId: string,
  operation: { [k: string]: JsonValue },
  createdAccountId: string,
): Promise<void> {
  const map = await RestoreIdMap.open({
    backend: opts.repository.backend,
    restoreId,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  try {
    await map.writeOperation({ ...operation, createdAccountId, createdMs: Date.now() }, opts.signal);
  } finally {
    await map.close();
  }
}

/**
 * Restores an account's mailbox as it was at `at`.
 *
 * Into a new account (`toAccount`): the account is created (unless a previous run of the same
 * restore created it) with the source's attributes minus server-owned ones, its COS, a new
 * zimbraId, and the source's password hash from the newest directory dump, or a generated
 * password returned once in `generatedPassword`. Into the original account: items that still
 * exist there are left alone; only the missing ones are written. Into an existing account that
 * is not the source: refused unless `intoExisting` (a dry run is refused the same way, so the
 * preview never promises what the real run would not do).
 * @throws `ZB_TARGET_EXISTS` (toAccount exists, is not the source, no `intoExisting`),
 *   `ZB_NOT_FOUND` (account not in the repository), `ZB_INVALID_ARGUMENT`, `ZB_ABORTED`, SOAP faults.
 * @example
 * ```ts
 * const r = await restoreAccount({ repository, client, account: 'user1@example.test', at: Date.now() - 3600_000, toAccount: 'user1-restored@example.test' });
 * ```
 */
export async function restoreAccount(opts: RestoreAccountOptions): Promise<RestoreAccountResult> {
  const at = toMs(opts.at, 'at');
  const source = await resolveSourceAccount(opts.repository, opts.account, opts.signal);
  const journal = await openSourceJournal(opts.repository, source.id, opts.signal);
  let state;
  try {
    state = await journal.stateAt(at, opts.signal ? { signal: opts.signal } : {});
  } finally {
    await journal.close();
  }
  if (state.seq === 0)
    throw new ZimbraBackupError(`no backup of ${source.name} at or before ${new Date(at).toISOString()}`, {
      code: 'ZB_NOT_FOUND',
      data: { account: source.id, at },
    });
  const toNew = opts.toAccount !== undefined && opts.toAccount.toLowerCase() !== source.name.toLowerCase();
  const target = toNew ? opts.toAccount!.toLowerCase() : source.name;
  const restoreId = restoreIdOf('restore-account', { account: source.id, at, to: target });
  const plan = planFromState(state);
  const out: Partial<RestoreAccountResult> = {};
  let skipIds: Set<string> | undefined;
  const targetId = await accountIdOn(opts.client, target, opts.signal);
  let targetKind: RestoreTargetKind = toNew ? 'new' : 'original';
  if (toNew && targetId !== undefined) {
    targetKind = await existingTargetKind(opts, restoreId, targetId, target, source.name);
  }
  if (!opts.dryRun && toNew && targetId === undefined) {
    const attrs = { ...copyableAccountAttrs(state.account?.attrs), ...(opts.accountAttrs ?? {}) };
    const hash = await passwordHashOf(opts.repository.backend, source.id, at, opts.signal);
    let password: Secret | undefined;
    if (hash) attrs['userPassword'] = hash;
    else password = new Secret(randomBytes(18).toString('base64url'));
    const created = await opts.client.createAccount(
      target,
      password,
      attrs,
      opts.signal ? { signal: opts.signal } : {},
    );
    out.createdAccount = { id: created.id, name: created.name };
    if (password) out.generatedPassword = password;
    // Recorded at once, so a rerun after an interruption knows this account is its own creation.
    await writeCreatedRecord(
      opts,
      restoreId,
      { op: 'restore-account', account: source.id, at, to: target },
      created.id,
    );
  } else if (!toNew && targetId !== undefined && targetId.toLowerCase() === source.id) {
    // The original mailbox: item ids are the same ids, so whatever still exists stays as it is.
    // (A recreated account of the same name has a new zimbraId: its ids mean nothing here.)
    skipIds = await liveItemIds(opts.client, target, opts.signal);
  }
  const resolved = { at: new Date(at).toISOString(), targetKind };
  try {
    const result = await runPlan(opts, {
      restoreId,
      sourceAccountId: source.id,
      targetAccount: target,
      plan,
      operation: { op: 'restore-account', account: source.id, at, to: target },
      ...(skipIds ? { skipIds } : {}),
    });
    return { ...result, ...out, ...resolved };
  } catch (err) {
    // The rerun that resumes will find the account and cannot report its password again: hand it
    // over with the error (a Secret prints as a placeholder in logs and JSON).
    if (!out.createdAccount || !(err instanceof ZimbraBackupError)) throw err;
    throw new ZimbraBackupError(`${err.message} (account ${target} was created; rerun to resume)`, {
      code: err.code,
      cause: err,
      data: {
        ...err.data,
        createdAccount: out.createdAccount,
        ...(out.generatedPassword ? { generatedPassword: out.generatedPassword } : {}),
      },
    });
  }
}
