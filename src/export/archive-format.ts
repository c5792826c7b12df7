/**
 * The export archive format, version 1 (docs/archive-format.md): member names, the manifest and
 * its validation, and the fixed tar header fields that make archives byte-identical.
 * @module
 */
import { ZimbraBackupError } from '../errors.js';

/** `format` field of every export manifest. */
export const ARCHIVE_FORMAT_NAME = 'zimbra-backup-export';
/** The archive format version this library writes and reads. */
export const ARCHIVE_FORMAT_VERSION = 1;
/** Name of the first member. */
export const MANIFEST_MEMBER = 'manifest.json';
/** Name of the directory member (LDIF, uncompressed inside the archive). */
export const DIRECTORY_MEMBER = 'directory.ldif';
/** The manifest is read into memory: it may not be larger than this (bytes). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

const ZIMBRA_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STATE_RE = /^accounts\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/state\.jsonl$/;
const BLOB_RE = /^blobs\/([0-9a-f]{64})$/;

/** `accounts/<zimbraId>/state.jsonl`. */
export function stateMember(zimbraId: string): string {
  return `accounts/${zimbraId}/state.jsonl`;
}

/** `blobs/<sha256-hex>`. */
export function blobMember(digest: string): string {
  return `blobs/${digest}`;
}

/** What a member name denotes; anything else is an unknown (hence rejected) member. */
export type MemberName =
  | { kind: 'manifest' }
  | { kind: 'directory' }
  | { kind: 'state'; accountId: string }
  | { kind: 'blob'; digest: string }
  | { kind: 'unknown' };

/**
 * Classifies a member name by exact match against the v1 names. Because only these exact
 * spellings are accepted, `..`, absolute paths, `./` prefixes and backslashes are all unknown.
 */
export function classifyMember(name: string): MemberName {
  if (name === MANIFEST_MEMBER) return { kind: 'manifest' };
  if (name === DIRECTORY_MEMBER) return { kind: 'directory' };
  const s = STATE_RE.exec(name);
  if (s) return { kind: 'state', accountId: s[1]! };
  const b = BLOB_RE.exec(name);
  if (b) return { kind: 'blob', digest: b[1]! };
  return { kind: 'unknown' };
}

/** A non-blob member as listed in the manifest. */
export interface ManifestMember {
  /** Member name. */
  name: string;
  /** Bytes. */
  size: number;
  /** Lower-case hex SHA-256 of the member's bytes. */
  sha256: string;
}

/** Per-kind item counts of an exported account. */
export type ItemCounts = Record<string, number>;

/** One exported account. */
export interface ManifestAccount {
  /** zimbraId in the source. */
  id: string;
  /** Primary address in the source. */
  name: string;
  /** True when the source account was deleted at `at` (its last state is exported). */
  deleted?: boolean;
  /** Live items per kind at `at` (folders and tags included). */
  counts: ItemCounts;
  /** Distinct blobs this account references. */
  blobs: number;
  /** Bytes of those blobs. */
  bytes: number;
}

/** The manifest, `manifest.json`, the first member. */
export interface ArchiveManifest {
  /** Always {@link ARCHIVE_FORMAT_NAME}. */
  format: string;
  /** Format version ({@link ARCHIVE_FORMAT_VERSION}). */
  version: number;
  /** The point in time exported, ms since the epoch (also the mtime of every member). */
  atMs: number;
  /** The same instant as ISO 8601. */
  at: string;
  /** Where it came from. */
  source: { repositoryId?: string; server?: string };
  /** What was selected (null: everything). */
  selection: { accounts: string[] | null; domains: string[] | null };
  /** How the directory member was made: from a dump (`dumpKey`) or synthesized from the journals. */
  directory: { source: 'dump' | 'journal'; dumpKey?: string; entries: number };
  /** Exported accounts, sorted by id. */
  accounts: ManifestAccount[];
  /** Every member except the manifest and the blobs, in archive order, with digests. */
  members: ManifestMember[];
  /** Blob members: their names are their digests. */
  blobs: { count: number; bytes: number };
}

