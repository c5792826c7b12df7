import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { copyableAccountAttrs } from '../../../src/directory/account-attributes.js';
import { contactKey, contentTypeOf } from '../../../src/restore/content-keys.js';
import { findDirectoryDump, passwordHashOf } from '../../../src/directory/directory-source.js';
import { planFromState } from '../../../src/restore/restore-source.js';
import { restoredFolderName } from '../../../src/restore/undelete.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import type { ItemRecord, MailboxState } from '../../../src/journal/types.js';

const put = async (b: MemoryBackend, key: string, text: string): Promise<void> => {
  const bytes = Buffer.from(text);
  await b.put(key, { size: bytes.length, open: () => Readable.from([bytes]) });
};

describe('restore helpers', () => {
  it('drops server-owned account attributes, keeps the rest', () => {
    const out = copyableAccountAttrs({
      zimbraId: 'x',
      zimbraMailHost: 'h',
      uid: 'u',
      mail: 'm',
      userPassword: 'p',
      displayName: 'D',
      zimbraCOSId: 'c',
      zimbraPrefSkin: ['a', 'b'],
    });
    expect(out).toEqual({ displayName: 'D', zimbraCOSId: 'c', zimbraPrefSkin: ['a', 'b'] });
  });

  it('contact fingerprints ignore order and server fields', () => {
    expect(contactKey({ a: '1', b: ['x', 'y'], fileAs: '1' })).toBe(contactKey({ b: ['x', 'y'], a: '1' }));
    expect(contactKey({ a: '1' })).not.toBe(contactKey({ a: '2' }));
    expect(contentTypeOf('Report.PDF')).toBe('application/pdf');
    expect(contentTypeOf('noext')).toBe('application/octet-stream');
  });

  it('names the undelete folder without a colon (Zimbra refuses it)', () => {
    expect(restoredFolderName(Date.UTC(2026, 10, 26, 14, 3))).toBe('Restored 2026-11-26 14.03');
  });

  it('finds the newest dump at or before an instant and reads a password hash from it', async () => {
    const b = new MemoryBackend();
    const entry = (hash: string): string =>
      `dn: uid=a,ou=people,dc=x,dc=test\nobjectClass: zimbraAccount\nzimbraId: 6b0b2c8e-0000-4000-8000-000000000001\nuserPassword: ${hash}\n\n`;
    await put(b, 'directory/20261101T000000Z.ldif', entry('{SSHA}old'));
    await put(b, 'directory/20261120T000000Z.ldif', entry('{SSHA}new'));
    await put(b, 'directory/garbage.txt', 'x');
    expect(await findDirectoryDump(b)).toBe('directory/20261120T000000Z.ldif');
    expect(await findDirectoryDump(b, Date.UTC(2026, 10, 10))).toBe('directory/20261101T000000Z.ldif');
    expect(await findDirectoryDump(b, Date.UTC(2026, 0, 1))).toBeUndefined();
    expect(await passwordHashOf(b, '6B0B2C8E-0000-4000-8000-000000000001', Date.UTC(2026, 10, 10))).toBe('{SSHA}old');
    expect(await passwordHashOf(b, '6b0b2c8e-0000-4000-8000-000000000002')).toBeUndefined();
  });

  it('plans folders, tags and items from a state; system folders outside the user tree are left out', () => {
    const rec = (r: Partial<ItemRecord> & { id: string; kind: ItemRecord['kind'] }): ItemRecord => ({
      type: 'item',
      captureMs: 1,
      ...r,
    });
    const folders = new Map([
      ['1', { record: rec({ id: '1', kind: 'folder', name: 'USER_ROOT' }), path: '/' }],
      ['11', { record: rec({ id: '11', kind: 'folder', name: 'ROOT', folderId: '11' }), path: '/ROOT' }],
      ['8', { record: rec({ id: '8', kind: 'folder', name: 'Tags', folderId: '11' }), path: '/ROOT/Tags' }],
      [
        '2',
        {
          record: rec({ id: '2', kind: 'folder', name: 'Inbox', folderId: '1', meta: { view: 'message' } }),
          path: '/Inbox',
        },
      ],
      [
        '300',
        {
          record: rec({ id: '300', kind: 'folder', name: 'Sub', folderId: '2', meta: { color: 3 } }),
          path: '/Inbox/Sub',
        },
      ],
      ['301', { record: rec({ id: '301', kind: 'search', name: 'Q', folderId: '1' }), path: '/Q' }],
    ]);
    const items = new Map<string, ItemRecord>([
      ['400', rec({ id: '400', kind: 'message', folderId: '300', digest: 'a'.repeat(64), tags: ['t1'] })],
      ['401', rec({ id: '401', kind: 'message', folderId: '999' })],
      ['500', rec({ id: '500', kind: 'tag', name: 't1', meta: { color: 2 } })],
    ]);
    const state = {
      seq: 1,
      captureMs: 1,
      cursor: undefined,
      items,
      folders,
      tags: new Map([['500', items.get('500')!]]),
      account: undefined,
      accountDeleted: false,
    } as MailboxState;
    const plan = planFromState(state);
    expect(plan.folders.map((f) => f.path).sort()).toEqual(['/Inbox', '/Inbox/Sub']);
    expect(plan.folders.find((f) => f.path === '/Inbox/Sub')).toMatchObject({ sourceId: '300', color: 3 });
    expect(plan.tags).toEqual([{ name: 't1', color: 2 }]);
    expect(plan.items.map((i) => [i.record.id, i.path])).toEqual([['400', '/Inbox/Sub']]);
    expect(plan.unsupported.map((u) => u.id).sort()).toEqual(['301', '401']);
  });
});

