import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Corpus, type Emulator } from '../../src/emulator/index.js';

let emu: Emulator;
const raw = (n: number): Buffer =>
  Buffer.from(`From: list@example.test\r\nSubject: post ${n}\r\nMessage-ID: <p${n}@x>\r\n\r\nbody ${n}\r\n`);
const corpus: Corpus = {
  domain: 'seed.test',
  seed: 1,
  coses: [{ name: 'basic', attrs: { zimbraMailQuota: '0' } }],
  distributionLists: [{ name: 'all@seed.test', members: ['u1@seed.test', 'u2@seed.test'] }],
  accounts: [1, 2].map((i) => ({
    name: `u${i}@seed.test`,
    password: 'pw',
    displayName: `User ${i}`,
    cos: 'basic',
    folders: [{ path: '/Inbox/Lists', view: 'message' as const }],
    tags: [{ name: 'important', color: 2 }],
    messages: [0, 1, 2].map((n) => ({
      folderPath: n === 0 ? '/Inbox' : '/Inbox/Lists',
      flags: n === 1 ? 'u' : '',
      tags: n === 2 ? ['important'] : [],
      receivedMs: 1_700_000_000_000 + n,
      raw: async () => raw(n),
      sharedId: `p${n}`,
    })),
    contacts: [{ folderPath: '/Contacts', fields: { firstName: 'C', email: `c${i}@x.test` } }],
    calendar: [
      {
        kind: 'appointment' as const,
        folderPath: '/Calendar',
        uid: `u${i}`,
        ics: `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u${i}\r\nSUMMARY:s\r\nDTSTART:20240101T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`,
      },
    ],
    documents: [
      {
        folderPath: '/Briefcase',
        name: 'notes.txt',
        contentType: 'text/plain',
        content: async () => Buffer.from('notes'),
      },
    ],
  })),
};

beforeAll(async () => {
  emu = await startEmulator();
  await emu.seed(corpus);
});
afterAll(async () => emu.close());

describe('seed', () => {
  it('provisions the corpus and delivers identical bytes to every account', () => {
    expect(emu.accounts().map((a) => a.name)).toEqual(expect.arrayContaining(['u1@seed.test', 'u2@seed.test']));
    const s1 = emu.snapshot('u1@seed.test');
    const s2 = emu.snapshot('u2@seed.test');
    const msgs = (s: typeof s1) => s.items.filter((i) => i.type === 'message');
    expect(msgs(s1)).toHaveLength(3);
    expect(msgs(s1).map((m) => m.sha256)).toEqual(msgs(s2).map((m) => m.sha256));
    expect(s1.folders.find((f) => f.path === '/Inbox/Lists')).toBeDefined();
    expect(msgs(s1).find((m) => m.tags.includes('important'))?.dateMs).toBe(1_700_000_000_002);
    expect(s1.items.map((i) => i.type).sort()).toEqual([
      'appointment',
      'contact',
      'document',
      'message',
      'message',
      'message',
    ]);
    expect(s1.tags).toEqual([expect.objectContaining({ name: 'important', color: 2 })]);
  });
});
