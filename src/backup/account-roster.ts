/**
 * The engine's view of the account list: which accounts the server lists, which of them this
 * engine backs up, and the account index that readers (status, ls, restores) find them through.
 *
 * ```text
 * refresh: SearchDirectory (every account) -> unsafe zimbraIds refused -> name filter -> selection
 *          -> index entries updated (name, lastSeen) or added -> vanished accounts marked deleted
 *          (only with no name filter, and only those this engine owns) -> index written
 * ```
 * Failure modes: an unsafe zimbraId and a selected name the server does not list are reported as
 * failures (a name once per run) and the others go on; a vanished account another engine writes
 * (shard, mail server, or a lease held elsewhere) is never marked deleted by this one.
 * @module
 */
import type { ZimbraBackupError } from '../errors.js';
import type { Logger } from '../internal/logger.js';
import { safeZimbraId } from '../internal/safe-id.js';
import { mailHostOf, withoutBlockedValues } from '../directory/account-attributes.js';
import {
  ENGINE_ACCOUNT_INDEX_PREFIX,
  writeEngineAccountIndex,
  type AccountIndexEntry,
} from '../repository/account-index.js';
import { cursorStateOf } from '../repository/cursor-state.js';
import type { JsonValue } from '../journal/types.js';
import type { RepositoryLock } from '../repository/lock.js';
import type { Repository } from '../repository/repository.js';
import type { DirectoryObject } from '../soap/requests/directory.js';
import { LISTING_ATTRS, type ZimbraClient } from '../soap/zimbra-client.js';
import type { ZimbraAttrs } from '../soap/element.js';
import { attributesDigest } from './account-attrs.js';
import type { EngineJournals } from './engine-journals.js';
import { inSelection, isPartial, type AccountSelection } from './selection.js';

/** What an {@link AccountRoster} needs from its engine. */
export interface AccountRosterOptions {
  client: ZimbraClient;
  repository: Repository;
  journals: EngineJournals;
  /** Only these accounts (names or zimbraIds); see BackupEngineOptions.accounts. */
  accounts?: string[] | undefined;
  selection?: AccountSelection | undefined;
  log: Logger;
  now: () => number;
  /** The lock the engine holds, once it holds one (leases and the index file depend on its mode). */
  held: () => RepositoryLock | undefined;
  /** This engine's name (its own index file under a shared lock). */
  engineName: () => string;
  /** A listed account that cannot be backed up, or a selected name the server does not list. */
  onFailure: (f: { accountId: string; error: string }) => void;
  /** An account marked deleted. */
  onDeleted: () => void;
}

/** The account index of a running engine and the listing that keeps it current. */
export class AccountRoster {
  readonly #o: AccountRosterOptions;
  #index: AccountIndexEntry[] = [];
  #dirty = false;
  /** Accounts of the last listing made with `digests`, with their attribute digest (empty otherwise). */
  #digests = new Map<string, { account: DirectoryObject; digest: string }>();
  /** Selected names the server does not list, already reported in this run. */
  #reportedMissing = new Set<string>();

  constructor(opts: AccountRosterOptions) {
    this.#o = opts;
  }

