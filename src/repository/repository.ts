/**
 * Opening and creating repositories (restic `repository/`): the FORMAT check, the blob store
 * configured from it, and the writer lock.
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ZimbraBackupError, isZimbraBackupError, throwIfAborted } from '../errors.js';
import type { Logger } from '../internal/logger.js';
import type { Secret } from '../internal/secret.js';
import { RepositoryCipher } from '../store/crypto/cipher.js';
import { EncryptedBackend } from '../store/crypto/encrypted-backend.js';
import {
  addKeySlot,
  listKeySlots,
  removeKeySlot,
  unlockMasterKey,
  type KeySlotInfo,
  type ScryptParams,
} from './keys/key-slots.js';
import { Journal } from '../journal/journal.js';
import type { JournalOptions } from '../journal/types.js';
import { type StorageBackend, bufferBody } from '../store/backends/backend.js';
import { assertCodecAvailable, isCompression, type Compression } from '../store/blob-codec.js';
import { BlobStore } from '../store/blob-store.js';
import { PackStore } from '../store/pack/pack-store.js';
import {
  DEFAULT_PACK_SIZE,
  ENCRYPTION_V1,
  FORMAT_NAME,
  FORMAT_VERSION,
  MAX_FORMAT_BYTES,
  decodeFormat,
  encodeFormat,
  type RepositoryConfig,
} from './format.js';
import { findAccount, readAccountIndex, writeAccountIndex, type AccountIndexEntry } from './account-index.js';
import {
  ACCOUNTS_PREFIX,
  DIRECTORY_PREFIX,
  FORMAT_KEY,
  accountIdOfKey,
  accountPrefix,
  blobLayout,
  directoryDumpTime,
  restorePrefix,
} from './layout.js';
import {
  acquireLock,
  breakLock,
  readLocks,
  readSmall,
  type BreakLockOptions,
  type LockInfo,
  type LockOptions,
  type RepositoryLock,
} from './lock.js';
import { invalidOptionOf } from '../internal/invalid-argument.js';

const invalid = invalidOptionOf();

/** Options shared by {@link initRepository} and {@link openRepository}. */
export interface OpenRepositoryOptions {
  /** Storage holding the repository (LocalBackend, S3Backend, MemoryBackend...). */
  backend: StorageBackend;
  /** Most concurrent blob writes. Default: `backend.properties.maxConnections`. */
  concurrency?: number;
  /** Directory for blob spool files. Default: `os.tmpdir()`. */
  spoolDir?: string;
  /** Logger. Default: silent. */
  logger?: Logger | false;
  /** Aborts opening. */
  signal?: AbortSignal;
  /** Format v2: target pack size of this writer, in bytes. Default: the FORMAT object's `packSize`. */
  packSize?: number;
  /**
   * The password of an encrypted repository (any of its key slots). Ignored for a repository that
   * is not encrypted. Read it from a file or the environment, never from a command line.
   */
  password?: string | Secret;
}

/** Options of an encrypted new repository ({@link InitRepositoryOptions.encryption}). */
export interface RepositoryEncryptionOptions {
  /** Password of the first key slot. */
  password: string | Secret;
  /** Label of the first key slot. Default: empty. */
  label?: string;
  /** scrypt parameters of the first key slot. Default: N=32768, r=8, p=1. */
  kdf?: ScryptParams;
}

/** Options of {@link Repository.addKey}. */
export interface AddKeyOptions {
  /** Password of the new slot. */
  password: string | Secret;
  /** Free text shown by `key list`. */
  label?: string;
  /** scrypt parameters. Default: N=32768, r=8, p=1. */
  kdf?: ScryptParams;
  /** Aborts. */
  signal?: AbortSignal;
}

/** What an opened encrypted repository holds in memory: derived keys, the master key, the slot used. */
interface UnlockedKey {
  masterKey: Buffer;
  slotId: string;
}

/** Options of {@link initRepository}. */
export interface InitRepositoryOptions extends OpenRepositoryOptions {
  /** Codec of new blobs. Default: 'gzip'. */
  compression?: Compression;
  /** gzip level 1-9. Default: 6. */
  gzipLevel?: number;
  /** Clock for the `created` field. Default: `new Date()`. */
  now?: () => Date;
  /** Format version of the new repository: 2 (packs, the default) or 1 (one object per blob). */
  formatVersion?: 1 | 2;
  /** Encrypt the new repository (format 2 only; docs/FORMAT.md "Encryption"). */
  encryption?: RepositoryEncryptionOptions;
}

/** Options of {@link Repository.journal}. */
export type AccountJournalOptions = Pick<
  JournalOptions,
  | 'readOnly'
  | 'logger'
  | 'clock'
  | 'checkpointMinRecords'
  | 'headCheckpointMinRecords'
  | 'compactAfterSegments'
  | 'signal'
  | 'beforeCommit'
  | 'lazy'
