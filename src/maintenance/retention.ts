/**
 * The retention rule as a `Journal.compact({ keep })` hook.
 *
 * With cutoff C = now - retention, the repository must still answer `stateAt(t)` for every
 * t >= C exactly as before. The state at C is the baseline; replaying the kept records must
 * rebuild it, then every later record applies unchanged. So:
 *   record captured after C                      -> keep
 *   item version captured at or before C         -> keep only if it is the item's version in stateAt(C)
 *   delete captured at or before C               -> drop (its item is absent at C, and every version
 *                                                   of it at or before C is dropped with it)
 *   account snapshot at or before C              -> keep only the one current at C
 *   account-deleted at or before C               -> keep when the account is deleted at C
 *   resync marker at or before C                 -> drop (informational)
 * Items that went with a deleted folder (no delete record of their own) are absent at C too,
 * so their versions go as well. The latest version of a live item is always kept: it is either
 * its version at C or captured after C (and `compact` never asks about it anyway).
 * @module
 */
import type { JournalRecord, MailboxState } from '../journal/types.js';
import { canonicalJson } from '../internal/canonical-json.js';

/** What the hook decided, for counting. */
export type RetentionVerdict = 'keep' | 'drop-version' | 'drop-delete' | 'drop-other';

/**
 * Builds the retention decision for one journal.
 * @param atCutoff `journal.stateAt(cutoffMs)`.
 * @param cutoffMs Records captured at or before this instant (ms) are candidates.
 */
export function retentionRule(atCutoff: MailboxState, cutoffMs: number): (r: JournalRecord) => RetentionVerdict {
  const live = new Map<string, string>();
  for (const [id, rec] of atCutoff.items) live.set(id, canonicalJson(rec));
  const account = atCutoff.account ? canonicalJson(atCutoff.account) : undefined;
  return (r) => {
    if (r.captureMs > cutoffMs) return 'keep';
    switch (r.type) {
      case 'item': {
        const v = live.get(r.id);
        return v !== undefined && v === canonicalJson(r) ? 'keep' : 'drop-version';
      }
      case 'delete':
        return 'drop-delete';
      case 'account':
        return account !== undefined && account === canonicalJson(r) ? 'keep' : 'drop-other';
      case 'account-deleted':
        return atCutoff.accountDeleted ? 'keep' : 'drop-other';
      default:
        return 'drop-other';
    }
  };
}
