import { throwIfAborted } from '../errors.js';
import type { AccountSelector } from '../soap/transports/transport.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import type { FolderInfo, ItemType, TagInfo, ItemSummary } from '../soap/requests/items.js';

/** A reference to one changed or listed item, with whatever the sync response said of it. */
export interface ItemRef {
  /** Item type. */
  type: ItemType;
  /** Item id. */
  id: string;
  /** Containing folder, when known. */
  folderId?: string;
  /** The delta's summary (absent for items only listed by id in an initial sync). */
  summary?: ItemSummary;
}

/** A deleted item reported by a delta sync. */
export interface DeletedRef {
  id: string;
  /** Its type, when the server typed the delete. */
  type?: ItemType;
}

/** One unit of change: what a single SyncResponse reported. */
export interface ChangeBatch {
  /**
   * True for an initial sync: `folders`, `tags` and `items` are then the COMPLETE mailbox
   * listing, and anything not in it is gone (the caller reconciles).
   */
  initial: boolean;
  /** The token to persist once this batch is committed (opaque). */
  nextToken: string;
  /** True when the server has more changes queued; the cursor fetches them next. */
  more: boolean;
  /** Changed (delta) or all (initial) folders, saved searches and mountpoints. */
  folders: FolderInfo[];
  /** Changed (delta) or all (initial) tags. */
  tags: TagInfo[];
  /** Changed (delta) or all (initial) items other than folders, tags and conversations. */
  items: ItemRef[];
  /** Deleted items (delta only). */
  deleted: DeletedRef[];
  /** Server time of the response, in seconds. */
  serverTimeSeconds: number | undefined;
}

/** Options of {@link SyncCursor}. */
export interface SyncCursorOptions {
  /** An authenticated client (admin acting on the mailbox, or the user). */
  client: ZimbraClient;
  /** The mailbox, when acting as admin. */
  account?: string | AccountSelector;
  /** The token persisted after the last committed batch; absent for an initial sync. */
  token?: string;
  /** Maximum changed items per delta page (server cap 3990). Default 1000. */
  changeLimit?: number;
  /** Maximum deleted ids per delta page. Default 1000. */
  deleteLimit?: number;
  /** Aborts between and during requests. */
  signal?: AbortSignal;
  /**
   * A delta page already received (another cursor's {@link SyncCursor.firstPage}): yielded as
   * this cursor's first page instead of sending the same SyncRequest again, when it answered
   * exactly this cursor's first request (same token and limits); ignored otherwise.
   */
  received?: ReceivedPage | undefined;
}

/** What a delta SyncRequest asked for: the token and the page limits. */
export interface DeltaRequest {
  token: string;
  changeLimit: number;
  deleteLimit: number;
}

/** A delta page with the request that fetched it, so a later cursor can reuse it (see `received`). */
export interface ReceivedPage {
  request: DeltaRequest;
  batch: ChangeBatch;
}

/** Conversations are derived data (rebuilt by the server from messages): not backed up. */
const SKIPPED_TYPES: ReadonlySet<ItemType> = new Set<ItemType>(['conversation']);

/**
 * Incremental item fetch: SyncRequest with a persisted, opaque token, paging through `more`.
 *
 * ```text
 * token absent -> initial sync: one batch holding the whole folder tree and every item id
 * loop: SyncRequest(token, typed=1, changeLimit, deleteLimit)
 *       yield batch (caller commits it, then persists batch.nextToken)
 *       token = batch.nextToken; stop unless more
 * ```
 * A refused token surfaces as `MustResyncError` (`mail.MUST_RESYNC`): the caller starts a new
 * cursor without a token and reconciles the full listing against what it holds.
 *
 * Inside the `for await` loop the caller may commit and make other SOAP calls; the next page is
 * requested only when the loop asks for it.
 */
export class SyncCursor {
  readonly #opts: SyncCursorOptions;
  #first: ReceivedPage | undefined;

  constructor(opts: SyncCursorOptions) {
    this.#opts = opts;
  }

  /**
   * The first page this cursor received for a delta request (with that request), once
   * {@link batches} yielded it: a later cursor for the same token can start from it (`received`).
   * Undefined for an initial sync (a listing is never reused).
   */
  get firstPage(): ReceivedPage | undefined {
    return this.#first;
  }

