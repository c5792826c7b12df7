import { describe, expect, it } from 'vitest';
import { faultToError, MustResyncError } from '../../../src/soap/faults.js';
import type { FolderInfo, ItemSummary } from '../../../src/soap/requests/items.js';
import type { SyncParams, SyncResult } from '../../../src/soap/requests/sync.js';
import type { ZimbraClient } from '../../../src/soap/zimbra-client.js';
import { SyncCursor, type ChangeBatch } from '../../../src/sync/sync-cursor.js';

// The fake stands at the typed SOAP boundary (client.sync): the wire parsing of SyncResponse has its
// own tests (test/unit/soap/requests.test.ts); here the cursor's paging and mapping are under test.

/** A client whose SyncRequests are answered from a script, recording what was asked. */
function fakeClient(answers: Array<Partial<SyncResult> | Error>): { client: ZimbraClient; asked: SyncParams[] } {
  const asked: SyncParams[] = [];
  const client = {
    sync: async (params: SyncParams): Promise<SyncResult> => {
      asked.push(params);
      const a = answers.shift();
      if (a === undefined) throw new Error('unexpected SyncRequest');
      if (a instanceof Error) throw a;
      return {
        initial: false,
        token: 't?',
        changeDateSeconds: 1_700_000_000,
        mailboxSize: undefined,
        more: false,
        root: undefined,
        deleted: { ids: [], byType: {} },
        folders: [],
        tags: [],
        items: [],
        ...a,
      };
    },
  } as unknown as ZimbraClient;
  return { client, asked };
}

async function all(cursor: SyncCursor): Promise<ChangeBatch[]> {
  const out: ChangeBatch[] = [];
  for await (const b of cursor.batches()) out.push(b);
  return out;
}

const msg = (id: string, folderId = '2'): ItemSummary => ({ type: 'message', id, folderId }) as ItemSummary;

function folder(id: string, itemIds: FolderInfo['itemIds']): FolderInfo {
  return { type: 'folder', id, folderId: '1', children: [], itemIds, tags: [] } as unknown as FolderInfo;
}

