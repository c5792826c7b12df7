import { describe, expect, it } from 'vitest';
import { Directory } from '../../../src/emulator/model/directory.js';
import { WaitSetManager } from '../../../src/emulator/model/waitsets.js';
import { addMessage } from '../../../src/emulator/model/item-ops.js';
import { createContact } from '../../../src/emulator/model/item-ops.js';
import { SoapFault } from '../../../src/emulator/wire/soap-fault.js';

function setup() {
  // Each refers to the other through a closure called only after both exist.
  const dir: Directory = new Directory('mail.example.test', (e) => ws.onChange(e));
  const ws = new WaitSetManager(() => dir, { minSeconds: 0, defaultSeconds: 1, maxSeconds: 2 });
  dir.createDomain('example.test');
  const a = dir.createAccount('a@example.test', 'x');
  const b = dir.createAccount('b@example.test', 'x');
  return { dir, ws, a, b };
}
const msg = Buffer.from('Subject: s\r\n\r\nb\r\n');
const noChanges = { add: [], update: [], remove: [] };

describe('WaitSetManager', () => {
  it('signals a changed account with its change id and an opaque string seq', async () => {
    const { ws, a } = setup();
    const { id } = ws.create('all', true, []);
    const pending = ws.wait(id, { seq: '0', block: true, timeoutSeconds: 2, ...noChanges });
    addMessage(a.mailbox, msg);
    const r = await pending;
    expect(r.accounts).toEqual([{ id: a.id, changeId: a.mailbox.lastChangeId }]);
    expect(r.seq).toBe('1');
    expect(r.canceled).toBe(false);
  });

  it('times out with the request seq echoed and no accounts', async () => {
    const { ws } = setup();
    const { id } = ws.create('all', true, []);
    const t0 = Date.now();
    const r = await ws.wait(id, { seq: '0', block: true, timeoutSeconds: 0.2, ...noChanges });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(r).toEqual({ seq: '0', accounts: [], canceled: false, errors: [] });
  });

  it('clamps the timeout to the configured maximum', async () => {
    const { ws } = setup();
    const { id } = ws.create('all', true, []);
    const t0 = Date.now();
    await ws.wait(id, { seq: '0', block: true, timeoutSeconds: 0, ...noChanges });
    expect(Date.now() - t0).toBeLessThan(100);
  });

  it('cancels a blocked wait when a second one arrives', async () => {
    const { ws } = setup();
    const { id } = ws.create('all', true, []);
    const first = ws.wait(id, { seq: '0', block: true, timeoutSeconds: 2, ...noChanges });
    const second = ws.wait(id, { seq: '0', block: false, ...noChanges });
    expect((await first).canceled).toBe(true);
    expect((await second).canceled).toBe(false);
  });

  it('re-sends unacknowledged signals when the client repeats an older seq', async () => {
    const { ws, a } = setup();
    const { id } = ws.create('all', true, []);
    addMessage(a.mailbox, msg);
    const r1 = await ws.wait(id, { seq: '0', block: false, ...noChanges });
    expect(r1.accounts.map((x) => x.id)).toEqual([a.id]);
    const again = await ws.wait(id, { seq: '0', block: false, ...noChanges });
    expect(again.accounts.map((x) => x.id)).toEqual([a.id]);
    const acked = await ws.wait(id, { seq: again.seq, block: false, ...noChanges });
    expect(acked.accounts).toEqual([]);
  });

  it('filters by interest types and by account membership', async () => {
    const { ws, a, b } = setup();
    const { id } = ws.create('c', false, [{ id: a.id }]);
    addMessage(a.mailbox, msg);
    createContact(b.mailbox, { fields: { email: 'x@y' } });
    expect((await ws.wait(id, { seq: '0', block: false, ...noChanges })).accounts).toEqual([]);
    createContact(a.mailbox, { fields: { email: 'x@y' } });
    expect((await ws.wait(id, { seq: '0', block: false, ...noChanges })).accounts.map((x) => x.id)).toEqual([a.id]);
  });

  it('signals at once when an added account is past the given token', async () => {
    const { ws, a } = setup();
    addMessage(a.mailbox, msg);
    const { id } = ws.create('all', false, [{ id: a.id, token: '1' }, { name: 'nobody@example.test' }]);
    const r = await ws.wait(id, { seq: '0', block: false, ...noChanges });
    expect(r.accounts.map((x) => x.id)).toEqual([a.id]);
  });

  it('reports unknown accounts and unknown sets', () => {
    const { ws } = setup();
    expect(ws.create('all', false, [{ name: 'nobody@example.test' }]).errors).toEqual([
      { id: 'nobody@example.test', type: 'NO_SUCH_ACCOUNT' },
    ]);
    expect(() => ws.destroy('nope')).toThrow(SoapFault);
    try {
      ws.destroy('nope');
    } catch (err) {
      expect((err as SoapFault).code).toBe('admin.NO_SUCH_WAITSET');
    }
  });
});
