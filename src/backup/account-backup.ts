/**
 * The backup of one account: sync changes -> content into the blob store -> journal commit ->
 * token saved with that commit (DESIGN invariants 1 and 3).
 *
 * ```text
 * state = journal.lastState()                       {token, retry[]}
 * if no token or full: reconcile()                   initial listing vs journal.current() (load())
 * else for each delta page: journal.lookup(its ids); apply(page); commit(records, state{token})
 *      (the journal is opened lazily: a delta reads the checkpoint pages of its ids, not the
 *      account's whole history; checkpointIfBehind() after the last commit keeps that so)
 *      on mail.MUST_RESYNC: commit a resync marker, reconcile()
 * reconcile(): listing = initial SyncRequest; unchanged items (same ms) cost nothing; changed
 *      metadata reuses the stored digest; new content is downloaded; ids the journal holds and
 *      the listing lacks become deletions; committed in slices, the token only with the last.
 * ```
 * A crash anywhere leaves the last committed token: the next run repeats at most one slice,
 * and `sameVersion` makes the repeat add nothing.
 * @module
 */
import { attributesDigest } from './account-attrs.js';
import { envelopeMeta, parseEnvelope } from './message-envelope.js';
import { isRetryable, isZimbraBackupError } from '../errors.js';
import { AccountInactiveError, MustResyncError } from '../soap/faults.js';
import type { ItemSummary } from '../soap/requests/items.js';
import type { Journal } from '../journal/journal.js';
import type { ItemRecord, JournalRecordInput, JsonValue, MailboxState } from '../journal/types.js';
import { SyncCursor, type ChangeBatch, type ItemRef, type ReceivedPage } from '../sync/sync-cursor.js';
import {
  calendarUid,
  contactMeta,
  contactMetadata,
  storeContactAttachments,
  itemMetadata,
  messageMetadata,
  storeContent,
  type FetchContext,
} from './item-fetch.js';
import { folderRecord, itemRecord, kindOf, sameVersion, tagRecord } from './records.js';
import { emptyAccountRun, type AccountRunResult } from './account-run-result.js';
import { BulkMessageFetcher } from './bulk-fetch.js';
import type { BackupProgress } from './progress.js';
import type { CursorState } from '../repository/cursor-state.js';

export type { CursorState } from '../repository/cursor-state.js';

// In their own small module: the no-change path (quick-check.ts) needs them without loading this one.
export { emptyAccountRun, type AccountRunResult } from './account-run-result.js';
/** Options of {@link backupAccount}. */
export interface AccountBackupOptions {
  fetch: FetchContext;
  journal: Journal;
  accountId: string;
  /** List the whole mailbox and reconcile even when a token exists (SmartScan). */
  full?: boolean;
  /**
   * Records per journal commit during a full listing. Default 2000: each commit flushes the blob
   * store (format v2: a pack and an index file), so fewer, larger commits mean fewer objects.
   */
  sliceRecords?: number;
  /** Give up retrying an item after this many runs (it stays reported). Default 5. */
  maxItemAttempts?: number;
  /**
   * During a full listing, download new messages in `fmt=tar&list=…` batches (bulk-fetch.ts),
   * one request per batch instead of one per message; anything the archive lacks or gets wrong is
   * fetched per item. Default true.
   */
  bulkDownload?: boolean;
  onProgress?: (p: BackupProgress) => void;
  /**
   * The delta page the no-change check already received for the journal's token
   * (quick-check.ts): the delta starts from it instead of sending the same SyncRequest again.
   * Used only when it answered exactly the delta's first request (SyncCursor `received`).
   */
  received?: ReceivedPage | undefined;
}

type Input = JournalRecordInput;

/** What an account run needs of the journal's state: the recorded versions of the ids at hand. */
type Known = Pick<MailboxState, 'items'>;

/** Runs one backup pass of one account. */
export async function backupAccount(opts: AccountBackupOptions): Promise<AccountRunResult> {
  const run = new AccountRun(opts);
  return run.execute();
}

