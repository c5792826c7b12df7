// The explicit WaitSet's account list as the server keeps it: store/src/java/com/zimbra/cs/session/
// SomeAccountsWaitSet.java (addAccountErrors, updateAccountErrors, removeAccounts), WaitSetError.java,
// store/.../service/mail/WaitSetRequest.java (parseAddUpdateAccounts / parseRemoveAccounts fail the
// whole request with PERM_DENIED for an unknown id: WaitSetMgr.checkRightForAdditionalAccount).
import { describe, expect, it } from 'vitest';
import { WaitSetMembership } from '../../../src/sync/waitset-membership.js';

const ids = (n: number): Array<{ id: string }> => Array.from({ length: n }, (_, i) => ({ id: `a${i}` }));

describe('WaitSetMembership', () => {
  it('adds in slices (each add loads a mailbox on the server: preloadMailboxes) and is done when all are in', () => {
    const m = new WaitSetMembership(2);
    m.set(ids(5));
    const seen: string[] = [];
    for (let i = 0; i < 5 && m.pending; i++) {
      const b = m.next();
      expect(b.add.length).toBeLessThanOrEqual(2);
      seen.push(...b.add.map((a) => a.id!));
      m.applied(b, []);
    }
    expect(seen.sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(m.pending).toBe(false);
  });

  it('removes accounts no longer wanted and adds new ones with their tokens', () => {
    const m = new WaitSetMembership();
    m.set([{ id: 'x' }, { id: 'y' }]);
    m.applied(m.next(), []);
    m.set([{ id: 'y' }, { id: 'z', token: '42' }]);
    const b = m.next();
    expect(b.remove).toEqual([{ id: 'x' }]);
    expect(b.add).toEqual([{ id: 'z', token: '42' }]);
    m.applied(b, []);
    expect(m.has('x')).toBe(false);
    expect(m.has('z')).toBe(true);
  });

  it('sends <update token> once a token is known for an account added without one', () => {
    const m = new WaitSetMembership();
    m.set([{ id: 'x' }]);
    m.applied(m.next(), []);
    m.set([{ id: 'x', token: '7' }]);
    expect(m.next()).toEqual({ add: [], update: [{ id: 'x', token: '7' }], remove: [] });
    m.applied(m.next(), []);
    expect(m.pending).toBe(false);
  });

  it('refuses accounts the server will not watch, until the next set(); ALREADY_IN_SET counts as in', () => {
    const m = new WaitSetMembership();
    m.set([{ id: 'x' }, { id: 'y' }]);
    const refused = m.applied(m.next(), [
      { id: 'x', type: 'WRONG_HOST_FOR_ACCOUNT' },
      { id: 'y', type: 'ALREADY_IN_SET_DURING_ADD' },
    ]);
    expect(refused).toEqual([{ id: 'x', type: 'WRONG_HOST_FOR_ACCOUNT' }]);
    expect(m.has('y')).toBe(true);
    expect(m.pending).toBe(false);
    expect(m.refused.get('x')).toBe('WRONG_HOST_FOR_ACCOUNT');
    m.set([{ id: 'x' }, { id: 'y' }]);
    expect(m.next().add).toEqual([{ id: 'x' }]);
  });

  it('a MAILBOX_DELETED in any answer takes the account out of the set', () => {
    const m = new WaitSetMembership();
    m.set([{ id: 'x' }]);
    m.applied(m.next(), []);
    expect(m.applied({ add: [], update: [], remove: [] }, [{ id: 'x', type: 'MAILBOX_DELETED' }])).toEqual([
      { id: 'x', type: 'MAILBOX_DELETED' },
    ]);
    expect(m.has('x')).toBe(false);
  });

  it('after PERM_DENIED on a slice sends its accounts one by one; the culprit alone is refused', () => {
    const m = new WaitSetMembership();
    m.set([{ id: 'ok1' }, { id: 'gone' }, { id: 'ok2' }]);
    const first = m.next();
    expect(first.add).toHaveLength(3);
    expect(m.denied(first)).toEqual([]);
    const singles: string[] = [];
    for (let i = 0; i < 5 && m.pending; i++) {
      const b = m.next();
      expect(b.add.length + b.update.length + b.remove.length).toBe(1);
      const id = b.add[0]!.id!;
      singles.push(id);
      if (id === 'gone') expect(m.denied(b)).toEqual([{ id: 'gone', type: 'PERM_DENIED' }]);
      else m.applied(b, []);
    }
    expect(singles.sort()).toEqual(['gone', 'ok1', 'ok2']);
    expect(m.has('ok1') && m.has('ok2')).toBe(true);
    expect(m.pending).toBe(false);
  });

  it('a remove refused with PERM_DENIED (the account is gone from the directory) is forgotten', () => {
    const m = new WaitSetMembership();
    m.set([{ id: 'x' }]);
    m.applied(m.next(), []);
    m.set([]);
    const b = m.next();
    expect(b.remove).toEqual([{ id: 'x' }]);
    expect(m.denied(b)).toEqual([]);
    expect(m.pending).toBe(false);
  });

  it('reset() after a lost set adds everything again', () => {
    const m = new WaitSetMembership();
    m.set(ids(3));
    m.applied(m.next(), []);
    m.reset();
    expect(m.next().add).toHaveLength(3);
  });
});