  #deltaRequest(token: string): DeltaRequest {
    return { token, changeLimit: this.#opts.changeLimit ?? 1000, deleteLimit: this.#opts.deleteLimit ?? 1000 };
  }

  /** Yields change batches until the server has no more queued changes. */
  async *batches(): AsyncGenerator<ChangeBatch, void, undefined> {
    let token = this.#opts.token;
    let first = true;
    for (;;) {
      throwIfAborted(this.#opts.signal);
      const request = token === undefined ? undefined : this.#deltaRequest(token);
      const reused = first && request ? reusable(this.#opts.received, request) : undefined;
      const batch = reused ?? (await this.#fetch(request));
      if (first && request && !batch.initial) this.#first = { request, batch };
      first = false;
      yield batch;
      // A delta that reports the same token and no more is the cheap no-op: stop.
      if (!batch.more || batch.nextToken === token) return;
      token = batch.nextToken;
    }
  }

  async #fetch(request: DeltaRequest | undefined): Promise<ChangeBatch> {
    const { client, account, signal } = this.#opts;
    const send = { ...(account !== undefined ? { account } : {}), ...(signal ? { signal } : {}) };
    const res = await client.sync(request === undefined ? { typed: true } : { ...request, typed: true }, send);
    return res.initial
      ? initialBatch(res.token, res.folders, res.tags, res.changeDateSeconds)
      : {
          initial: false,
          nextToken: res.token,
          more: res.more,
          folders: res.folders,
          tags: res.tags,
          items: res.items
            .filter((i) => !SKIPPED_TYPES.has(i.type))
            .map((summary) => ({
              type: summary.type,
              id: summary.id,
              ...(summary.folderId !== undefined ? { folderId: summary.folderId } : {}),
              summary,
            })),
          deleted: deletedRefs(res.deleted.ids, res.deleted.byType),
          serverTimeSeconds: res.changeDateSeconds,
        };
  }
}

/**
 * The received page when it answered exactly `request`. Reusing it is sound because a delta
 * SyncRequest only reads: zm-mailbox service/mail/Sync.java computes the answer (changes after the
 * token, cut at changeLimit/deleteLimit with `more`, and the token to resume from) from the
 * mailbox under its lock and changes nothing but the idempotent tombstone tracking
 * (`beginTrackingSync`). The same request sent later would answer the same changes plus any made
 * since (or their later state); those come with the next page or the next run, as after any delta.
 */
function reusable(received: ReceivedPage | undefined, request: DeltaRequest): ChangeBatch | undefined {
  if (!received || received.batch.initial) return undefined;
  const r = received.request;
  const same =
    r.token === request.token && r.changeLimit === request.changeLimit && r.deleteLimit === request.deleteLimit;
  // A copy of the lists a run may extend (AccountRun adds its retry list to the first page's items).
  return same ? { ...received.batch, items: [...received.batch.items] } : undefined;
}

function initialBatch(token: string, folders: FolderInfo[], tags: TagInfo[], md: number | undefined): ChangeBatch {
  const items: ItemRef[] = [];
  for (const f of folders) {
    for (const [type, ids] of Object.entries(f.itemIds) as Array<[ItemType, string[]]>) {
      if (SKIPPED_TYPES.has(type) || type === 'folder' || type === 'tag' || type === 'search' || type === 'link')
        continue;
      for (const id of ids) items.push({ type, id, folderId: f.id });
    }
  }
  return { initial: true, nextToken: token, more: false, folders, tags, items, deleted: [], serverTimeSeconds: md };
}

function deletedRefs(ids: string[], byType: Partial<Record<ItemType, string[]>>): DeletedRef[] {
  const typeOf = new Map<string, ItemType>();
  for (const [type, list] of Object.entries(byType) as Array<[ItemType, string[]]>)
    for (const id of list) typeOf.set(id, type);
  const out: DeletedRef[] = [];
  for (const id of ids) {
    const type = typeOf.get(id);
    if (type !== undefined && SKIPPED_TYPES.has(type)) continue;
    out.push(type !== undefined ? { id, type } : { id });
  }
  return out;
}
