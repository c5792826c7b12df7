/**
 * What a restore knows about the mailbox it writes to: the folder tree by path (folders are
 * created on demand, parents first, reusing existing ones with `fie`), tags by name, and, per
 * folder that held items before the restore, an index of its content so that an item already
 * there (same content in the same folder) is skipped instead of written twice.
 * @module
 */
import { createHash } from 'node:crypto';
import { downloadItem } from '../rest/download-item.js';
import type { FolderInfo } from '../soap/requests/items.js';
import type { AccountSelector } from '../soap/transports/transport.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { contactKey } from './content-keys.js';
import { isZimbraBackupError } from '../errors.js';

/** Existing content of one target folder, consumed as restored items match it. */
interface FolderContent {
  /** Messages and documents by size: candidates to hash. */
  bySize: Map<number, Array<{ id: string; dateMs?: number; name?: string }>>;
  /** Contact field fingerprints (multiset). */
  contacts: Map<string, number>;
  /** Calendar UIDs (multiset). */
  uids: Map<string, number>;
  /** Document names (lower case) present. */
  docNames: Set<string>;
  /** Notes by text, bounds and colour (multiset); listed only when the restore writes notes. */
  notes: Map<string, number>;
}

/** What makes two notes the same for the duplicate check: text, bounds and colour (CreateNote's inputs). */
export function noteKey(content: string, bounds: string | undefined, color: number | undefined): string {
  return JSON.stringify([content, bounds ?? '0,0,0,0', color ?? 0]);
}

function take(m: Map<string, number>, key: string): boolean {
  const n = m.get(key) ?? 0;
  if (n <= 0) return false;
  m.set(key, n - 1);
  return true;
}

