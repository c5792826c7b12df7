/**
 * Where a journal's objects live below its owner's folder. The one place that knows it: segment,
 * checkpoint and listing keys are all derived from {@link journalDir}, so a caller never spells
 * the `journal/` folder itself.
 * @module
 */

/** The folder a journal owns below the prefix it is opened with. */
export const JOURNAL_DIR = 'journal/';

/** `<prefix>journal/`: every object of the journal opened with `prefix` is below it. */
export function journalDir(prefix: string): string {
  return `${prefix}${JOURNAL_DIR}`;
}