describe('SyncCursor', () => {
  it('pages a delta through `more`, sending each new token, typed deletes and the limits', async () => {
    // Sync.java: a delta stops at changeLimit and answers more="1"; the client calls again with the
    // token of that page (A_QUERY_MORE). typed="1" asks for deletes split by type (A_TYPED_DELETES).
    const { client, asked } = fakeClient([
      { token: 't1', more: true, items: [msg('257')] },
      { token: 't2', more: true, items: [msg('258')] },
      { token: 't3', more: false, items: [msg('259')] },
    ]);
    const batches = await all(new SyncCursor({ client, token: 't0', changeLimit: 50, deleteLimit: 20 }));
    expect(batches.map((b) => [b.nextToken, b.more, b.items.map((i) => i.id)])).toEqual([
      ['t1', true, ['257']],
      ['t2', true, ['258']],
      ['t3', false, ['259']],
    ]);
    expect(asked).toEqual([
      { token: 't0', typed: true, changeLimit: 50, deleteLimit: 20 },
      { token: 't1', typed: true, changeLimit: 50, deleteLimit: 20 },
      { token: 't2', typed: true, changeLimit: 50, deleteLimit: 20 },
    ]);
    expect(batches.every((b) => !b.initial)).toBe(true);
  });

  it('defaults the page limits to 1000 and stops when a page repeats the token (nothing new)', async () => {
    const { client, asked } = fakeClient([{ token: 't0', more: true }]);
    const batches = await all(new SyncCursor({ client, token: 't0' }));
    expect(batches).toHaveLength(1);
    expect(asked).toEqual([{ token: 't0', typed: true, changeLimit: 1000, deleteLimit: 1000 }]);
  });

  it('types the deletes it can, keeps untyped ones, and drops deleted conversations', async () => {
    // Sync.java with typedDeletes: <deleted ids="all"><m ids/><c ids/>...</deleted>.
    const { client } = fakeClient([
      {
        token: 't1',
        deleted: {
          ids: ['300', '301', '302', '303'],
          byType: { message: ['300'], conversation: ['-301', '301'], contact: ['303'] },
        },
      },
    ]);
    const [b] = await all(new SyncCursor({ client, token: 't0' }));
    expect(b!.deleted).toEqual([{ id: '300', type: 'message' }, { id: '302' }, { id: '303', type: 'contact' }]);
  });

  it('leaves conversations out of delta items and keeps the summary and folder of the others', async () => {
    const conv = { type: 'conversation', id: '-400' } as ItemSummary;
    const { client } = fakeClient([{ token: 't1', items: [conv, msg('401', '5')] }]);
    const [b] = await all(new SyncCursor({ client, token: 't0' }));
    expect(b!.items).toEqual([{ type: 'message', id: '401', folderId: '5', summary: msg('401', '5') }]);
  });

  it('an initial sync (no token) is one batch listing every item id by folder, without folders, tags or conversations', async () => {
    const folders = [
      folder('2', { message: ['257', '258'], conversation: ['-257'] }),
      folder('7', { contact: ['260'], folder: ['9'], tag: ['64'], search: ['10'], link: ['11'] }),
    ];
    const { client, asked } = fakeClient([{ initial: true, token: '900', more: true, folders, changeDateSeconds: 42 }]);
    const batches = await all(new SyncCursor({ client }));
    expect(asked).toEqual([{ typed: true }]);
    expect(batches).toHaveLength(1);
    const b = batches[0]!;
    expect(b.initial).toBe(true);
    expect(b.more).toBe(false);
    expect(b.nextToken).toBe('900');
    expect(b.serverTimeSeconds).toBe(42);
    expect(b.items).toEqual([
      { type: 'message', id: '257', folderId: '2' },
      { type: 'message', id: '258', folderId: '2' },
      { type: 'contact', id: '260', folderId: '7' },
    ]);
  });

  it('surfaces a refused token as MustResyncError for the caller to reconcile', async () => {
    // Sync.java: a token older than the mailbox's tombstone horizon -> MailServiceException.MUST_RESYNC.
    const refused = faultToError({
      Code: { Value: 'soap:Sender' },
      Reason: { Text: 'need to resync' },
      Detail: { Error: { Code: 'mail.MUST_RESYNC' } },
    });
    expect(refused).toBeInstanceOf(MustResyncError);
    const { client } = fakeClient([{ token: 't1', more: true }, refused]);
    const seen: string[] = [];
    const err = await (async () => {
      for await (const b of new SyncCursor({ client, token: 't0' }).batches()) seen.push(b.nextToken);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['t1']);
    expect(err).toBe(refused);
  });

  it('asks for the next page only when the loop wants it, and stops on abort', async () => {
    const ac = new AbortController();
    const { client, asked } = fakeClient([
      { token: 't1', more: true },
      { token: 't2', more: false },
    ]);
    const err = await (async () => {
      for await (const b of new SyncCursor({ client, token: 't0', signal: ac.signal }).batches()) {
        expect(asked).toHaveLength(1); // the caller commits page 1 before page 2 is requested
        if (b.nextToken === 't1') ac.abort();
      }
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ZB_ABORTED' });
    expect(asked).toHaveLength(1);
  });

  describe('starting from a page another cursor received (the quick check, quick-check.ts)', () => {
    // Sync.java computes a delta from the mailbox under its lock and changes nothing but the
    // idempotent tombstone tracking (beginTrackingSync): the page answering (token, changeLimit,
    // deleteLimit) is what the same request would have answered then, so it stands in for it.
    async function firstPageOf(token: string, answer: Partial<SyncResult>, limits = {}) {
      const { client } = fakeClient([answer]);
      const cursor = new SyncCursor({ client, token, ...limits });
      for await (const b of cursor.batches()) {
        expect(b.nextToken).toBe(answer.token);
        break; // the quick check stops at the first page that shows a change
      }
      return cursor.firstPage;
    }

    it('yields the received page instead of asking again, then pages on from its token', async () => {
      const received = await firstPageOf('t0', {
        token: 't1',
        more: true,
        items: [msg('257')],
        deleted: { ids: ['300'], byType: {} },
      });
      expect(received?.request).toEqual({ token: 't0', changeLimit: 1000, deleteLimit: 1000 });
      const { client, asked } = fakeClient([{ token: 't2', more: false, items: [msg('258')] }]);
      const batches = await all(new SyncCursor({ client, token: 't0', received }));
      expect(batches.map((b) => [b.nextToken, b.items.map((i) => i.id), b.deleted.map((d) => d.id)])).toEqual([
        ['t1', ['257'], ['300']],
        ['t2', ['258'], []],
      ]);
      // One request, not two: only the page after the received one.
      expect(asked).toEqual([{ token: 't1', typed: true, changeLimit: 1000, deleteLimit: 1000 }]);
    });

    it('a page received with no more pages is the whole delta: no request at all', async () => {
      const received = await firstPageOf('t0', { token: 't1', items: [msg('257')] });
      const { client, asked } = fakeClient([]);
      const batches = await all(new SyncCursor({ client, token: 't0', received }));
      expect(batches.map((b) => b.items.map((i) => i.id))).toEqual([['257']]);
      expect(asked).toEqual([]);
    });

    it('is ignored for another token or other limits: the cursor asks itself', async () => {
      const received = await firstPageOf('t0', { token: 't1', items: [msg('257')] });
      const other = await firstPageOf('t0', { token: 't1', items: [msg('257')] }, { changeLimit: 10 });
      for (const [token, rec, limits] of [
        ['t9', received, {}],
        ['t0', other, {}],
        ['t0', received, { deleteLimit: 5 }],
      ] as const) {
        const { client, asked } = fakeClient([{ token: 't5', items: [msg('400')] }]);
        const batches = await all(new SyncCursor({ client, token, received: rec, ...limits }));
        expect(batches.map((b) => b.items.map((i) => i.id))).toEqual([['400']]);
        expect(asked).toHaveLength(1);
      }
    });

    it('an initial sync never starts from a received page', async () => {
      const received = await firstPageOf('t0', { token: 't1', items: [msg('257')] });
      const { client, asked } = fakeClient([
        { initial: true, token: 't3', folders: [folder('2', { message: ['9'] })] },
      ]);
      const batches = await all(new SyncCursor({ client, received }));
      expect(batches.map((b) => [b.initial, b.items.map((i) => i.id)])).toEqual([[true, ['9']]]);
      expect(asked).toEqual([{ typed: true }]);
    });
  });
});