class AccountRun {
  readonly result: AccountRunResult;
  #state: CursorState;
  #pending: Input[] = [];
  readonly #bulk: BulkMessageFetcher | undefined;

  constructor(private readonly opts: AccountBackupOptions) {
    this.result = emptyAccountRun(opts.accountId);
    this.#state = { ...((opts.journal.lastState() as CursorState | undefined) ?? {}) };
    // The attributes the journal holds, as a digest in the state: the next run tells "nothing
    // changed" from the last commit marker alone (quick-check.ts). A deleted account has none.
    const current = opts.journal.account();
    const attrs = current.account?.attrs;
    if (attrs && !current.accountDeleted) this.#state.attrsDigest = attributesDigest(attrs);
    else delete this.#state.attrsDigest;
    const onBytes = opts.fetch.onBytes;
    opts.fetch = {
      ...opts.fetch,
      onBytes: (d, s) => {
        this.result.bytesDownloaded += d;
        this.result.bytesStored += s;
        onBytes?.(d, s);
      },
    };
    this.#bulk = opts.bulkDownload === false ? undefined : new BulkMessageFetcher(opts.fetch);
  }

  async execute(): Promise<AccountRunResult> {
    try {
      if (this.#state.token === undefined) {
        await this.#reconcile();
      } else {
        await this.#delta(this.#state.token);
        // SmartScan: list the whole mailbox only when its change id moved since the last listing
        // (the token after a delta is the mailbox's last change id: a cheap probe).
        if (this.opts.full && this.#state.scannedToken !== this.#state.token) await this.#reconcile();
      }
    } catch (err) {
      if (!(err instanceof MustResyncError)) throw err;
      this.#pending.push({ type: 'resync', reason: err.faultCode });
      await this.#reconcile();
    }
    // Keeps the next run's lazy open short (Journal.checkpointIfBehind; derived data, never fails the run).
    await this.opts.journal.checkpointIfBehind(this.opts.fetch.signal ? { signal: this.opts.fetch.signal } : {});
    return this.result;
  }

  #progress(phase: BackupProgress['phase'], extra: Partial<BackupProgress> = {}): void {
    const items = this.result.itemsNew + this.result.itemsChanged + this.result.itemsDeleted;
    this.opts.onProgress?.({
      phase,
      accountId: this.opts.accountId,
      loaded: items,
      unit: 'items',
      items,
      bytes: this.result.bytesDownloaded,
      ...extra,
    });
  }

  async #commit(state: CursorState): Promise<void> {
    const sameState = JSON.stringify(state) === JSON.stringify(this.opts.journal.lastState() ?? {});
    if (this.#pending.length === 0 && sameState) return;
    const records = this.#pending;
    this.#pending = [];
    this.#progress('commit', { records: records.length });
    const commitOpts = {
      state: state as unknown as JsonValue,
      // Until the listing after a move completes, the journal's sequences are the old mailbox's.
      // (The last committed state says so; the listing's final commit is the one that clears it.)
      ...((this.opts.journal.lastState() as CursorState | null | undefined)?.moved === true
        ? { newSequences: true }
        : {}),
      ...(this.opts.fetch.signal ? { signal: this.opts.fetch.signal } : {}),
    };
    await this.opts.journal.commit(records, commitOpts);
    this.result.commits++;
  }