>;

/** A directory dump stored in the repository (newest last in {@link Repository.directoryDumps}). */
export interface DirectoryDumpObject {
  /** Object key, `directory/<yyyymmddThhmmssZ>.ldif[.gz]`. */
  key: string;
  /** When the dump was taken, ms since the epoch (from the key). */
  takenMs: number;
  /** Stored size in bytes. */
  size: number;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An open repository. Readers use it directly; writers take {@link Repository.lock} first. */
export class Repository {
  /** The storage it lives in. */
  readonly backend: StorageBackend;
  /** The FORMAT object's contents. */
  readonly config: Readonly<RepositoryConfig>;
  /** The content-addressed blob store, compressing new blobs as `config` says. */
  readonly blobs: BlobStore;
  /** True for an encrypted repository (opened with a password). */
  readonly encrypted: boolean;
  readonly #key: UnlockedKey | undefined;

  /** @internal Use {@link openRepository} or {@link initRepository}. */
  constructor(backend: StorageBackend, config: RepositoryConfig, options: OpenRepositoryOptions, key?: UnlockedKey) {
    const cipher = key ? RepositoryCipher.fromMasterKey(key.masterKey, config.id) : undefined;
    // Encrypted: everything but packs, FORMAT, key slots and locks is sealed whole by the wrapper.
    this.backend = cipher ? new EncryptedBackend(backend, cipher) : backend;
    this.config = Object.freeze({ ...config });
    this.encrypted = cipher !== undefined;
    this.#key = key;
    const packs =
      config.version >= 2
        ? new PackStore({
            backend: this.backend,
            ...(cipher ? { cipher } : {}),
            targetPackBytes: options.packSize ?? config.packSize ?? DEFAULT_PACK_SIZE,
            ...(options.logger === undefined ? {} : { logger: options.logger }),
          })
        : undefined;
    this.blobs = new BlobStore({
      backend: this.backend,
      ...(packs ? { packs } : {}),
      compression: config.compression,
      gzipLevel: config.gzipLevel,
      layout: blobLayout,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.spoolDir === undefined ? {} : { spoolDir: options.spoolDir }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  }

  /**
   * Takes the writer lock (one writer per repository; readers never lock).
   * @example
   * ```ts
   * const lock = await repo.lock({ owner: 'backup' });
   * try { ...write... } finally { await lock.release(); }
   * ```
   * @throws `ZB_LOCK_HELD` naming the holder.
   */
  lock(options: LockOptions = {}): Promise<RepositoryLock> {
    return acquireLock(this.backend, options);
  }

  /** The current lock objects, with staleness judged by `options` (for `status`). */
  locks(options: LockOptions = {}): Promise<LockInfo[]> {
    return readLocks(this.backend, options);
  }

  /**
   * Removes stale locks (or the one named by `lockId`); live locks only with `force`.
   * @returns The locks removed.
   */
  breakLock(options: BreakLockOptions = {}): Promise<LockInfo[]> {
    return breakLock(this.backend, options);
  }

  /**
   * The accounts the repository has seen (the account index), sorted by name. An absent index is
   * empty.
   * @throws `ZB_REPOSITORY_CORRUPT` when the index cannot be read as written.
   */
  accounts(signal?: AbortSignal): Promise<AccountIndexEntry[]> {
    return readAccountIndex(this.backend, signal);
  }

  /**
   * Every account id the repository holds data for, sorted: the account index plus whatever lives
   * under `accounts/` (an account whose index entry was lost is still found).
   */
  async accountIds(signal?: AbortSignal): Promise<string[]> {
    const ids = new Set<string>();
    for (const e of await this.accounts(signal)) ids.add(e.id.toLowerCase());
    for await (const { key } of this.backend.list(ACCOUNTS_PREFIX, signal ? { signal } : {})) {
      const id = accountIdOfKey(key);
      if (id) ids.add(id);
    }
    return [...ids].sort();
  }

  /** Replaces the account index (atomic put). Writers hold the lock. */
  writeAccounts(accounts: AccountIndexEntry[], signal?: AbortSignal): Promise<void> {
    return writeAccountIndex(this.backend, accounts, signal);
  }

  /**
   * Finds an account by zimbraId or (case-insensitive) name, preferring a live one over a deleted
   * one. A zimbraId missing from the index but holding data (an index lost to a crash) is found
   * too, named by its id.
   * @returns undefined when the repository never backed the account up.
   */
  async findAccount(idOrName: string, signal?: AbortSignal): Promise<AccountIndexEntry | undefined> {
    const hit = findAccount(await this.accounts(signal), idOrName);
    if (hit) return hit;
    if (!UUID_RE.test(idOrName)) return undefined;
    for await (const _ of this.backend.list(accountPrefix(idOrName), signal ? { signal } : {})) {
      return { id: idOrName.toLowerCase(), name: idOrName, firstSeenMs: 0, lastSeenMs: 0 };
    }
    return undefined;
  }

  /**
   * Like {@link Repository.findAccount}, but an unknown account is an error.
   * @throws `ZB_NOT_FOUND` when the repository never backed the account up.
   */
  async requireAccount(idOrName: string, signal?: AbortSignal): Promise<AccountIndexEntry> {
    const hit = await this.findAccount(idOrName, signal);
    if (hit) return hit;
    throw new ZimbraBackupError(`account ${idOrName} is not in this repository`, {
      code: 'ZB_NOT_FOUND',
      data: { account: idOrName },
    });
  }

  /**
   * Opens one account's journal (the only way the rest of the library reaches it, so the key
   * layout lives in one place). Readers pass `readOnly: true` and never lock; a writer holds
   * {@link Repository.lock}. Close it when done.
   * @example
   * ```ts
   * const journal = await repo.journal(accountId, { readOnly: true });
   * try { const state = await journal.stateAt(Date.parse('2026-11-26T04:00:00Z')); } finally { await journal.close(); }
   * ```
   * @throws `ZB_UNSAFE_PATH` for a hostile id; `ZB_JOURNAL_CORRUPT` as {@link Journal.open}.
   */
  async journal(accountId: string, options: AccountJournalOptions = {}): Promise<Journal> {
    // A commit must only name blobs that are durable: a writer's commit first flushes the blob
    // store's open pack (format v2; one flush serves every account committing at that moment).
    const beforeCommit =
      options.beforeCommit ??
      (options.readOnly ? undefined : (signal?: AbortSignal) => this.blobs.flush(signal ? { signal } : {}));
    return Journal.open({
      ...options,
      ...(beforeCommit ? { beforeCommit } : {}),
      backend: this.backend,
      prefix: accountPrefix(accountId),
    });
  }

  /** The directory dumps stored in the repository, oldest first. */
  async directoryDumps(signal?: AbortSignal): Promise<DirectoryDumpObject[]> {
    const out: DirectoryDumpObject[] = [];
    for await (const o of this.backend.list(DIRECTORY_PREFIX, signal ? { signal } : {})) {
      const takenMs = directoryDumpTime(o.key);
      if (takenMs !== undefined) out.push({ key: o.key, takenMs, size: o.size });
    }
    return out.sort((a, b) => a.takenMs - b.takenMs || a.key.localeCompare(b.key));
  }

  /** The key slots of an encrypted repository, oldest first (none for one that is not encrypted). */
  async keySlots(signal?: AbortSignal): Promise<KeySlotInfo[]> {
    return this.#key ? listKeySlots(this.backend, signal) : [];
  }

  /** The id of the key slot this repository was opened with (undefined when not encrypted). */
  get keySlotId(): string | undefined {
    return this.#key?.slotId;
  }

  /**
   * Adds a key slot: the master key sealed under a new password. Any slot's password then opens
   * the repository.
   * @throws `ZB_UNSUPPORTED` when the repository is not encrypted.
   */
  async addKey(options: AddKeyOptions): Promise<KeySlotInfo> {
    const key = this.#requireKey();
    return addKeySlot({
      backend: this.backend,
      repositoryId: this.config.id,
      masterKey: key.masterKey,
      password: options.password,
      ...(options.label === undefined ? {} : { label: options.label }),
      ...(options.kdf ? { kdf: options.kdf } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /**
   * Removes a key slot; never the last one, nor the one this repository was opened with.
   * @throws `ZB_CONFLICT` for the last or the current slot; `ZB_NOT_FOUND`; `ZB_UNSUPPORTED` when
   *   the repository is not encrypted.
   */
  async removeKey(id: string, signal?: AbortSignal): Promise<void> {
    const key = this.#requireKey();
    return removeKeySlot({ backend: this.backend, id, currentSlotId: key.slotId, ...(signal ? { signal } : {}) });
  }

  #requireKey(): UnlockedKey {
    if (this.#key) return this.#key;
    throw new ZimbraBackupError('the repository is not encrypted: it has no keys', {
      code: 'ZB_UNSUPPORTED',
      data: { reason: 'not-encrypted' },
    });
  }

  /** `restores/<restoreId>/`: where a restore or import keeps its bookkeeping (id maps, claims, progress). */
  restorePrefix(restoreId: string): string {
    return restorePrefix(restoreId);
  }
}

/**
 * Creates a repository in an empty backend: writes the FORMAT object.
 * @throws `ZB_CONFLICT` when the backend already holds a repository or any other object;
 *   `ZB_UNSUPPORTED` for zstd without `zstd-napi`; `ZB_INVALID_ARGUMENT` for bad options.
 */
export async function initRepository(options: InitRepositoryOptions): Promise<Repository> {
  const { backend, signal } = options;
  const compression = options.compression ?? 'gzip';
  const gzipLevel = options.gzipLevel ?? 6;
  if (!isCompression(compression)) throw invalid('compression', "must be 'none', 'gzip' or 'zstd'");
  if (!Number.isInteger(gzipLevel) || gzipLevel < 1 || gzipLevel > 9)
    throw invalid('gzipLevel', 'must be an integer 1-9');
  await assertCodecAvailable(compression);
  throwIfAborted(signal);
  if (await backend.stat(FORMAT_KEY, signal ? { signal } : {})) {
    throw new ZimbraBackupError('a repository already exists here', {
      code: 'ZB_CONFLICT',
      data: { reason: 'exists' },
    });
  }
  for await (const { key } of backend.list('', signal ? { signal } : {})) {
    throw new ZimbraBackupError(
      `refusing to create a repository in a non-empty location (found ${JSON.stringify(key.slice(0, 100))})`,
      {
        code: 'ZB_CONFLICT',
        data: { reason: 'not-empty', key: key.slice(0, 100) },
      },
    );
  }
  const version = options.formatVersion ?? FORMAT_VERSION;
  if (version !== 1 && version !== 2) throw invalid('formatVersion', 'must be 1 or 2');
  const packSize = options.packSize ?? DEFAULT_PACK_SIZE;
  if (!Number.isInteger(packSize) || packSize < 1024 || packSize > 2 ** 32)
    throw invalid('packSize', 'must be an integer between 1024 and 4294967296');
  const base = {
    format: FORMAT_NAME,
    id: randomUUID(),
    created: (options.now?.() ?? new Date()).toISOString(),
    compression,
    gzipLevel,
  } as const;
  if (options.encryption && version !== 2) throw invalid('encryption', 'needs format version 2');
  const config: RepositoryConfig =
    version === 1
      ? { ...base, version, blobLayout: 'sha256-fanout-2-2' }
      : {
          ...base,
          version,
          blobLayout: 'packs',
          packSize,
          ...(options.encryption ? { encryption: { ...ENCRYPTION_V1 } } : {}),
        };
  let key: UnlockedKey | undefined;
  if (options.encryption) {
    // The slot first, FORMAT last: a FORMAT object always means a usable repository.
    const masterKey = randomBytes(32);
    const slot = await addKeySlot({
      backend,
      repositoryId: config.id,
      masterKey,
      password: options.encryption.password,
      ...(options.encryption.label === undefined ? {} : { label: options.encryption.label }),
      ...(options.encryption.kdf ? { kdf: options.encryption.kdf } : {}),
      ...(signal ? { signal } : {}),
    });
    key = { masterKey, slotId: slot.id };
  }
  const bytes = encodeFormat(config);
  await backend.put(FORMAT_KEY, bufferBody(bytes), signal ? { signal } : {});
  return new Repository(backend, config, options, key);
}

/**
 * Opens an existing repository after checking its FORMAT object.
 * @throws `ZB_NOT_A_REPOSITORY` when there is no FORMAT object (or it names another format);
 *   `ZB_FORMAT_UNSUPPORTED` for another version; `ZB_REPOSITORY_CORRUPT` for a malformed FORMAT.
 */
export async function openRepository(options: OpenRepositoryOptions): Promise<Repository> {
  const { backend, signal } = options;
  throwIfAborted(signal);
  let bytes: Buffer;
  try {
    bytes = await readSmall(backend, FORMAT_KEY, MAX_FORMAT_BYTES);
  } catch (err) {
    if (isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) {
      throw new ZimbraBackupError(
        'not a zimbra-backup repository (no FORMAT object); create one with initRepository or `zimbra-backup init`',
        {
          code: 'ZB_NOT_A_REPOSITORY',
          cause: err,
        },
      );
    }
    if (isZimbraBackupError(err, 'ZB_TOO_LARGE')) {
      throw new ZimbraBackupError('FORMAT object is implausibly large', {
        code: 'ZB_REPOSITORY_CORRUPT',
        cause: err,
        data: { key: FORMAT_KEY },
      });
    }
    throw err;
  }
  const config = decodeFormat(bytes);
  if (!config.encryption) return new Repository(backend, config, options);
  if (options.password === undefined)
    throw new ZimbraBackupError(
      'the repository is encrypted: a password is needed (CLI: --repo-password-file F or env ZB_REPO_PASSWORD)',
      { code: 'ZB_KEY_REQUIRED', data: { id: config.id } },
    );
  const key = await unlockMasterKey({
    backend,
    repositoryId: config.id,
    password: options.password,
    ...(signal ? { signal } : {}),
  });
  return new Repository(backend, config, options, key);
}