  /** Starts a run: reads the index; missing names are reported again. */
  async load(signal: AbortSignal | undefined): Promise<void> {
    this.#reportedMissing = new Set();
    this.#index = await this.#o.repository.accounts(signal);
    this.#dirty = false;
    // An exclusive writer folds the engines' own index files into the main one (docs/FORMAT.md).
    if (this.#o.held()?.mode !== 'shared')
      for await (const _ of this.#o.repository.backend.list(ENGINE_ACCOUNT_INDEX_PREFIX, signal ? { signal } : {})) {
        this.#dirty = true;
        break;
      }
  }

  /** Re-reads the index after another writer may have changed it (kept as it was if unreadable). */
  async reload(): Promise<void> {
    this.#index = await this.#o.repository.accounts().catch(() => this.#index);
  }

  /**
   * Lists accounts on the server, updates the index, and marks vanished ones deleted. With
   * `digests`, the listing carries every attribute (as GetAccount would answer it) and keeps only
   * their digest per account ({@link listedDigest}) beside the few attributes a listing usually
   * fetches, so memory stays as small as a plain listing's.
   */
  async refresh(signal: AbortSignal | undefined, opts: { digests?: boolean } = {}): Promise<DirectoryObject[]> {
    const now = this.#o.now();
    const listed: DirectoryObject[] = [];
    this.#digests = new Map();
    const attrs = opts.digests ? ('all' as const) : undefined;
    for await (const full of this.#o.client.accounts({ ...(signal ? { signal } : {}), ...(attrs ? { attrs } : {}) })) {
      let a = full;
      if (attrs) {
        // The digest quick-check.ts compares with the one the account's last commit recorded
        // (account-attrs.ts: the attributes GetAccount returns, blocked values left out).
        a = { id: full.id, name: full.name, attrs: pick(full.attrs, LISTING_ATTRS) };
        this.#digests.set(full.id, { account: a, digest: attributesDigest(withoutBlockedValues(full.attrs)) });
      }
      // DESIGN invariant 5: an id that cannot name accounts/<id>/ is refused here, before it
      // reaches the account index (where it would fail every later run in #markDeleted).
      try {
        safeZimbraId(a.id);
      } catch (err) {
        const e = err as ZimbraBackupError;
        this.#o.log.error({ accountId: String(a.id).slice(0, 80), code: e.code }, 'account skipped: unsafe zimbraId');
        this.#o.onFailure({ accountId: String(a.id).slice(0, 80), error: `${e.code}: ${e.message}` });
        continue;
      }
      listed.push(a);
    }
    const filter = this.#o.accounts?.map((s) => s.toLowerCase());
    const sel = this.#o.selection;
    const selected = (
      filter
        ? listed.filter((a) => filter.includes(a.id.toLowerCase()) || filter.includes(a.name.toLowerCase()))
        : listed
    ).filter((a) => inSelection(sel, a.id, mailHostOf(a.attrs)));
    if (filter) {
      const missing = filter.filter((f) => !listed.some((a) => a.id.toLowerCase() === f || a.name.toLowerCase() === f));
      for (const name of missing) {
        if (this.#reportedMissing.has(name)) continue;
        this.#reportedMissing.add(name);
        this.#o.log.warn({ account: name }, 'selected account not on the server; backing up the others');
        this.#o.onFailure({ accountId: name, error: `ZB_NOT_FOUND: no such account on the server: ${name}` });
      }
    }
    const byId = new Map(this.#index.map((e) => [e.id, e]));
    for (const a of selected) {
      const e = byId.get(a.id);
      if (e) {
        // Only a new name or a return from deletion is news to readers: a run that changes
        // neither leaves the index object alone (lastSeenMs is refreshed with the next change).
        if (e.name !== a.name || e.deletedMs !== undefined) this.#dirty = true;
        e.name = a.name;
        e.lastSeenMs = now;
        delete e.deletedMs;
      } else {
        const entry: AccountIndexEntry = { id: a.id, name: a.name, firstSeenMs: now, lastSeenMs: now };
        this.#index.push(entry);
        byId.set(a.id, entry);
        this.#dirty = true;
      }
    }
    if (!filter) await this.#markDeleted(new Set(listed.map((a) => a.id)), now, signal);
    // Readers (status, ls, restores) find accounts through the index: write it before the first
    // commit of a new account, so what is committed is visible at once, even if the run stops.
    await this.save(signal);
    return selected;
  }

  /**
   * An account that joined this engine since the last listing (moved in from another server, or
   * new): its index entry is added or refreshed and the index written before its first commit.
   */
  async adopt(acct: DirectoryObject, signal: AbortSignal | undefined): Promise<void> {
    const now = this.#o.now();
    const entry = this.#index.find((e) => e.id === acct.id);
    if (entry) {
      entry.name = acct.name;
      entry.lastSeenMs = now;
      delete entry.deletedMs;
    } else this.#index.push({ id: acct.id, name: acct.name, firstSeenMs: now, lastSeenMs: now });
    this.#dirty = true;
    await this.save(signal);
  }

  /**
   * The account as the last listing returned it (its usual few attributes) and the digest of all
   * its attributes, when that listing fetched every attribute (`refresh(signal, { digests: true })`);
   * undefined otherwise.
   */
  listed(id: string): { account: DirectoryObject; digest: string } | undefined {
    return this.#digests.get(id);
  }

  /** True when the index marks the account deleted. */
  isDeleted(id: string): boolean {
    return this.#index.some((e) => e.id === id && e.deletedMs !== undefined);
  }

  /** Writes the index when it changed since the last write. */
  async save(signal?: AbortSignal): Promise<void> {
    if (!this.#dirty) return;
    // Under a shared lock other engines update the index too: each writes its own file only.
    if (this.#o.held()?.mode === 'shared')
      await writeEngineAccountIndex(this.#o.repository.backend, this.#o.engineName(), this.#index, signal);
    else await this.#o.repository.writeAccounts(this.#index, signal);
    this.#dirty = false;
  }

  async #markDeleted(live: Set<string>, now: number, signal: AbortSignal | undefined): Promise<void> {
    const held = this.#o.held();
    for (const e of this.#index) {
      if (live.has(e.id) || e.deletedMs !== undefined) continue;
      // Another engine's account is never ours to mark deleted: the shard is a function of the id,
      // the server is the last zimbraMailHost this repository recorded for it.
      if (!(await this.#ownsVanished(e.id))) continue;
      if (held && !(await this.#o.journals.lease(held, e.id))) continue;
      const journal = await this.#o.journals.acquire(e.id);
      try {
        // Without its attributes digest: should the account come back, its run must open the
        // journal and record the attributes again (quick-check.ts never skips it).
        const { attrsDigest: _gone, ...state } = cursorStateOf(journal.lastState());
        await journal.commit([{ type: 'account-deleted' }], {
          state: journal.lastState() == null ? null : (state as JsonValue),
          ...(signal ? { signal } : {}),
        });
      } finally {
        await this.#o.journals.done(e.id, journal);
      }
      e.deletedMs = now;
      this.#dirty = true;
      this.#o.onDeleted();
    }
  }

  /** True when an account the server no longer lists belongs to this engine's selection. */
  async #ownsVanished(id: string): Promise<boolean> {
    const sel = this.#o.selection;
    if (!isPartial(sel)) return true;
    if (!inSelection({ ...(sel?.shard ? { shard: sel.shard } : {}) }, id, undefined)) return false;
    if (!sel?.mailServers) return true;
    const journal = await this.#o.journals.acquire(id);
    const owned = inSelection(sel, id, mailHostOf(journal.account().account?.attrs));
    if (!owned) await this.#o.journals.forget(id, journal);
    else await this.#o.journals.done(id, journal);
    return owned;
  }
}

/** The named attributes of `attrs` (names compared case-insensitively, as LDAP does). */
function pick(attrs: ZimbraAttrs, names: readonly string[]): ZimbraAttrs {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const out: ZimbraAttrs = {};
  for (const [k, v] of Object.entries(attrs)) if (wanted.has(k.toLowerCase())) out[k] = v;
  return out;
}
