// The emulator's WaitSets against the server's own rules: store/src/java/com/zimbra/cs/session/
// (WaitSetMgr.java, WaitSetBase.java, AllAccountsWaitSet.java, SomeAccountsWaitSet.java,
// WaitSetSession.java), store/.../service/mail/WaitSetRequest.java and CreateWaitSet.java,
// store/.../redolog/RedoLogManager.java and CommitId.java.
import { describe, expect, it } from 'vitest';
import { Directory } from '../../../src/emulator/model/directory.js';
import { WaitSetManager } from '../../../src/emulator/model/waitsets.js';
import { addMessage } from '../../../src/emulator/model/item-ops.js';
import { createContact } from '../../../src/emulator/model/item-ops.js';
import { type SoapFault } from '../../../src/emulator/wire/soap-fault.js';

function setup() {
  // Each refers to the other through a closure called only after both exist.
  const dir: Directory = new Directory('mail.example.test', (e) => ws.onChange(e));
  const ws = new WaitSetManager(() => dir, { minSeconds: 0, defaultSeconds: 1, maxSeconds: 2 });
  dir.onMailboxDeleted = (id) => ws.mailboxDeleted(id);
  dir.createDomain('example.test');
  const a = dir.createAccount('a@example.test', 'x');
  const b = dir.createAccount('b@example.test', 'x');
  return { dir, ws, a, b };
}
const msg = Buffer.from('Subject: s\r\n\r\nb\r\n');
const noChanges = { add: [], update: [], remove: [] };

function faultOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as SoapFault).code;
  }
  return 'no fault';
}
async function asyncFaultOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as SoapFault).code;
  }
  return 'no fault';
}

describe('all-accounts WaitSets (AllAccountsWaitSet.java, WaitSetMgr.java)', () => {
  it('are named AllWaitSet-<uuid> and echo defTypes as interestToStr does', () => {
    const { ws } = setup();
    const c = ws.create('all', true, []);
    expect(c.id).toMatch(/^AllWaitSet-[0-9a-f-]{36}$/);
    expect(c.defTypes).toBe('f,m,c,a,t,d');
    expect(ws.create('m,c', false, []).id).toMatch(/^WaitSet-[0-9a-f-]{36}$/);
    // no defTypes: an empty interest (CreateWaitSet parses it against EnumSet.noneOf)
    expect(ws.create(undefined, true, []).defTypes).toBe('');
  });

  it('signal with the redo commit id as seq while the redo log is on', async () => {
    const { ws, a } = setup();
    const { id } = ws.create('all', true, []);
    const pending = ws.wait(id, { seq: '0', block: true, timeoutSeconds: 2, ...noChanges });
    addMessage(a.mailbox, msg);
    const r = await pending;
    expect(r.accounts).toEqual([{ id: a.id, changeId: a.mailbox.lastChangeId }]);
    // CommitId.encodeToString: redoSeq-txnTstamp-txnTime-txnCounter
    expect(r.seq).toMatch(/^\d+-\d+-\d+-\d+$/);
    expect(r.canceled).toBe(false);
  });

  it('stay silent while the redo log is off (Mailbox.java sets the commit callback on the redo recorder only)', async () => {
    const { ws, a } = setup();
    ws.redoLog.enabled = false;
    const { id } = ws.create('all', true, []);
    addMessage(a.mailbox, msg);
    const r = await ws.wait(id, { seq: '0', block: true, timeoutSeconds: 0.2, ...noChanges });
    expect(r).toEqual({ seq: '0', accounts: [], canceled: false, errors: [] });
    // an explicit set is a mailbox listener: it signals without the redo log
    const some = ws.create('all', false, [{ id: a.id }]);
    addMessage(a.mailbox, msg);
    expect((await ws.wait(some.id, { seq: '0', block: false, ...noChanges })).accounts.map((x) => x.id)).toEqual([
      a.id,
    ]);
  });

  it('are rebuilt silently from seq with the request defTypes instead of NO_SUCH_WAITSET', async () => {
    const { ws, a, b } = setup();
    const { id } = ws.create('all', true, []);
    const pending = ws.wait(id, { seq: '0', block: true, timeoutSeconds: 2, ...noChanges });
    addMessage(a.mailbox, msg);
    const first = await pending;
    ws.dropAll(); // a server restart: every WaitSet is gone
    addMessage(b.mailbox, msg); // committed while the set did not exist
    const r = await ws.wait(id, { seq: first.seq!, block: false, defTypes: 'all', ...noChanges });
    expect(r.accounts.map((x) => x.id)).toEqual([b.id]);
    expect(r.seq).not.toBe(first.seq);
    // and it lives on: later changes are signalled under the same id
    const next = ws.wait(id, { seq: r.seq!, block: true, timeoutSeconds: 2, defTypes: 'all', ...noChanges });
    addMessage(a.mailbox, msg);
    expect((await next).accounts.map((x) => x.id)).toEqual([a.id]);
  });

  it('rebuilt without defTypes hear nothing (parseInterestStr default: no types)', async () => {
    const { ws, a } = setup();
    const { id } = ws.create('all', true, []);
    const p = ws.wait(id, { seq: '0', block: true, timeoutSeconds: 2, ...noChanges });
    addMessage(a.mailbox, msg);
    const seq = (await p).seq!;
    ws.dropAll();
    const r = await ws.wait(id, { seq, block: false, ...noChanges });
    expect(r.accounts).toEqual([]);
    addMessage(a.mailbox, msg);
    expect((await ws.wait(id, { seq, block: true, timeoutSeconds: 0.2, ...noChanges })).accounts).toEqual([]);
  });

  it('fault on rebuild when seq is not a commit id (PARSE_ERROR) or is no longer in the log (INVALID_COMMIT_ID)', async () => {
    const { ws, a } = setup();
    const id = ws.create('all', true, []).id;
    addMessage(a.mailbox, msg);
    ws.dropAll();
    // the "0" of a set that never signalled cannot be decoded (CommitId.decodeFromString)
    expect(await asyncFaultOf(ws.wait(id, { seq: '0', block: false, defTypes: 'all', ...noChanges }))).toBe(
      'service.PARSE_ERROR',
    );
    expect(await asyncFaultOf(ws.wait(id, { seq: '1-1-1-999999', block: false, defTypes: 'all', ...noChanges }))).toBe(
      'mail.INVALID_COMMIT_ID',
    );
  });

  it('ignore add and remove (AllAccountsWaitSet.doWait, removeAccounts)', async () => {
    const { ws, a } = setup();
    const { id } = ws.create('all', true, []);
    const r = await ws.wait(id, { seq: '0', block: false, add: [{ id: a.id }], update: [], remove: [{ id: a.id }] });
    expect(r).toEqual({ seq: '0', accounts: [], canceled: false, errors: [] });
  });
});

