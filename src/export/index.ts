/**
 * Backup export: one deterministic tar(.gz) stream per export, the format the import module
 * (`src/import/`) reads back.
 *
 * ```text
 * export(repo, at):
 *   accounts = account index, filtered (names/ids, domains); per account stateAt(at) (read-only journal)
 *     -> spool accounts/<id>/state.jsonl (hashed), collect the distinct blob digests
 *   directory = newest dump <= at filtered to the selection, else synthesized from attribute records
 *   tar: manifest.json (digests of every metadata member) | directory.ldif | states | blobs/<hex> sorted,
 *        each blob streamed from the store and verified; fixed mtime (= at), uid/gid 0, mode 0644
 * ```
 * Failure modes: a corrupt or missing blob stops an export (`ZB_DIGEST_MISMATCH`,
 * `ZB_BLOB_NOT_FOUND`, naming the blob and an item referencing it) and destroys the output.
 * @module
 */
export {
  exportArchive,
  type ExportArchiveOptions,
  type ExportArchiveResult,
  type ExportProgress,
} from './export-archive.js';
export {
  ARCHIVE_FORMAT_NAME,
  ARCHIVE_FORMAT_VERSION,
  MANIFEST_MEMBER,
  DIRECTORY_MEMBER,
  classifyMember,
  parseManifest,
  type ArchiveManifest,
  type ManifestAccount,
  type ManifestMember,
  type MemberName,
  type ItemCounts,
} from './archive-format.js';
export { type RepositoryReader } from './repository-reader.js';
export {
  ENCRYPTED_ARCHIVE_MAGIC,
  decryptArchiveStream,
  encryptArchiveStream,
  type ArchiveEncryptionOptions,
} from './archive-crypto.js';

// The pieces import/ builds on (reading a repository and an archive the way export writes them):
// import/ uses only this file, never export/'s other files.
export { selectAccounts } from './export-archive.js';
export { exportDirectorySource, type DirectoryAccount, type DirectorySource } from './export-directory.js';
export { openAccountState } from './repository-reader.js';
export { parseStateLine, type StateRecord } from './state-lines.js';
export { MAX_MANIFEST_BYTES, archiveInvalid } from './archive-format.js';
