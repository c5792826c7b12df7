/**
 * A mailbox server's redo log, as far as WaitSets see it (store/.../redolog/RedoLogManager.java,
 * CommitId.java, TransactionId.java): every committed mailbox change gets a commit id, and the
 * all-accounts WaitSets hear about a change only through the redo log's commit callback
 * (Mailbox.java sets AllAccountsRedoCommitCallback on the redo recorder; RedoLogManager.commit
 * does nothing while logging is disabled, so no callback runs). A lost all-accounts WaitSet is
 * rebuilt by scanning the log for mailboxes changed since a commit id
 * (`getChangedMailboxesSince`).
 *
 * A commit id reads `<redo seq>-<txn timestamp ms>-<txn time s>-<txn counter>`. The emulator
 * keeps the last {@link REDO_RETAINED_COMMITS} commits in memory (a real server keeps what its
 * redo log and archive hold); an older id is `mail.INVALID_COMMIT_ID`, as on a server whose
 * logs rolled past it.
 */
import { faults, SoapFault } from '../wire/soap-fault.js';

/** Commits kept for WaitSet rebuilds. */
export const REDO_RETAINED_COMMITS = 100_000;

interface Commit {
  cid: string;
  accountId: string;
}

/** The commit-id side of one server's redo log. */
export class RedoLog {
  /** False: nothing is logged and no commit callback runs (`zimbraRedoLogEnabled` FALSE). */
  enabled: boolean;
  /** The current log file's sequence (the emulator never rolls over). */
  private readonly fileSeq = 1;
  private counter = 0;
  private commits: Commit[] = [];
  private everLogged = false;

  constructor(enabled = true) {
    this.enabled = enabled;
  }

  /** Logs a committed change; returns its commit id, or undefined while logging is disabled. */
  commit(accountId: string): string | undefined {
    if (!this.enabled) return undefined;
    const now = Date.now();
    const cid = `${this.fileSeq}-${now}-${Math.floor(now / 1000)}-${++this.counter}`;
    this.commits.push({ cid, accountId });
    if (this.commits.length > REDO_RETAINED_COMMITS) this.commits = this.commits.slice(-REDO_RETAINED_COMMITS / 2);
    this.everLogged = true;
    return cid;
  }

  /**
   * Accounts with commits after `cid`, and the last commit id seen (RedoLogManager
   * `getChangedMailboxesSince`). Faults as the server does: `service.PARSE_ERROR` for a string
   * that is not a commit id (CommitId.decodeFromString: the `seq="0"` of a new all-accounts set
   * is one), `mail.INVALID_COMMIT_ID` when the logs no longer hold it, `service.FAILURE` when
   * there is no log to read (logging never enabled).
   */
  changedSince(cid: string): { accounts: Set<string>; last: string } {
    if (!isCommitId(cid)) throw faults.parseError(`Invalid CommitId ${cid}`);
    if (!this.everLogged) throw faults.failure('Caught IOException when syncing waitset to specified commit ID');
    const at = this.commits.findIndex((c) => c.cid === cid);
    if (at < 0) throw new SoapFault('mail.INVALID_COMMIT_ID', `CommitId ${cid} not found in redo logs`, true);
    const accounts = new Set(this.commits.slice(at + 1).map((c) => c.accountId));
    return { accounts, last: this.commits[this.commits.length - 1]!.cid };
  }
}

/** `<long>-<long>-<int>-<int>`, what CommitId.decodeFromString accepts. */
function isCommitId(s: string): boolean {
  return /^\d+-\d+-\d+-\d+$/.test(s);
}
