/**
 * Conversations as clients use them: the ids Search returns (negative for a lone message) work in
 * ConvActionRequest and GetConvRequest. Pinned to store/src/java/com/zimbra/cs/service/mail/
 * ConvAction.java, GetConv.java, ToXML.java (encodeConversation) and mailbox/Mailbox.java
 * (getItemById: virtual conversations).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { rawJson, rawLogin } from './raw-soap.js';

let emu: Emulator;
let token: string;
const USER = 'conv@example.test';
const call = (name: string, req: Record<string, unknown>) =>
  rawJson(`${emu.url}/service/soap`, name, 'urn:zimbraMail', req, token);
let lone: number;
let first: number;
let reply: number;

beforeAll(async () => {
  emu = await startEmulator();
  emu.createAccount(USER, 'pw');
  lone = emu.deliver(USER, 'From: a@x.test\r\nSubject: Alone\r\n\r\nsolo body\r\n', {
    flags: 'u',
    receivedMs: 3_000_000,
  });
  first = emu.deliver(USER, 'From: b@x.test\r\nSubject: Plan\r\nMessage-ID: <p1@x.test>\r\n\r\nfirst\r\n', {
    flags: 'u',
    receivedMs: 1_000_000,
  });
  reply = emu.deliver(
    USER,
    'From: "Cy" <c@x.test>\r\nSubject: Re: Plan\r\nIn-Reply-To: <p1@x.test>\r\n\r\nsecond\r\n',
    { receivedMs: 2_000_000 },
  );
  token = await rawLogin(`${emu.url}/service/soap`, false, USER, 'pw');
});
afterAll(async () => emu.close());

async function convIds(): Promise<Record<string, string>> {
  const r = await call('SearchRequest', { query: 'in:inbox' });
  const out: Record<string, string> = {};
  for (const c of r.el['c'] as Array<{ id: string; su: string }>) out[c.su] = c.id;
  return out;
}

describe('conversations', () => {
  it('ConvAction accepts the negative id of a virtual conversation from Search', async () => {
    const ids = await convIds();
    expect(ids['Alone']).toBe(String(-lone));
    const r = await call('ConvActionRequest', { action: { id: ids['Alone'], op: 'READ' } });
    expect(r.status).toBe(200);
    expect(r.el['action']).toEqual({ id: String(-lone), op: 'read' });
    const m = await call('GetMsgRequest', { m: { id: String(lone) } });
    expect(m.el['m'][0]['f'] ?? '').not.toContain('u');
  });

  it('ConvAction on a real conversation acts on all its messages', async () => {
    const ids = await convIds();
    const threadId = ids['Re: Plan']!;
    expect(Number(threadId)).toBeGreaterThan(0);
    await call('ConvActionRequest', { action: { id: threadId, op: 'flag' } });
    const both = await call('SearchRequest', { query: 'is:flagged', types: 'message' });
    expect((both.el['m'] as Array<{ id: string }>).map((m) => Number(m.id)).sort()).toEqual([first, reply].sort());
    await call('ConvActionRequest', { action: { id: threadId, op: 'move', l: '3' } });
    const trash = await call('SearchRequest', { query: 'in:trash', types: 'message' });
    expect((trash.el['m'] as unknown[]).length).toBe(2);
    await call('ConvActionRequest', { action: { id: threadId, op: 'move', l: '2' } });
  });

  it('refuses unknown conversations (NO_SUCH_CONV) and unknown virtual ones (NO_SUCH_MSG)', async () => {
    expect((await call('ConvActionRequest', { action: { id: '99999', op: 'read' } })).code).toBe('mail.NO_SUCH_CONV');
    expect((await call('ConvActionRequest', { action: { id: '-99999', op: 'read' } })).code).toBe('mail.NO_SUCH_MSG');
    expect((await call('GetConvRequest', { c: { id: '99999' } })).code).toBe('mail.NO_SUCH_CONV');
  });

  it('GetConv answers the summary and the messages oldest first, expanding fetch=1', async () => {
    const ids = await convIds();
    const r = await call('GetConvRequest', { c: { id: ids['Re: Plan'] } });
    const c = r.el['c'][0] as Record<string, any>;
    expect(c).toMatchObject({ id: ids['Re: Plan'], n: 2, su: 'Plan' });
    expect((c['m'] as Array<{ id: string }>).map((m) => Number(m.id))).toEqual([first, reply]);
    expect(c['m'][1]).toMatchObject({ su: 'Re: Plan', fr: 'second', l: '2', e: [{ t: 'f', a: 'c@x.test', p: 'Cy' }] });
    expect(c['e'].map((e: { a: string }) => e.a).sort()).toEqual(['b@x.test', 'c@x.test']);
    const fetched = await call('GetConvRequest', { c: { id: ids['Re: Plan'], fetch: '1' } });
    const ms = fetched.el['c'][0]['m'] as Array<Record<string, unknown>>;
    expect(ms[0]!['mp']).toBeDefined();
    expect(ms[1]!['mp']).toBeUndefined();
    const virtual = await call('GetConvRequest', { c: { id: String(-lone) } });
    expect(virtual.el['c'][0]).toMatchObject({ id: String(-lone), n: 1, su: 'Alone' });
  });

  it('a virtual id whose message has joined a thread names that thread (Mailbox.getItemById)', async () => {
    const ids = await convIds();
    const r = await call('GetConvRequest', { c: { id: String(-first) } });
    expect(r.el['c'][0]['id']).toBe(ids['Re: Plan']);
  });
});
