/**
 * The no-change fast path of an account run (issue 12: a no-change incremental run costs one token
 * check per account): when the last commit's cursor state says where the account stood, and the
 * server confirms nothing moved since, the run is done without opening the journal (which replays
 * every record).
 *
 * In a backup pass the attributes come from the pass's listing (SearchDirectory without `attrs`
 * answers every attribute of each account exactly as GetAccount does: both encode
 * `Account.getUnicodeAttrs(applyCos)` through `ToXML.encodeAccount`, zm-mailbox
 * service/admin/SearchDirectory.java and GetAccount.java, and we send applyCos=0 to both). An
 * attribute change after the listing is then seen by the next run, like one after a GetAccount;
 * the pass's completeness instant (capture status) is taken before the listing, so it claims
 * nothing later than what the listing saw.
 *
 * ```text
 * last commit marker (peekLastState: one LIST + the newest segment)
 *   -> token, no retry list, attrsDigest?            else: the full run
 * digest of its attributes == attrsDigest?                 else: the full run
 *   (from a backup pass's listing of every attribute, or from GetAccount)
 * SyncRequest(token) -> no folder, tag, item or delete, same token, no more?  else: the full run,
 *                                                          handed this answer as its first page
 * -> a run result with nothing new; nothing written
 * ```
 * The full run after a changed token starts from the answer this check received (SyncCursor
 * `received`): it is exactly the request the run's delta would send first (same token, same
 * limits: both cursors take the defaults), so a changed account costs one SyncRequest less.
 * Any error on the way (a fault, an inactive account, a damaged segment) also means "the full
 * run", which meets it again and handles it as before; only an abort propagates.
 * @module
 */
import { withoutBlockedValues } from '../directory/account-attributes.js';
import { peekLastState } from '../journal/peek.js';
import { cursorStateOf } from '../repository/cursor-state.js';
import { accountPrefix } from '../repository/layout.js';
import type { StorageBackend } from '../store/backends/backend.js';
import type { DirectoryObject } from '../soap/requests/directory.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { SyncCursor, type ReceivedPage } from '../sync/sync-cursor.js';
import { attributesDigest } from './account-attrs.js';
import { emptyAccountRun, type AccountRunResult } from './account-run-result.js';

/** What {@link unchangedAccount} found. */
export interface QuickCheckResult {
  /** The result of an account run that found nothing to do; undefined: the account needs a full run. */
  unchanged?: AccountRunResult;
  /** The delta page that showed a change, for the full run to start from (SyncCursor `received`). */
  received?: ReceivedPage;
}

/** Whether the account changed since its last commit (see the module doc). */
export async function unchangedAccount(opts: {
  client: ZimbraClient;
  backend: StorageBackend;
  accountId: string;
  /** The account's entry when the caller already fetched it (GetAccount is then not sent again). */
  account?: DirectoryObject | undefined;
  /**
   * The digest of the account's current attributes when the caller has it from a listing of
   * every attribute (account-roster.ts): neither GetAccount nor `account` is needed then.
   */
  attrsDigest?: string | undefined;
  signal?: AbortSignal | undefined;
}): Promise<QuickCheckResult> {
  const { client, accountId: id, signal } = opts;
  try {
    const peeked = await peekLastState(opts.backend, accountPrefix(id), signal);
    const state = cursorStateOf(peeked?.state);
    const token = state.token;
    if (token === undefined || state.attrsDigest === undefined || (state.retry?.length ?? 0) > 0) return {};
    const io = signal ? { signal } : {};
    const digest =
      opts.attrsDigest ??
      attributesDigest(
        withoutBlockedValues((opts.account ?? (await client.getAccount({ by: 'id', value: id }, io))).attrs),
      );
    if (digest !== state.attrsDigest) return {};
    const cursor = new SyncCursor({ client, account: { by: 'id', value: id }, token, ...io });
    for await (const b of cursor.batches()) {
      const quiet =
        !b.initial &&
        !b.more &&
        b.nextToken === token &&
        b.folders.length + b.tags.length + b.items.length + b.deleted.length === 0;
      const received = cursor.firstPage;
      if (!quiet) return received ? { received } : {};
    }
  } catch (err) {
    if (signal?.aborted) throw err;
    return {};
  }
  return { unchanged: emptyAccountRun(id) };
}