function quotePath(path: string): string {
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The target mailbox of a restore (one instance per run). */
export class TargetMailbox {
  readonly #client: ZimbraClient;
  readonly #account: string | AccountSelector;
  readonly #signal: AbortSignal | undefined;
  readonly #byPath = new Map<string, { id: string; count: number | undefined; preexisting: boolean }>();
  readonly #ids = new Set<string>();
  readonly #creating = new Map<string, Promise<string>>();
  readonly #tags = new Map<string, Promise<void>>();
  readonly #content = new Map<string, Promise<FolderContent>>();
  /** Folders (lower-case paths) where few items go: checked by a narrow per-item search instead of a full listing. */
  readonly #narrow = new Set<string>();
  /** Target item ids already matched to a source item (a target item stands for one source item only). */
  readonly #consumed = new Set<string>();
  #tagNames = new Set<string>();
  /** List notes too when reading a folder's content (only restores that write notes ask). */
  #withNotes = false;

  constructor(client: ZimbraClient, account: string | AccountSelector, signal?: AbortSignal) {
    this.#client = client;
    this.#account = account;
    this.#signal = signal;
  }

  #opts(): { account: string | AccountSelector; signal?: AbortSignal } {
    return this.#signal ? { account: this.#account, signal: this.#signal } : { account: this.#account };
  }

  /** Reads the folder tree and the tags once. */
  async load(): Promise<void> {
    const root = await this.#client.getFolder({}, this.#opts());
    const walk = (f: FolderInfo, path: string): void => {
      this.#byPath.set(path.toLowerCase(), { id: f.id, count: f.count, preexisting: true });
      this.#ids.add(f.id);
      for (const c of f.children)
        if (c.type === 'folder' && c.name) walk(c, path === '/' ? `/${c.name}` : `${path}/${c.name}`);
    };
    walk(root, '/');
    this.#tagNames = new Set((await this.#client.getTags(this.#opts())).map((t) => t.name.toLowerCase()));
  }

  /** The id of an existing folder at `path` (case-insensitive, as Zimbra compares names), if any. */
  folderId(path: string): string | undefined {
    return this.#byPath.get(path.toLowerCase())?.id;
  }

  /** True when the target has a folder with this id (used for system folders, whose ids are fixed). */
  hasFolderId(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Makes sure the folder at `path` exists (parents first) and resolves to its id. */
  ensureFolder(path: string, opts: { view?: string; color?: number } = {}): Promise<string> {
    const key = path.toLowerCase();
    const known = this.#byPath.get(key);
    if (known) return Promise.resolve(known.id);
    let p = this.#creating.get(key);
    if (!p) {
      p = this.#create(path, opts);
      this.#creating.set(key, p);
      p.catch(() => this.#creating.delete(key));
    }
    return p;
  }

  async #create(path: string, opts: { view?: string; color?: number }): Promise<string> {
    const cut = path.lastIndexOf('/');
    const parentPath = cut <= 0 ? '/' : path.slice(0, cut);
    const name = path.slice(cut + 1);
    // Intermediate folders (e.g. the `Restored ...` base) take the view of the child they lead to.
    const parentId = await this.ensureFolder(parentPath, opts.view ? { view: opts.view } : {});
    const f = await this.#client.createFolder(
      {
        name,
        parentId,
        ...(opts.view ? { view: opts.view } : {}),
        ...(opts.color !== undefined ? { color: opts.color } : {}),
      },
      this.#opts(),
    );
    // fie returned an existing folder when it has a count: treat it as pre-existing content.
    this.#byPath.set(path.toLowerCase(), { id: f.id, count: f.count, preexisting: (f.count ?? 0) > 0 });
    return f.id;
  }

  /** Makes sure a tag exists (created once, reused by name). */
  ensureTag(name: string, color?: number): Promise<void> {
    const key = name.toLowerCase();
    if (this.#tagNames.has(key)) return Promise.resolve();
    let p = this.#tags.get(key);
    if (!p) {
      p = this.#client.createTag({ name, ...(color !== undefined ? { color } : {}) }, this.#opts()).then(
        () => {
          this.#tagNames.add(key);
        },
        (err: unknown) => {
          this.#tags.delete(key);
          // Another writer (or a previous run) created it meanwhile.
          if (isZimbraBackupError(err, 'mail.ALREADY_EXISTS')) return;
          throw err;
        },
      );
      this.#tags.set(key, p);
    }
    return p;
  }

  /** True when this tag name was there before or created by this run. */
  hasTag(name: string): boolean {
    return this.#tagNames.has(name.toLowerCase());
  }

  #folderContent(path: string): Promise<FolderContent> | undefined {
    const f = this.#byPath.get(path.toLowerCase());
    // A folder this run created from nothing holds only what this run wrote (tracked by the id map).
    if (!f || !f.preexisting || f.count === 0) return undefined;
    let p = this.#content.get(f.id);
    if (!p) {
      p = this.#loadContent(path, f.id);
      this.#content.set(f.id, p);
      p.catch(() => this.#content.delete(f.id));
    }
    return p;
  }

  /**
   * Marks a folder that receives only a few items: each message is then looked up by its
   * Message-ID (`msgid:`) rather than by listing the whole folder, so restoring one message into
   * a 50,000-message Inbox stays one indexed search. A server that ignores the term still answers
   * correctly (the whole folder), only slower.
   */
  preferNarrow(path: string): void {
    this.#narrow.add(path.toLowerCase());
  }

  /** Makes folder listings include notes (Search `types=note`), for {@link takeNote}. */
  listNotes(): void {
    this.#withNotes = true;
  }

  async #loadContent(path: string, folderId: string): Promise<FolderContent> {
    const out: FolderContent = {
      bySize: new Map(),
      contacts: new Map(),
      uids: new Map(),
      docNames: new Set(),
      notes: new Map(),
    };
    const query = `in:${quotePath(path)}`;
    const types = `message,document,appointment,task${this.#withNotes ? ',note' : ''}`;
    for (let offset = 0; ;) {
      const page = await this.#client.search({ query, types, limit: 500, offset, sortBy: 'dateAsc' }, this.#opts());
      for (const h of page.hits) {
        if (h.type === 'note') {
          const k = noteKey(h.content ?? '', h.bounds, h.color);
          out.notes.set(k, (out.notes.get(k) ?? 0) + 1);
          continue;
        }
        if (h.type === 'message' || h.type === 'document') {
          if (h.size === undefined || this.#consumed.has(h.id)) continue;
          const list = out.bySize.get(h.size) ?? [];
          list.push({
            id: h.id,
            ...(h.dateMs !== undefined ? { dateMs: h.dateMs } : {}),
            ...(h.name ? { name: h.name } : {}),
          });
          out.bySize.set(h.size, list);
          if (h.type === 'document' && h.name) out.docNames.add(h.name.toLowerCase());
        } else if (h.type === 'appointment' || h.type === 'task') {
          const uid = (await this.#client.getAppointment({ id: h.id }, this.#opts())).uid;
          if (uid) out.uids.set(uid, (out.uids.get(uid) ?? 0) + 1);
        }
      }
      offset += page.hits.length;
      if (!page.more || page.hits.length === 0) break;
    }
    for (const c of await this.#client.getContacts({ folderId }, this.#opts())) {
      const k = contactKey(c.attrs);
      out.contacts.set(k, (out.contacts.get(k) ?? 0) + 1);
    }
    return out;
  }

  async #hashOf(id: string): Promise<string> {
    const res = await downloadItem(this.#client, {
      account: this.#account,
      id,
      // messages and documents: their stored bytes, as the backup hashed them
      fmt: 'native',
      ...(this.#signal ? { signal: this.#signal } : {}),
    });
    const h = createHash('sha256');
    for await (const chunk of res.stream as AsyncIterable<Buffer>) h.update(chunk);
    return h.digest('hex');
  }

  /**
   * True when the folder already held an item with this content (same digest; candidates are
   * narrowed by size and, for messages, received date before hashing); that item is then used up,
   * so two identical source items still need two identical target items.
   */
  async takeBlob(
    path: string,
    digest: string,
    size: number | undefined,
    dateMs?: number,
    messageId?: () => Promise<string | undefined>,
  ): Promise<boolean> {
    const f = this.#byPath.get(path.toLowerCase());
    if (!f || !f.preexisting || f.count === 0 || size === undefined) return false;
    if (messageId && this.#narrow.has(path.toLowerCase()) && !this.#content.has(f.id)) {
      const mid = await messageId();
      if (mid !== undefined) return this.#takeNarrow(path, mid, digest, size, dateMs);
    }
    const content = this.#folderContent(path);
    if (!content) return false;
    const list = (await content).bySize.get(size);
    if (!list) return false;
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      if (this.#consumed.has(c.id) || (dateMs !== undefined && c.dateMs !== undefined && c.dateMs !== dateMs)) continue;
      if ((await this.#hashOf(c.id)) === digest) {
        list.splice(i, 1);
        this.#consumed.add(c.id);
        return true;
      }
    }
    return false;
  }

  async #takeNarrow(
    path: string,
    messageId: string,
    digest: string,
    size: number,
    dateMs: number | undefined,
  ): Promise<boolean> {
    const query = `in:${quotePath(path)} msgid:${quotePath(messageId)}`;
    for (let offset = 0; ;) {
      const page = await this.#client.search({ query, types: 'message', limit: 500, offset }, this.#opts());
      for (const h of page.hits) {
        if (
          h.size !== size ||
          this.#consumed.has(h.id) ||
          (dateMs !== undefined && h.dateMs !== undefined && h.dateMs !== dateMs)
        )
          continue;
        if ((await this.#hashOf(h.id)) === digest) {
          this.#consumed.add(h.id);
          return true;
        }
      }
      offset += page.hits.length;
      if (!page.more || page.hits.length === 0) return false;
    }
  }

  /** True when the folder already held a contact with exactly these fields (used up on match). */
  async takeContact(path: string, fields: Record<string, string | string[]>): Promise<boolean> {
    const content = this.#folderContent(path);
    return content ? take((await content).contacts, contactKey(fields)) : false;
  }

  /** True when the folder already held a note with this text, bounds and colour (used up on match). */
  async takeNote(path: string, key: string): Promise<boolean> {
    const content = this.#folderContent(path);
    return content ? take((await content).notes, key) : false;
  }

  /** True when the folder already held a calendar item with this UID (used up on match). */
  async takeUid(path: string, uid: string): Promise<boolean> {
    const content = this.#folderContent(path);
    return content ? take((await content).uids, uid) : false;
  }

  /** True when a document of this name is in the folder (a save would overwrite it as a new revision). */
  async hasDocumentName(path: string, name: string): Promise<boolean> {
    const content = this.#folderContent(path);
    return content ? (await content).docNames.has(name.toLowerCase()) : false;
  }
}