  async #delta(token: string): Promise<void> {
    const cursor = new SyncCursor({
      client: this.opts.fetch.client,
      account: this.opts.fetch.account,
      token,
      ...(this.opts.fetch.signal ? { signal: this.opts.fetch.signal } : {}),
      // Same token and default limits as the quick check's cursor: the cursor checks both.
      received: this.opts.received,
    });
    let retried = false;
    for await (const batch of cursor.batches()) {
      this.#progress('sync');
      const refs = batch.items;
      if (!retried) {
        refs.push(...this.#retryRefs(refs));
        retried = true;
      }
      // Only the recorded versions of what the delta names: a lazily opened journal reads just
      // their checkpoint pages, not the account's whole history (issue 12).
      const ids = [
        ...batch.folders.map((f) => f.id),
        ...batch.tags.map((t) => t.id),
        ...batch.deleted.map((d) => d.id),
        ...refs.map((r) => r.id),
      ];
      const current: Known = { items: await this.opts.journal.lookup(ids, this.#io()) };
      this.#applyTree(batch, current);
      for (const d of batch.deleted) this.#delete(current, d.id);
      await this.#applyItems(refs, current);
      await this.#commit(this.#nextState(batch.nextToken));
    }
  }

  #io(): { signal?: AbortSignal } {
    return this.opts.fetch.signal ? { signal: this.opts.fetch.signal } : {};
  }

  async #reconcile(): Promise<void> {
    this.result.fullListing = true;
    // A listing is compared with every recorded item: the whole state.
    await this.opts.journal.load(this.#io());
    const cursor = new SyncCursor({
      client: this.opts.fetch.client,
      account: this.opts.fetch.account,
      ...(this.opts.fetch.signal ? { signal: this.opts.fetch.signal } : {}),
    });
    for await (const listing of cursor.batches()) {
      this.#progress('sync', { total: listing.items.length });
      const current = this.opts.journal.current();
      this.#applyTree(listing, current);
      const listed = new Set<string>([
        ...listing.folders.map((f) => f.id),
        ...listing.tags.map((t) => t.id),
        ...listing.items.map((i) => i.id),
      ]);
      for (const id of current.items.keys()) if (!listed.has(id)) this.#delete(current, id);
      // Until the listing is wholly committed the old token (if any) stays the resume point.
      const interim: CursorState = { ...this.#state };
      const slice = this.opts.sliceRecords ?? 2000;
      for (let i = 0; i < listing.items.length; i += slice) {
        await this.#applyItems(listing.items.slice(i, i + slice), this.opts.journal.current());
        // The last slice commits with the new token below: one journal object less per listing.
        if (i + slice < listing.items.length) await this.#commit(interim);
      }
      await this.#commit(this.#nextState(listing.nextToken, true));
    }
  }

  #nextState(token: string, listed = false): CursorState {
    const state: CursorState = { token };
    if (this.#state.retry?.length) state.retry = this.#state.retry;
    const scanned = listed ? token : this.#state.scannedToken;
    if (scanned !== undefined) state.scannedToken = scanned;
    if (this.#state.attrsDigest !== undefined) state.attrsDigest = this.#state.attrsDigest;
    this.#state = state;
    return state;
  }

  #retryRefs(already: ItemRef[]): ItemRef[] {
    const have = new Set(already.map((r) => r.id));
    return (this.#state.retry ?? [])
      .filter((r) => !have.has(r.id))
      .map((r) => ({ type: r.type as ItemRef['type'], id: r.id }));
  }

  #applyTree(batch: ChangeBatch, current: Known): void {
    for (const f of batch.folders) this.#upsert(current.items.get(f.id), folderRecord(f));
    for (const t of batch.tags) this.#upsert(current.items.get(t.id), tagRecord(t));
  }

  #upsert(prev: ItemRecord | undefined, rec: Extract<Input, { type: 'item' }>): void {
    if (sameVersion(prev, rec)) return;
    if (prev) this.result.itemsChanged++;
    else this.result.itemsNew++;
    this.#pending.push(rec);
  }

  #delete(current: Known, id: string): void {
    const prev = current.items.get(id);
    if (!prev) return;
    this.result.itemsDeleted++;
    this.#pending.push({ type: 'delete', id, kind: prev.kind });
  }

  #failed(ref: ItemRef, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.result.failures.push({ id: ref.id, error: message });
    const retry = (this.#state.retry ?? []).filter((r) => r.id !== ref.id);
    const prev = this.#state.retry?.find((r) => r.id === ref.id);
    const attempts = (prev?.attempts ?? 0) + 1;
    if (attempts <= (this.opts.maxItemAttempts ?? 5))
      retry.push({ id: ref.id, type: ref.type, attempts, error: message, ...(prev?.refetch ? { refetch: true } : {}) });
    this.#state = { ...this.#state, retry };
  }

