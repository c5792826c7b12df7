/**
 * SearchRequest as clients use it, over real HTTP: the query language, conversations as the
 * default hit type, paging and the 1000 cap, sort orders. Pinned to store/src/java/com/zimbra/cs/
 * service/mail/Search.java, service/mail/SearchResponse.java and index/SearchParams.java.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { rawJson, rawLogin, type RawAnswer } from './raw-soap.js';

let emu: Emulator;
let token: string;
const USER = 'searcher@example.test';
const ids: Record<string, number> = {};

const msg = (h: Record<string, string>, body: string): string =>
  `${Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n${body}\r\n`;

async function search(req: Record<string, unknown>, who = token): Promise<RawAnswer> {
  return rawJson(`${emu.url}/service/soap`, 'SearchRequest', 'urn:zimbraMail', req, who);
}
const mids = (r: RawAnswer): number[] => ((r.el['m'] ?? []) as Array<{ id: string }>).map((m) => Number(m.id)).sort();
const q = async (query: string): Promise<number[]> => mids(await search({ query, types: 'message', limit: 100 }));

beforeAll(async () => {
  emu = await startEmulator();
  emu.createAccount(USER, 'pw');
  const day = (d: string): number => Date.parse(`${d}T12:00:00Z`);
  ids['report'] = emu.deliver(
    USER,
    msg(
      {
        From: '"Ann Smith" <ann.smith@corp.test>',
        To: 'bob@corp.test',
        Subject: 'Quarterly report',
        'Message-ID': '<r1@corp.test>',
      },
      'The numbers are attached below.',
    ),
    { flags: 'u', receivedMs: day('2024-01-10') },
  );
  ids['reply'] = emu.deliver(
    USER,
    msg(
      {
        From: 'bob@corp.test',
        To: 'ann.smith@corp.test',
        Cc: 'dana@corp.test',
        Subject: 'Re: Quarterly report',
        'In-Reply-To': '<r1@corp.test>',
      },
      'Thanks, looks good.',
    ),
    { receivedMs: day('2024-01-11') },
  );
  ids['lunch'] = emu.deliver(USER, msg({ From: 'carl@other.test', To: USER, Subject: 'Lunch' }, 'Pizza on friday?'), {
    flags: 'f',
    tags: ['food'],
    receivedMs: day('2024-02-10'),
  });
  ids['trash'] = emu.deliver(USER, msg({ From: 'ann.smith@corp.test', Subject: 'Quarterly trash' }, 'old'), {
    folderId: 3,
    receivedMs: day('2024-01-05'),
  });
  ids['sub'] = emu.deliver(
    USER,
    msg(
      { From: 'eve@corp.test', Subject: 'Invoice', 'Content-Type': 'multipart/mixed; boundary="b"' },
      '--b\r\nContent-Type: text/plain\r\n\r\nplease pay\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="i.pdf"\r\n\r\nPDF\r\n--b--',
    ),
    { folderPath: '/Inbox/billing', receivedMs: day('2024-03-01') },
  );
  token = await rawLogin(`${emu.url}/service/soap`, false, USER, 'pw');
});
afterAll(async () => emu.close());

describe('search language', () => {
  it('filters by from:, subject:, is:unread instead of returning everything', async () => {
    expect(await q('from:nobody')).toEqual([]);
    expect(await q('subject:zzz')).toEqual([]);
    expect(await q('is:unread')).toEqual([ids['report']]);
    expect(await q('from:ann.smith@corp.test')).toEqual([ids['report']]);
    expect(await q('from:ann')).toEqual([ids['report']]);
    expect(await q('from:@corp.test in:inbox')).toEqual([ids['report'], ids['reply']].sort());
    expect(await q('to:ann.smith')).toEqual([ids['reply']]);
    expect(await q('cc:dana')).toEqual([ids['reply']]);
    expect(await q('subject:quarterly')).toEqual([ids['report'], ids['reply']].sort());
    expect(await q('is:flagged')).toEqual([ids['lunch']]);
  });

  it('matches plain words and phrases over subject and body, with prefix*', async () => {
    expect(await q('pizza')).toEqual([ids['lunch']]);
    expect(await q('"numbers are attached"')).toEqual([ids['report']]);
    expect(await q('"attached numbers"')).toEqual([]);
    expect(await q('quart*')).toEqual([ids['report'], ids['reply']].sort());
  });

  it('combines with AND/OR/NOT and parentheses', async () => {
    expect(await q('(from:ann OR from:carl) -is:flagged')).toEqual([ids['report']]);
    expect(await q('from:ann OR from:carl')).toEqual([ids['report'], ids['lunch']].sort());
    expect(await q('subject:quarterly AND NOT from:bob')).toEqual([ids['report']]);
    expect(await q('from:(ann or carl) pizza')).toEqual([ids['lunch']]);
  });

  it('leaves Trash out unless a folder is named; in: vs under:', async () => {
    expect(await q('quarterly')).not.toContain(ids['trash']);
    expect(await q('in:trash')).toEqual([ids['trash']]);
    expect(await q('in:inbox invoice')).toEqual([]);
    expect(await q('under:inbox invoice')).toEqual([ids['sub']]);
    expect(await q('in:"/Inbox/billing"')).toEqual([ids['sub']]);
  });

  it('supports tag:, item:, has:attachment, before:/after:/date:', async () => {
    expect(await q('tag:food')).toEqual([ids['lunch']]);
    expect(await q('msgid:<r1@corp.test>')).toEqual([ids['report']]);
    expect(await q('msgid:"r1@corp.test"')).toEqual([ids['report']]);
    expect(await q(`item:{${ids['lunch']},${ids['reply']}}`)).toEqual([ids['reply'], ids['lunch']].sort());
    expect(await q('has:attachment')).toEqual([ids['sub']]);
    expect(await q('before:1/11/2024')).toEqual([ids['report']]);
    expect(await q('after:2/10/2024')).toEqual([ids['sub']]);
    expect(await q('date:1/11/2024')).toEqual([ids['reply']]);
  });

  it('refuses bad queries with mail.QUERY_PARSE_ERROR and its arguments', async () => {
    const r = await search({ query: 'from:(ann', types: 'message' });
    expect(r.status).toBe(500);
    expect(r.code).toBe('mail.QUERY_PARSE_ERROR');
    expect(r.el['Reason']['Text']).toBe("Couldn't parse query: from:(ann");
  });
});

describe('conversations, paging and sorting', () => {
  it('answers <c> conversations by default (in:inbox), a reply thread as one real conversation', async () => {
    const r = await search({});
    expect(r.el['m']).toBeUndefined();
    const convs = r.el['c'] as Array<Record<string, any>>;
    expect(convs.map((c) => Number(c['id']) < 0)).toEqual([true, false]);
    const thread = convs.find((c) => Number(c['id']) > 0)!;
    expect(thread).toMatchObject({ n: 2, u: 1, su: 'Re: Quarterly report' });
    expect((thread['m'] as Array<{ id: string }>).map((m) => Number(m.id)).sort()).toEqual(
      [ids['report'], ids['reply']].sort(),
    );
    const lunch = convs.find((c) => c['id'] === String(-ids['lunch']!))!;
    expect(lunch).toMatchObject({ n: 1, u: 0, f: 'f', su: 'Lunch', fr: 'Pizza on friday?' });
    expect(lunch['m']).toEqual([{ id: String(ids['lunch']), l: '2', s: expect.any(Number), f: 'f' }]);
    expect(lunch['e']).toEqual([{ t: 'f', a: 'carl@other.test' }]);
    expect(lunch['sf']).toBe(String(Date.parse('2024-02-10T12:00:00Z')));
  });

  it('sorts by date, subject and size in both directions', async () => {
    const order = async (sortBy: string) =>
      ((await search({ query: 'in:inbox', types: 'message', sortBy })).el['m'] as Array<{ id: string }>).map((m) =>
        Number(m.id),
      );
    expect(await order('dateAsc')).toEqual([ids['report'], ids['reply'], ids['lunch']]);
    expect(await order('dateDesc')).toEqual([ids['lunch'], ids['reply'], ids['report']]);
    expect(await order('subjAsc')).toEqual([ids['lunch'], ids['report'], ids['reply']]);
    expect((await search({ query: 'in:inbox sortby:dateAsc', types: 'message' })).el['sortBy']).toBe('dateAsc');
  });

  it('pages with limit/offset/more, defaults the limit to 10 and caps it at 1000', async () => {
    const BULK = 'bulk@example.test';
    emu.createAccount(BULK, 'pw');
    for (let i = 0; i < 1003; i++) emu.deliver(BULK, `Subject: n${i}\r\n\r\nx\r\n`, { receivedMs: 1_000_000 + i });
    const t = await rawLogin(`${emu.url}/service/soap`, false, BULK, 'pw');
    const big = await search({ query: 'in:inbox', types: 'message', limit: 5000 }, t);
    expect(big.el['m']).toHaveLength(1000);
    expect(big.el['more']).toBe(true);
    const dflt = await search({ query: 'in:inbox', types: 'message', limit: 0 }, t);
    expect(dflt.el['m']).toHaveLength(10);
    const last = await search({ query: 'in:inbox', types: 'message', limit: 2, offset: 1001 }, t);
    expect(last.el).toMatchObject({ offset: 1001, more: false });
    expect(last.el['m']).toHaveLength(2);
  });
});