/** The error every archive problem raises. */
export function archiveInvalid(
  message: string,
  data: Record<string, unknown> = {},
  cause?: unknown,
): ZimbraBackupError {
  return new ZimbraBackupError(`invalid archive: ${message}`, {
    code: 'ZB_ARCHIVE_INVALID',
    data,
    ...(cause === undefined ? {} : { cause }),
  });
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Parses and checks a manifest. Unknown extra fields are ignored (forward-compatible additions
 * within v1); a newer version is refused because its members may mean something else.
 * @throws `ZB_ARCHIVE_INVALID` with `data.reason` (`newer-format`, `not-a-manifest`, `bad-field`).
 */
export function parseManifest(bytes: Buffer): ArchiveManifest {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw archiveInvalid('manifest.json is not JSON', { reason: 'not-a-manifest' }, cause);
  }
  if (!m || typeof m !== 'object' || m['format'] !== ARCHIVE_FORMAT_NAME)
    throw archiveInvalid('manifest.json does not describe a zimbra-backup export', { reason: 'not-a-manifest' });
  if (!isCount(m['version']) || m['version'] < 1)
    throw archiveInvalid('manifest version is missing', { reason: 'bad-field', field: 'version' });
  if (m['version'] > ARCHIVE_FORMAT_VERSION) {
    throw archiveInvalid(
      `archive format version ${m['version']} is newer than this library reads (${ARCHIVE_FORMAT_VERSION}); upgrade zimbra-backup`,
      { reason: 'newer-format', version: m['version'] },
    );
  }
  const bad = (field: string): ZimbraBackupError =>
    archiveInvalid(`manifest field ${field} is malformed`, { reason: 'bad-field', field });
  if (!isCount(m['atMs'])) throw bad('atMs');
  const members = m['members'];
  if (!Array.isArray(members)) throw bad('members');
  for (const x of members as ManifestMember[]) {
    if (
      !x ||
      typeof x.name !== 'string' ||
      !isCount(x.size) ||
      typeof x.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(x.sha256)
    )
      throw bad('members');
    const k = classifyMember(x.name).kind;
    if (k !== 'directory' && k !== 'state') throw bad('members');
  }
  if (new Set((members as ManifestMember[]).map((x) => x.name)).size !== members.length) throw bad('members');
  const accounts = m['accounts'];
  if (!Array.isArray(accounts)) throw bad('accounts');
  for (const a of accounts as ManifestAccount[]) {
    if (
      !a ||
      typeof a.id !== 'string' ||
      !ZIMBRA_ID_RE.test(a.id) ||
      typeof a.name !== 'string' ||
      a.name.length > 512 ||
      !a.counts ||
      typeof a.counts !== 'object'
    )
      throw bad('accounts');
  }
  if (new Set((accounts as ManifestAccount[]).map((a) => a.id)).size !== accounts.length) throw bad('accounts');
  const blobs = m['blobs'] as ArchiveManifest['blobs'] | undefined;
  if (!blobs || !isCount(blobs.count) || !isCount(blobs.bytes)) throw bad('blobs');
  const dir = m['directory'] as ArchiveManifest['directory'] | undefined;
  if (!dir || (dir.source !== 'dump' && dir.source !== 'journal')) throw bad('directory');
  return m as unknown as ArchiveManifest;
}

/** Fixed header fields: the same input gives the same bytes (no clock, owner or umask leaks in). */
export function memberHeader(
  name: string,
  size: number,
  atMs: number,
): {
  name: string;
  size: number;
  mtime: Date;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  type: 'file';
} {
  // tar keeps whole seconds; flooring here keeps the header equal to what a reader sees.
  return {
    name,
    size,
    mtime: new Date(Math.floor(atMs / 1000) * 1000),
    mode: 0o644,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    type: 'file',
  };
}

/** JSON with object keys sorted at every level, so equal values serialise to equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v)) {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    return v;
  });
}