  #succeeded(id: string): void {
    if (this.#state.retry?.some((r) => r.id === id))
      this.#state = { ...this.#state, retry: this.#state.retry.filter((r) => r.id !== id) };
  }

  async #applyItems(refs: ItemRef[], current: Known): Promise<void> {
    const byType = new Map<string, ItemRef[]>();
    for (const r of refs) {
      if (kindOf(r.type) === undefined) continue;
      const list = byType.get(r.type) ?? [];
      list.push(r);
      byType.set(r.type, list);
    }
    const tasks: Array<Promise<void>> = [];
    const messages = [...(byType.get('message') ?? []), ...(byType.get('chat') ?? [])];
    if (messages.length > 0) tasks.push(this.#messages(messages, current));
    const contacts = byType.get('contact') ?? [];
    if (contacts.length > 0) tasks.push(this.#contacts(contacts, current));
    for (const type of ['appointment', 'task', 'document', 'wiki']) {
      for (const ref of byType.get(type) ?? []) tasks.push(this.#generic(ref, current));
    }
    for (const ref of byType.get('note') ?? []) tasks.push(this.#note(ref, current));
    await Promise.all(tasks);
  }

  /** Decides between "unchanged", "metadata only" and "new content" for one item. */
  async #version(
    ref: ItemRef,
    meta: ItemSummary,
    current: Known,
    fetchContent: () => Promise<{ digest?: string; size?: number; meta?: { [k: string]: JsonValue } } | undefined>,
  ): Promise<void> {
    const kind = kindOf(ref.type);
    if (!kind) return;
    const prev = current.items.get(ref.id);
    try {
      let content: { digest?: string; size?: number; meta?: { [k: string]: JsonValue } } | undefined;
      // A repair mark: the stored blob was bad, so neither shortcut below may trust the journal.
      // After a move the recorded sequences belong to the old mailbox (CursorState.moved): an
      // equal number there means nothing, so neither shortcut below applies.
      const refetch =
        this.#state.moved === true || this.#state.retry?.some((r) => r.id === ref.id && r.refetch === true) === true;
      // Same modified sequence: nothing about the item changed since the recorded version.
      if (
        !refetch &&
        prev &&
        prev.modifiedSequence !== undefined &&
        prev.modifiedSequence === meta.modifiedSequence &&
        (prev.digest !== undefined || prev.meta !== undefined)
      ) {
        this.#succeeded(ref.id);
        return;
      }
      const sameContent =
        prev &&
        prev.savedSequence !== undefined &&
        prev.savedSequence === meta.savedSequence &&
        (prev.digest !== undefined || prev.meta !== undefined);
      if (sameContent && kind !== 'contact' && !refetch) {
        content = {
          ...(prev.digest !== undefined ? { digest: prev.digest } : {}),
          ...(prev.size !== undefined ? { size: prev.size } : {}),
          ...(prev.meta !== undefined ? { meta: prev.meta } : {}),
        };
      } else {
        content = await fetchContent();
        if (content === undefined) return; // vanished: its delete arrives with the next delta
      }

      this.#upsert(prev, itemRecord(kind, meta, content));
      this.#succeeded(ref.id);
    } catch (err) {
      // A permanent repository failure (disk full, read-only, no permission) fails every next item
      // too: stop the account with it instead of downloading the whole mailbox in vain.
      // An account put in maintenance mid-run fails every next item too: stop, warn, retry next pass.
      if (this.opts.fetch.signal?.aborted || isRepositoryFatal(err) || err instanceof AccountInactiveError) throw err;
      this.#failed(ref, err);
    }
  }

  async #messages(refs: ItemRef[], current: Known): Promise<void> {
    const metas = await messageMetadata(
      this.opts.fetch,
      refs.map((r) => r.id),
    );
    await Promise.all(
      refs.map((ref) => {
        const meta = metas.get(ref.id);
        if (!meta) return Promise.resolve();
        return this.#version(ref, meta, current, async () => {
          const stored =
            (this.result.fullListing ? await this.#bulk?.request(ref.id, meta.size) : undefined) ??
            (await storeContent(this.opts.fetch, ref.id, {
              fmt: 'native',
              captureHead: true,
              ...(meta.size !== undefined ? { expectedSize: meta.size } : {}),
            }));
          if (!stored) return undefined;
          const envelope = stored.head ? await parseEnvelope(stored.head) : undefined;
          const recMeta = {
            ...(envelope ? envelopeMeta(envelope) : {}),
            // a chat restores as a message (no request creates a chat): the record says what it was
            ...(ref.type === 'chat' ? { zimbraType: 'chat' } : {}),
          };
          return {
            digest: stored.digest,
            size: stored.size,
            ...(Object.keys(recMeta).length > 0 ? { meta: recMeta } : {}),
          };
        });
      }),
    );
  }

