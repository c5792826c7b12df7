/**
 * Key slots of an encrypted repository (docs/FORMAT.md "Key slots"): the random 256-bit master key
 * is stored only sealed under key-encryption keys derived from passwords with scrypt, one object
 * per slot, `keys/<slot id>.json`:
 *
 * ```json
 * { "version": 1, "id": "<16 hex>", "created": "<ISO 8601>", "label": "...",
 *   "kdf": { "name": "scrypt", "N": 32768, "r": 8, "p": 1, "salt": "<base64, 32 bytes>" },
 *   "cipher": "aes-256-gcm", "sealedKey": "<base64: nonce 12 | ciphertext 32 | tag 16>" }
 * ```
 * `KEK = scrypt(password as UTF-8, salt, N, r, p, 32 bytes)`; `sealedKey = AES-256-GCM(KEK)` of the
 * master key with AAD `zimbra-backup/v1/key-slot/<repository id>/<slot id>`. Adding a slot writes a
 * new object, removing one deletes it: no object is ever modified or renamed, so this works on S3.
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb } from 'node:crypto';
import { ZimbraBackupError, isZimbraBackupError } from '../../errors.js';
import { toSecret, type Secret } from '../../internal/secret.js';
import { type IoOptions, type StorageBackend, bufferBody } from '../../store/backends/backend.js';
import { KEY_SIZE, NONCE_SIZE, TAG_SIZE } from '../../store/crypto/cipher.js';

/** Prefix of the key slot objects. */
export const KEYS_PREFIX = 'keys/';

/** scrypt cost parameters, recorded in each slot. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two (2^10 to 2^22). Default: 32768 (2^15; 32 MiB, about 0.1 s). */
  N: number;
  /** Block size (1-32). Default: 8. */
  r: number;
  /** Parallelism (1-16). Default: 1. */
  p: number;
}

/** The default scrypt parameters of new slots. */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 32768, r: 8, p: 1 });

/** What `key list` shows of a slot (nothing secret). */
export interface KeySlotInfo {
  /** Slot id (16 hex digits); `keys/<id>.json`. */
  id: string;
  /** When the slot was added, ISO 8601 UTC. */
  created: string;
  /** Free text given when the slot was added (e.g. who holds the password). */
  label: string;
  /** The slot's KDF parameters. */
  kdf: ScryptParams;
}

interface SlotBody extends KeySlotInfo {
  version: 1;
  salt: Buffer;
  sealedKey: Buffer;
}

/** Key of a slot object. */
export function keySlotKey(id: string): string {
  if (!/^[0-9a-f]{16}$/.test(id))
    throw new ZimbraBackupError(`not a key slot id: ${JSON.stringify(id.slice(0, 40))}`, {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'keyId' },
    });
  return `${KEYS_PREFIX}${id}.json`;
}

/**
 * Seals `masterKey` under `password` in a new slot object.
 * @returns The new slot.
 */
export async function addKeySlot(opts: {
  backend: StorageBackend;
  repositoryId: string;
  masterKey: Buffer;
  password: string | Secret;
  label?: string;
  kdf?: ScryptParams;
  now?: Date;
  signal?: AbortSignal;
}): Promise<KeySlotInfo> {
  const kdf = checkParams(opts.kdf ?? DEFAULT_SCRYPT, 'kdf');
  const password = passwordBytes(opts.password);
  const id = randomBytes(8).toString('hex');
  const salt = randomBytes(32);
  const kek = await scrypt(password, salt, kdf);
  const nonce = randomBytes(NONCE_SIZE);
  const c = createCipheriv('aes-256-gcm', kek, nonce);
  c.setAAD(slotAad(opts.repositoryId, id));
  const sealedKey = Buffer.concat([nonce, c.update(opts.masterKey), c.final(), c.getAuthTag()]);
  const info: KeySlotInfo = { id, created: (opts.now ?? new Date()).toISOString(), label: opts.label ?? '', kdf };
  const json = {
    version: 1,
    id,
    created: info.created,
    label: info.label,
    kdf: { name: 'scrypt', ...kdf, salt: salt.toString('base64') },
    cipher: 'aes-256-gcm',
    sealedKey: sealedKey.toString('base64'),
  };
  const bytes = Buffer.from(`${JSON.stringify(json, null, 2)}\n`, 'utf8');
  await opts.backend.put(keySlotKey(id), bufferBody(bytes), io(opts.signal));
  return info;
}

