/**
 * The one shape of a progress event: every long operation (backup, restore, undelete, export,
 * import, check, purge, migrate) reports `{ phase, loaded, total, unit }`, plus extras of its own
 * (bytes, an account). The CLI progress line, `--progress json` and the console's SSE progress
 * read these four fields alone.
 * @module
 */

/** A progress event: `loaded` of `total` `unit`s are done in `phase`. */
export interface ProgressEvent<Phase extends string = string, Unit extends string = string> {
  /** What the operation is doing now. */
  phase: Phase;
  /** Units done so far in this phase (events of parallel work may arrive out of order). */
  loaded: number;
  /** Units in this phase, when known. */
  total?: number;
  /** What `loaded` and `total` count. */
  unit: Unit;
}
