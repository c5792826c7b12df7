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

  constructor(opts: SyncCursorOptions) {
    this.#opts = opts;
  }

  /** Yields change batches until the server has no more queued changes. */
  async *batches(): AsyncGenerator<ChangeBatch, void, undefined> {
    const { client, account, signal } = this.#opts;
    let token = this.#opts.token;
    for (;;) {
      throwIfAborted(signal);
      const send = { ...(account !== undefined ? { account } : {}), ...(signal ? { signal } : {}) };
      const res = await client.sync(
        token === undefined
          ? { typed: true }
          : {
              token,
              typed: true,
              changeLimit: this.#opts.changeLimit ?? 1000,
              deleteLimit: this.#opts.deleteLimit ?? 1000,
            },
        send,
      );
      const batch: ChangeBatch = res.initial
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
      yield batch;
      // A delta that reports the same token and no more is the cheap no-op: stop.
      if (!batch.more || batch.nextToken === token) return;
      token = batch.nextToken;
    }
  }
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
