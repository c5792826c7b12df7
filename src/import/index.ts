/**
 * External restore (import): an export archive, or a repository directly, onto another server.
 *
 * ```text
 * import(archive):
 *   stage: validate every member (names, types, sizes, digests, order) into a staging repository
 *   importRepository(staging, at):
 *     provision COS -> domains -> accounts -> lists (admin SOAP; onExisting skip|fail; claims recorded)
 *     per account (p-limit): stateAt(at) -> planFromState -> RestoreWriter with a persistent id map
 * ```
 * Failure modes: a hostile or damaged archive is `ZB_ARCHIVE_INVALID` before anything reaches the
 * target; an interrupted import is resumed by rerunning it (id maps, claims and finished accounts
 * are kept under `restores/<importId>/` of the staging repository or the state backend).
 * @module
 */
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
