// Durations as common/src/java/com/zimbra/common/util/DateUtil.java getTimeInterval reads them
// (`NN[d|h|m|s|ms]`, seconds without a unit), and the tombstone purge of
// store/src/java/com/zimbra/cs/db/DbMailItem.java purgeTombstones (the cutoff rises to the newest
// dropped change; a token equal to it stays valid, Mailbox.java getSyncCutoff).
import { describe, expect, it } from 'vitest';
import { MailboxClock } from '../../../src/emulator/model/clock.js';
import { Mailbox } from '../../../src/emulator/model/mailbox.js';
import { durationMs, purgeMailbox } from '../../../src/emulator/model/purge.js';

describe('emulator purge', () => {
  it('reads durations like DateUtil.getTimeInterval', () => {
    expect(durationMs('30d')).toBe(30 * 86_400_000);
    expect(durationMs('12h')).toBe(12 * 3_600_000);
    expect(durationMs('5m')).toBe(300_000);
    expect(durationMs('90s')).toBe(90_000);
    expect(durationMs('250ms')).toBe(250);
    expect(durationMs('45')).toBe(45_000); // no unit: seconds
    expect(durationMs('0')).toBe(0);
    expect(durationMs('1w')).toBe(0); // not a duration: keep
    expect(durationMs(undefined)).toBe(0);
  });

  it('drops tombstones by age and raises the sync cutoff to the newest dropped change', () => {
    let now = 1_000_000_000_000;
    const mbox = new Mailbox('acct', 1, new MailboxClock(() => now));
    mbox.beginTrackingSync();
    const a = mbox.transaction((t) => t.create({ type: 'message', folderId: 2 }));
    const b = mbox.transaction((t) => t.create({ type: 'message', folderId: 2 }));
    mbox.transaction((t) => t.remove(a));
    const firstDelete = mbox.lastChangeId;
    now += 60 * 86_400_000;
    mbox.transaction((t) => t.remove(b));
    now += 40 * 86_400_000; // the first tombstone is 100 days old, the second 40
    const r = purgeMailbox(mbox, () => '0');
    expect(r).toEqual({ purged: [], tombstoneCutoff: firstDelete });
    expect(mbox.syncCutoff).toBe(firstDelete);
    expect(mbox.tombstones.map((t) => t.id)).toEqual([b.id]);
  });

  it('takes no change number when nothing is old enough (an idle purge does not move sync tokens)', () => {
    const mbox = new Mailbox('acct', 1, new MailboxClock(() => 2_000_000_000_000));
    mbox.transaction((t) => t.create({ type: 'message', folderId: 3 }));
    const before = mbox.lastChangeId;
    expect(purgeMailbox(mbox, () => undefined).purged).toEqual([]);
    expect(mbox.lastChangeId).toBe(before);
  });
});