describe('explicit-account WaitSets (SomeAccountsWaitSet.java, WaitSetSession.java)', () => {
  it('count seq from 1: create answers 0, the first send 2', async () => {
    const { ws, a } = setup();
    const { id } = ws.create('all', false, [{ id: a.id }]);
    addMessage(a.mailbox, msg);
    const r = await ws.wait(id, { seq: '0', block: false, ...noChanges });
    expect(r.seq).toBe('2');
    expect(r.accounts).toEqual([{ id: a.id, changeId: a.mailbox.lastChangeId }]);
  });

  it('times out with the request seq echoed and no accounts', async () => {
    const { ws, a } = setup();
    const { id } = ws.create('all', false, [{ id: a.id }]);
    const t0 = Date.now();
    const r = await ws.wait(id, { seq: '0', block: true, timeoutSeconds: 0.2, ...noChanges });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(r).toEqual({ seq: '0', accounts: [], canceled: false, errors: [] });
  });

  it('clamps the timeout to the configured bounds', async () => {
    const { ws, a } = setup();
    const { id } = ws.create('all', false, [{ id: a.id }]);
    const t0 = Date.now();
    await ws.wait(id, { seq: '0', block: true, timeoutSeconds: 0, ...noChanges });
    expect(Date.now() - t0).toBeLessThan(100);
  });

  it('cancel a blocked wait when a second one arrives: canceled, no seq (processCallback)', async () => {
    const { ws, a } = setup();
    const { id } = ws.create('all', false, [{ id: a.id }]);
    const first = ws.wait(id, { seq: '0', block: true, timeoutSeconds: 2, ...noChanges });
    const second = ws.wait(id, { seq: '0', block: false, ...noChanges });
    expect(await first).toEqual({ seq: undefined, accounts: [], canceled: true, errors: [] });
    expect((await second).canceled).toBe(false);
  });

  it('re-send unacknowledged signals until the client sends the seq it got (WaitSetBase.trySendData)', async () => {
    const { ws, a } = setup();
    const { id } = ws.create('all', false, [{ id: a.id }]);
    addMessage(a.mailbox, msg);
    const r1 = await ws.wait(id, { seq: '0', block: false, ...noChanges });
    expect(r1.accounts.map((x) => x.id)).toEqual([a.id]);
    const again = await ws.wait(id, { seq: '0', block: false, ...noChanges });
    expect(again.accounts.map((x) => x.id)).toEqual([a.id]);
    const acked = await ws.wait(id, { seq: again.seq!, block: false, ...noChanges });
    expect(acked.accounts).toEqual([]);
  });

  it('filter by interest types and by membership', async () => {
    const { ws, a, b } = setup();
    const { id } = ws.create('c', false, [{ id: a.id }]);
    addMessage(a.mailbox, msg);
    createContact(b.mailbox, { fields: { email: 'x@y' } });
    expect((await ws.wait(id, { seq: '0', block: false, ...noChanges })).accounts).toEqual([]);
    createContact(a.mailbox, { fields: { email: 'x@y' } });
    expect((await ws.wait(id, { seq: '0', block: false, ...noChanges })).accounts.map((x) => x.id)).toEqual([a.id]);
  });

  it('signal at once an account added past its token, not one added at it (SyncToken.after is >=)', async () => {
    const { ws, a, b } = setup();
    addMessage(a.mailbox, msg);
    const { id } = ws.create('all', false, [
      { id: a.id, token: '1' },
      { id: b.id, token: String(b.mailbox.lastChangeId) },
    ]);
    const r = await ws.wait(id, { seq: '0', block: false, ...noChanges });
    expect(r.accounts.map((x) => x.id)).toEqual([a.id]);
  });

  it('an <update> with a current token withdraws a pending signal (unsignalDataReady)', async () => {
    const { ws, a } = setup();
    const { id } = ws.create('all', false, [{ id: a.id }]);
    addMessage(a.mailbox, msg);
    const r = await ws.wait(id, {
      seq: '0',
      block: false,
      add: [],
      update: [{ id: a.id, token: String(a.mailbox.lastChangeId) }],
      remove: [],
    });
    expect(r.accounts).toEqual([]);
  });

  it('add, update and remove with their errors; remove runs first', async () => {
    const { ws, a, b } = setup();
    const { id } = ws.create('all', false, [{ id: a.id }]);
    const r = await ws.wait(id, {
      seq: '0',
      block: false,
      add: [{ id: a.id }, { id: b.id }],
      update: [{ id: b.id, token: '1' }],
      remove: [{ id: a.id }, { id: b.id }],
    });
    // a was removed, so its add succeeds; b was not in the set at remove time
    expect(r.errors).toEqual([{ id: b.id, type: 'NOT_IN_SET_DURING_REMOVE' }]);
    const again = await ws.wait(id, { seq: '0', block: false, add: [{ id: a.id }], update: [], remove: [] });
    expect(again.errors).toEqual([{ id: a.id, type: 'ALREADY_IN_SET_DURING_ADD' }]);
    const upd = await ws.wait(id, {
      seq: '0',
      block: false,
      add: [],
      update: [],
      remove: [{ id: b.id }, { id: a.id }],
    });
    expect(upd.errors).toEqual([]);
    const missing = await ws.wait(id, { seq: '0', block: false, add: [], update: [{ id: a.id }], remove: [] });
    expect(missing.errors).toEqual([{ id: a.id, type: 'NOT_IN_SET_DURING_UPDATE' }]);
  });

  it('an unknown id fails the request with PERM_DENIED; an unknown name is dropped silently (parseAddUpdateAccounts)', async () => {
    const { ws, a } = setup();
    expect(faultOf(() => ws.create('all', false, [{ id: '00000000-0000-0000-0000-00000000dead' }]))).toBe(
      'service.PERM_DENIED',
    );
    expect(ws.create('all', false, [{ name: 'nobody@example.test' }, { id: a.id }]).errors).toEqual([]);
  });

  it('a deleted mailbox is dropped and signalled as MAILBOX_DELETED', async () => {
    const { dir, ws, a } = setup();
    const { id } = ws.create('all', false, [{ id: a.id }]);
    const pending = ws.wait(id, { seq: '0', block: true, timeoutSeconds: 2, ...noChanges });
    dir.deleteAccount(a.id);
    const r = await pending;
    expect(r.errors).toEqual([{ id: a.id, type: 'MAILBOX_DELETED' }]);
    expect(r.seq).toBe('2');
  });

  it('an unknown explicit set is admin.NO_SUCH_WAITSET on wait, mail.NO_SUCH_WAITSET on destroy', async () => {
    const { ws } = setup();
    expect(await asyncFaultOf(ws.wait('WaitSet-nope', { seq: '0', block: false, ...noChanges }))).toBe(
      'admin.NO_SUCH_WAITSET',
    );
    expect(faultOf(() => ws.destroy('WaitSet-nope'))).toBe('mail.NO_SUCH_WAITSET');
  });
});