/** Every slot of the repository, oldest first. Malformed slot objects are reported, not skipped. */
export async function listKeySlots(backend: StorageBackend, signal?: AbortSignal): Promise<KeySlotInfo[]> {
  const slots = await readSlots(backend, signal);
  return slots.map(({ id, created, label, kdf }) => ({ id, created, label, kdf }));
}

/**
 * Finds the slot `password` opens and returns the master key.
 * @throws `ZB_KEY_INVALID` when no slot opens with it; `ZB_REPOSITORY_CORRUPT` when the repository
 *   has no key slot at all or a slot object is malformed.
 */
export async function unlockMasterKey(opts: {
  backend: StorageBackend;
  repositoryId: string;
  password: string | Secret;
  signal?: AbortSignal;
}): Promise<{ masterKey: Buffer; slotId: string }> {
  const slots = await readSlots(opts.backend, opts.signal);
  if (slots.length === 0)
    throw new ZimbraBackupError('the repository is encrypted but has no key slot (keys/ is empty)', {
      code: 'ZB_REPOSITORY_CORRUPT',
      data: { key: KEYS_PREFIX },
    });
  const password = passwordBytes(opts.password);
  for (const slot of slots) {
    const kek = await scrypt(password, slot.salt, slot.kdf);
    const d = createDecipheriv('aes-256-gcm', kek, slot.sealedKey.subarray(0, NONCE_SIZE));
    d.setAAD(slotAad(opts.repositoryId, slot.id));
    d.setAuthTag(slot.sealedKey.subarray(slot.sealedKey.length - TAG_SIZE));
    try {
      const key = Buffer.concat([
        d.update(slot.sealedKey.subarray(NONCE_SIZE, slot.sealedKey.length - TAG_SIZE)),
        d.final(),
      ]);
      return { masterKey: key, slotId: slot.id };
    } catch {
      // Not this slot's password: try the next one.
    }
  }
  throw new ZimbraBackupError(
    `the password opens none of the repository's ${slots.length} key slot(s); nothing was read or changed`,
    { code: 'ZB_KEY_INVALID', data: { slots: slots.length } },
  );
}

/**
 * Deletes a slot. Never the last one, and never the one the caller opened the repository with
 * (so the caller cannot lock itself out by mistake; open with another password to remove it).
 * @throws `ZB_NOT_FOUND` for an unknown slot; `ZB_CONFLICT` for the last or the current slot.
 */
export async function removeKeySlot(opts: {
  backend: StorageBackend;
  id: string;
  currentSlotId: string;
  signal?: AbortSignal;
}): Promise<void> {
  const key = keySlotKey(opts.id);
  const slots = await listKeySlots(opts.backend, opts.signal);
  if (!slots.some((s) => s.id === opts.id))
    throw new ZimbraBackupError(`no key slot ${opts.id}`, { code: 'ZB_NOT_FOUND', data: { keyId: opts.id } });
  if (slots.length <= 1)
    throw new ZimbraBackupError(`refusing to remove key slot ${opts.id}: it is the last one`, {
      code: 'ZB_CONFLICT',
      data: { keyId: opts.id, reason: 'last-slot' },
    });
  if (opts.id === opts.currentSlotId)
    throw new ZimbraBackupError(
      `refusing to remove key slot ${opts.id}: it is the one this password opens (open with another slot's password to remove it)`,
      { code: 'ZB_CONFLICT', data: { keyId: opts.id, reason: 'current-slot' } },
    );
  await opts.backend.delete(key, io(opts.signal));
}

