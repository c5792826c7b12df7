/**
 * Backup export and external restore (import): one deterministic tar(.gz) stream per export,
 * and its import onto another server (or an import straight from a repository).
 *
 * ```text
 * export(repo, at):
 *   accounts = account index, filtered (names/ids, domains); per account stateAt(at) (read-only journal)
 *     -> spool accounts/<id>/state.jsonl (hashed), collect the distinct blob digests
 *   directory = newest dump <= at filtered to the selection, else synthesized from attribute records
 *   tar: manifest.json (digests of every metadata member) | directory.ldif | states | blobs/<hex> sorted,
 *        each blob streamed from the store and verified; fixed mtime (= at), uid/gid 0, mode 0644
 * import(archive):
 *   stage: validate every member (names, types, sizes, digests, order) into a staging repository
 *   importRepository(staging, at):
 *     provision COS -> domains -> accounts -> lists (admin SOAP; onExisting skip|fail; claims recorded)
 *     per account (p-limit): stateAt(at) -> planFromState -> RestoreWriter with a persistent id map
 * ```
 * Failure modes: a corrupt or missing blob stops an export (`ZB_DIGEST_MISMATCH`,
 * `ZB_BLOB_NOT_FOUND`, naming the blob and an item referencing it) and destroys the output; a
 * hostile or damaged archive is `ZB_ARCHIVE_INVALID` before anything reaches the target; an
 * interrupted import is resumed by rerunning it (id maps, claims and finished accounts are kept
 * under `restores/<importId>/` of the staging repository or the state backend).
 * @module
 */
export {
  exportArchive,
  type ExportArchiveOptions,
  type ExportArchiveResult,
  type ExportProgress,
} from './export-archive.js';
export { importArchive, type ImportArchiveOptions, type ImportArchiveResult } from './import-archive.js';
export {
  importRepository,
  type ImportAccountResult,
  type ImportOptions,
  type ImportProgress,
  type ImportRepositoryOptions,
  type ImportResult,
} from './import-repository.js';
export { stageArchive, readArchiveManifest, type StageArchiveOptions, type StagedArchive } from './archive-reader.js';
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
export { type ProvisionOutcome, type ProvisionKind } from './provision.js';