describe('messageIdOf', () => {
  it('reads a folded Message-ID from the blob head, and undefined when absent', async () => {
    const { initRepository } = await import('../../../src/repository/repository.js');
    const { messageIdOf } = await import('../../../src/restore/item-writers.js');
    const repo = await initRepository({ backend: new MemoryBackend() });
    const store = async (text: string): Promise<string> => {
      const bytes = Buffer.from(text);
      return (await repo.blobs.put({ size: bytes.length, open: () => Readable.from([bytes]) })).digest;
    };
    const withId = await store(
      'Subject: x\r\nMessage-ID:\r\n <abc.123@example.test>\r\n\r\nbody Message-ID: <not@this>\r\n',
    );
    const without = await store('Subject: y\r\n\r\nMessage-ID: <in-body@x>\r\n');
    expect(await messageIdOf({ blobs: repo.blobs }, withId)).toBe('<abc.123@example.test>');
    expect(await messageIdOf({ blobs: repo.blobs }, without)).toBeUndefined();
  });
});

describe('splitCalendar', () => {
  const tz = [
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Paris',
    'BEGIN:STANDARD',
    'DTSTART:16010101T030000',
    'END:STANDARD',
    'END:VTIMEZONE',
  ];
  const master = [
    'BEGIN:VEVENT',
    'UID:u1',
    'DTSTART;TZID=Europe/Paris:20261201T100000',
    'RRULE:FREQ=DAILY;COUNT=5',
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    'END:VALARM',
    'END:VEVENT',
  ];
  const over = [
    'BEGIN:VEVENT',
    'UID:u1',
    'RECURRENCE-ID;TZID=Europe/Paris:20261203T100000',
    'DTSTART;TZID=Europe/Paris:20261203T110000',
    'END:VEVENT',
  ];
  const cal = (...blocks: string[][]): string =>
    ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', ...blocks.flat(), 'END:VCALENDAR', ''].join('\r\n');

  it('leaves a calendar without overrides unchanged', async () => {
    const { splitCalendar } = await import('../../../src/restore/calendar-split.js');
    const text = cal(tz, master);
    expect(splitCalendar(text)).toEqual({ default: text, exceptions: [] });
  });

  it('sends each override as its own calendar with the time zones, series first', async () => {
    const { splitCalendar } = await import('../../../src/restore/calendar-split.js');
    const text = cal(tz, master, over);
    const parts = splitCalendar(text);
    expect(parts.default).toBe(text);
    expect(parts.exceptions).toEqual([cal(tz, over)]);
    const reordered = splitCalendar(cal(tz, over, master));
    expect(reordered.default).toBe(cal(tz, master, over));
    expect(reordered.exceptions).toHaveLength(1);
  });
});