async function readSlots(backend: StorageBackend, signal?: AbortSignal): Promise<SlotBody[]> {
  const out: SlotBody[] = [];
  for await (const { key } of backend.list(KEYS_PREFIX, io(signal))) {
    const m = /^keys\/([0-9a-f]{16})\.json$/.exec(key);
    if (!m) continue;
    let text: string;
    try {
      const chunks: Buffer[] = [];
      for await (const c of await backend.get(key, io(signal))) chunks.push(c as Buffer);
      text = Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      if (isZimbraBackupError(err, 'ZB_BLOB_NOT_FOUND')) continue; // removed while we listed
      throw err;
    }
    out.push(parseSlot(text, m[1] as string, key));
  }
  return out.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
}

function parseSlot(text: string, id: string, key: string): SlotBody {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw corrupt(key, 'not JSON', cause);
  }
  const kdf = v['kdf'] as Record<string, unknown> | undefined;
  if (v['version'] !== 1 || v['id'] !== id || v['cipher'] !== 'aes-256-gcm' || kdf?.['name'] !== 'scrypt')
    throw corrupt(key, 'unknown version, id, cipher or kdf');
  const params = checkParams({ N: kdf['N'], r: kdf['r'], p: kdf['p'] } as ScryptParams, key);
  const salt = Buffer.from(String(kdf['salt']), 'base64');
  const sealedKey = Buffer.from(String(v['sealedKey']), 'base64');
  if (salt.length < 16 || sealedKey.length !== NONCE_SIZE + KEY_SIZE + TAG_SIZE)
    throw corrupt(key, 'salt or sealed key has the wrong length');
  const created = typeof v['created'] === 'string' ? v['created'] : '';
  const label = typeof v['label'] === 'string' ? v['label'] : '';
  return { version: 1, id, created, label, kdf: params, salt, sealedKey };
}

/** Bounds the parameters: a hostile slot must not make opening take minutes or gigabytes. */
function checkParams(k: ScryptParams, where: string): ScryptParams {
  const { N, r, p } = k;
  const ok =
    Number.isInteger(N) &&
    N >= 1024 &&
    N <= 2 ** 22 &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= 16;
  if (!ok)
    throw new ZimbraBackupError(
      `scrypt parameters of ${where} are out of range (N a power of two 2^10-2^22, r 1-32, p 1-16)`,
      {
        code: where === 'kdf' ? 'ZB_INVALID_ARGUMENT' : 'ZB_REPOSITORY_CORRUPT',
        data: { key: where },
      },
    );
  return { N, r, p };
}

/**
 * scrypt with bounded parameters (32-byte output): the KDF of key slots and of encrypted export
 * archives.
 * @throws `ZB_INVALID_ARGUMENT` for parameters out of range (`where` names them).
 */
export function deriveScryptKey(
  password: string | Secret,
  salt: Buffer,
  params: ScryptParams,
  where = 'kdf',
): Promise<Buffer> {
  return scrypt(passwordBytes(password), salt, checkParams(params, where));
}

function scrypt(password: Buffer, salt: Buffer, k: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, KEY_SIZE, { N: k.N, r: k.r, p: k.p, maxmem: 256 * k.N * k.r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function passwordBytes(password: string | Secret): Buffer {
  const text = toSecret(password).reveal();
  if (text.length === 0)
    throw new ZimbraBackupError('the repository password is empty', {
      code: 'ZB_INVALID_ARGUMENT',
      data: { field: 'password' },
    });
  return Buffer.from(text, 'utf8');
}

function slotAad(repositoryId: string, slotId: string): Buffer {
  return Buffer.from(`zimbra-backup/v1/key-slot/${repositoryId}/${slotId}`, 'ascii');
}

function io(signal: AbortSignal | undefined): IoOptions {
  return signal ? { signal } : {};
}

function corrupt(key: string, why: string, cause?: unknown): ZimbraBackupError {
  return new ZimbraBackupError(`key slot ${key} is malformed: ${why}`, {
    code: 'ZB_REPOSITORY_CORRUPT',
    cause,
    data: { key, reason: why },
  });
}
