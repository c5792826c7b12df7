import { describe, expect, it } from 'vitest';
import { Mailbox } from '../../../src/emulator/model/mailbox.js';
import { runSync, type DeltaSync, type InitialSync } from '../../../src/emulator/model/sync.js';
import { formatSyncToken, parseSyncToken } from '../../../src/emulator/model/sync-token.js';
import { addMessage, deleteItems, moveItems, setFlags } from '../../../src/emulator/model/item-ops.js';
import { createFolderPath } from '../../../src/emulator/model/folder-ops.js';
import { SoapFault } from '../../../src/emulator/wire/soap-fault.js';

const raw = (n: number): Buffer => Buffer.from(`Subject: m${n}\r\nMessage-ID: <m${n}@t>\r\n\r\nbody ${n}\r\n`);

function delta(mbox: Mailbox, token: string | number, extra: Record<string, number> = {}): DeltaSync {
  const r = runSync(mbox, { token: String(token), ...extra });
  expect(r.kind).toBe('delta');
  return r as DeltaSync;
}

function faultCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SoapFault) return err.code;
    throw err;
  }
  throw new Error('expected a fault');
}

describe('sync tokens', () => {
  it('round-trips every form of the grammar', () => {
    for (const t of ['540', '1299-5530', '1299-5530:d1400', '540:d524-900', '12:d3'])
      expect(formatSyncToken(parseSyncToken(t))).toBe(t);
  });
  it('rejects malformed tokens with service.INVALID_REQUEST', () => {
    for (const t of ['abc', '12-', '1:x5', '']) {
      if (t === '') continue;
      expect(faultCode(() => parseSyncToken(t))).toBe('service.INVALID_REQUEST');
    }
  });
});

describe('initial sync', () => {
  it('returns the mailbox change id as a number and per-folder id lists', () => {
    const mbox = new Mailbox('a', 1);
    const a = addMessage(mbox, raw(1));
    const f = createFolderPath(mbox, '/Inbox/sub');
    const b = addMessage(mbox, raw(2), { folder: f.id });
    const r = runSync(mbox, {}) as InitialSync;
    expect(r.kind).toBe('initial');
    expect(r.token).toBe(mbox.lastChangeId);
    expect(typeof r.token).toBe('number');
    expect(r.idsOf(2).get('message')).toEqual([a.id]);
    expect(r.idsOf(f.id).get('message')).toEqual([b.id]);
    expect(r.children.get(2)?.map((x) => x.id)).toEqual([f.id]);
    expect(mbox.trackingSync).toBe(true);
  });
});

describe('delta sync', () => {
  it('is empty at the current token and reports the token as a string', () => {
    const mbox = new Mailbox('a', 1);
    const t = (runSync(mbox, {}) as InitialSync).token;
    const d = delta(mbox, t);
    expect(d.token).toBe(String(t));
    expect(d.items).toEqual([]);
    expect(d.deletes).toEqual([]);
  });

  it('separates created items (rev > token) from metadata-only changes', () => {
    const mbox = new Mailbox('a', 1);
    const old = addMessage(mbox, raw(1));
    const t = (runSync(mbox, {}) as InitialSync).token;
    setFlags(mbox, [old.id], 'f');
    const fresh = addMessage(mbox, raw(2));
    const d = delta(mbox, t);
    expect(d.items.map((x) => [x.item.id, x.created])).toEqual([
      [old.id, false],
      [fresh.id, true],
    ]);
    expect(old.modifiedSequence).toBeGreaterThan(old.savedSequence);
  });

  it('records tombstones only after the first sync', () => {
    const mbox = new Mailbox('a', 1);
    const before = addMessage(mbox, raw(1));
    deleteItems(mbox, [before.id]);
    expect(mbox.tombstones).toHaveLength(0);
    const t = (runSync(mbox, {}) as InitialSync).token;
    const m = addMessage(mbox, raw(2));
    deleteItems(mbox, [m.id]);
    const d = delta(mbox, t);
    expect(d.deletes.map((x) => [x.id, x.type])).toEqual([[m.id, 'message']]);
    expect(d.items).toEqual([]);
  });

  it('pages changes with changeLimit and compound tokens, never losing or repeating an item', () => {
    const mbox = new Mailbox('a', 1);
    const t0 = (runSync(mbox, {}) as InitialSync).token;
    // one transaction touching many items: paging must split inside a single change id
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) ids.push(addMessage(mbox, raw(i)).id);
    moveItems(mbox, ids.slice(0, 5), 3);
    const seen: number[] = [];
    let token = String(t0);
    let pages = 0;
    for (;;) {
      const d = delta(mbox, token, { changeLimit: 2 });
      seen.push(...d.items.map((x) => x.item.id));
      token = d.token;
      pages++;
      if (!d.more) break;
      expect(token).toMatch(/^\d+-\d+:d\d+$/);
    }
    expect(pages).toBe(4);
    expect(seen.sort((a, b) => a - b)).toEqual(ids);
    expect(token).toBe(String(mbox.lastChangeId));
  });

  it('pages deletes with deleteLimit and resumes from the delete cursor', () => {
    const mbox = new Mailbox('a', 1);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(addMessage(mbox, raw(i)).id);
    const t0 = (runSync(mbox, {}) as InitialSync).token;
    deleteItems(mbox, ids);
    const got: number[] = [];
    let token = String(t0);
    for (let i = 0; i < 10; i++) {
      const d = delta(mbox, token, { deleteLimit: 2 });
      got.push(...d.deletes.map((x) => x.id));
      token = d.token;
      if (!d.more) break;
      expect(token).toMatch(/:d\d+-\d+$/);
    }
    expect(got).toEqual(ids);
  });

  it('gives mail.MUST_RESYNC for tokens below the purge cutoff', () => {
    const mbox = new Mailbox('a', 1);
    const m = addMessage(mbox, raw(1));
    const t = (runSync(mbox, {}) as InitialSync).token;
    deleteItems(mbox, [m.id]);
    mbox.expireTombstones();
    expect(faultCode(() => runSync(mbox, { token: String(t) }))).toBe('mail.MUST_RESYNC');
    expect(delta(mbox, mbox.lastChangeId).deletes).toEqual([]);
  });

  it('reports items that leave a synced subtree as deletes', () => {
    const mbox = new Mailbox('a', 1);
    const sub = createFolderPath(mbox, '/Inbox/sub');
    const m = addMessage(mbox, raw(1), { folder: sub.id });
    const t = (runSync(mbox, { rootId: sub.id }) as InitialSync).token;
    moveItems(mbox, [m.id], 2);
    const d = delta(mbox, t, { rootId: sub.id });
    expect(d.deletes.map((x) => x.id)).toEqual([m.id]);
    expect(d.items).toEqual([]);
  });

  it('costs the size of the change, not of the mailbox', () => {
    const mbox = new Mailbox('a', 1);
    for (let i = 0; i < 5000; i++) addMessage(mbox, raw(i));
    const t = (runSync(mbox, {}) as InitialSync).token;
    const m = addMessage(mbox, raw(99999));
    const start = performance.now();
    for (let i = 0; i < 200; i++) expect(delta(mbox, t).items.map((x) => x.item.id)).toEqual([m.id]);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
