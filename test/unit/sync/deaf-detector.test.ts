// Deaf-WaitSet detection. Why a WaitSet goes deaf on a real server: an all-accounts set hears
// changes only through the redo log's commit callback (store/src/java/com/zimbra/cs/mailbox/Mailbox.java,
// store/src/java/com/zimbra/cs/session/AllAccountsWaitSet.java), and one rebuilt without defTypes has
// no interest at all (store/src/java/com/zimbra/cs/session/WaitSetMgr.java lookupOrCreateForAllAccts).
import { describe, expect, it } from 'vitest';
import { DeafDetector } from '../../../src/sync/deaf-detector.js';

function clock() {
  let t = 1000;
  return { now: () => t, tick: (ms = 10) => (t += ms) };
}

describe('DeafDetector', () => {
  it('one unsignalled change is not enough (its signal may be on the way); two probes in a row are', () => {
    const c = clock();
    const d = new DeafDetector({ now: c.now });
    c.tick();
    expect(d.probe('a', true)).toBe(false);
    c.tick();
    expect(d.probe('a', true)).toBe(true);
    expect(d.toPoll(() => ['a', 'b'])).toEqual(['a']);
    expect(d.state()).toMatchObject({ deafAccounts: 1, refusedAccounts: 0, serverDeaf: false });
  });

  it('a signal between probes clears the strikes; probes without changes prove nothing', () => {
    const c = clock();
    const d = new DeafDetector({ now: c.now });
    c.tick();
    d.probe('a', true);
    c.tick();
    d.signal('a');
    c.tick();
    expect(d.probe('a', true)).toBe(false); // the signal came after the last probe: it was heard
    c.tick();
    expect(d.probe('a', false)).toBe(false);
    c.tick();
    expect(d.probe('a', true)).toBe(false); // strike 1 again only
    expect(d.toPoll(() => [])).toEqual([]);
  });

  it('polling of an account ends when the WaitSet signals it again', () => {
    const c = clock();
    const d = new DeafDetector({ now: c.now });
    d.probe('a', true);
    c.tick();
    d.probe('a', true);
    expect(d.toPoll(() => [])).toEqual(['a']);
    c.tick();
    expect(d.signal('a')).toBe(true);
    expect(d.toPoll(() => [])).toEqual([]);
  });

  it('a WaitSet silent while several accounts change is deaf as a whole: every account is polled', () => {
    const c = clock();
    const d = new DeafDetector({ now: c.now });
    for (const id of ['a', 'b']) {
      d.probe(id, true);
      c.tick();
      d.probe(id, true);
      c.tick();
    }
    expect(d.serverDeaf).toBe(true);
    expect(d.toPoll(() => ['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
    c.tick();
    d.signal('c');
    expect(d.serverDeaf).toBe(false);
    expect(d.toPoll(() => ['a', 'b', 'c']).sort()).toEqual(['a', 'b']);
  });

  it('refused accounts are polled at once, and again tried after clearRefused()', () => {
    const d = new DeafDetector();
    d.refused('x');
    expect(d.toPoll(() => [])).toEqual(['x']);
    expect(d.state().refusedAccounts).toBe(1);
    d.clearRefused();
    expect(d.toPoll(() => [])).toEqual([]);
  });
});