  async #contacts(refs: ItemRef[], current: Known): Promise<void> {
    const metas = await contactMetadata(
      this.opts.fetch,
      refs.map((r) => r.id),
    );
    await Promise.all(
      refs.map((ref) => {
        const c = metas.get(ref.id);
        if (!c) return Promise.resolve();
        const plain = contactMeta(c.fields, c.members);
        return this.#version(
          ref,
          { ...c.summary, size: Buffer.byteLength(JSON.stringify(plain)) },
          current,
          async () => {
            if (c.attachments.length === 0) return { meta: plain };
            // The photo and other attached files are parts of the contact, fetched over REST.
            const files = await storeContactAttachments(this.opts.fetch, ref.id, c.attachments);
            if (!files) return undefined;
            return { meta: contactMeta(c.fields, c.members, files) };
          },
        );
      }),
    );
  }

  /** A note (Note.java) has no blob: its text, bounds and color are its metadata (GetItem, ToXML.encodeNote). */
  async #note(ref: ItemRef, current: Known): Promise<void> {
    const meta = await itemMetadata(this.opts.fetch, ref.id);
    if (!meta) return;
    const content = meta.content ?? '';
    const noteMeta: { [k: string]: JsonValue } = { content };
    if (meta.bounds !== undefined) noteMeta['bounds'] = meta.bounds;
    if (meta.color !== undefined) noteMeta['color'] = meta.color;
    await this.#version(ref, { ...ref.summary, ...meta, size: Buffer.byteLength(content) }, current, async () => ({
      meta: noteMeta,
    }));
  }

  async #generic(ref: ItemRef, current: Known): Promise<void> {
    const meta =
      ref.summary?.modifiedSequence !== undefined && ref.summary.flags !== undefined
        ? ref.summary
        : await itemMetadata(this.opts.fetch, ref.id);
    if (!meta) return;
    await this.#version(ref, { ...ref.summary, ...meta }, current, async () => {
      // Appointments and tasks are kept as iCalendar (what restores replay through SetAppointment):
      // asked for by name, never left to the server's per-type default (UserServlet.defaultFormat).
      const calendar = ref.type === 'appointment' || ref.type === 'task';
      const stored = await storeContent(this.opts.fetch, ref.id, { fmt: calendar ? 'ics' : 'native' });
      if (!stored) return undefined;
      if (!calendar) return stored;
      const uid = await calendarUid(this.opts.fetch, ref.id);
      return { ...stored, ...(uid !== undefined ? { meta: { uid } } : {}) };
    });
  }
}

/** Storage errors retrying cannot fix (ENOSPC, EACCES, EROFS... wrapped as non-transient ZB_STORAGE), and a lost lock. */
function isRepositoryFatal(err: unknown): boolean {
  return (isZimbraBackupError(err, 'ZB_STORAGE') && !isRetryable(err)) || isZimbraBackupError(err, 'ZB_LOCK_LOST');
}
