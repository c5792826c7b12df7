import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

let emu: Emulator;
let token: string;
const USER = 'xml@example.test';
const ENV = (header: string, body: string): string =>
  `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Header>${header}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;
const ctx = (t?: string): string =>
  `<context xmlns="urn:zimbra"><nosession/>${t ? `<authToken>${t}</authToken>` : ''}</context>`;

async function post(
  xml: string,
  url = `${emu.url}/service/soap`,
): Promise<{ status: number; ct: string | null; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/soap+xml' }, body: xml });
  return { status: res.status, ct: res.headers.get('content-type'), text: await res.text() };
}

beforeAll(async () => {
  emu = await startEmulator();
  emu.createAccount(USER, 'pw');
  const r = await post(
    ENV(
      ctx(),
      `<AuthRequest xmlns="urn:zimbraAccount"><account by="name">${USER}</account><password>pw</password></AuthRequest>`,
    ),
  );
  token = /<authToken>([^<]+)<\/authToken>/.exec(r.text)![1]!;
});
afterAll(async () => emu.close());

describe('XML SOAP (SOAP 1.2)', () => {
  it('answers in XML with text/xml and the SOAP 1.2 envelope', async () => {
    const r = await post(
      ENV(
        ctx(),
        `<AuthRequest xmlns="urn:zimbraAccount"><account by="name">${USER}</account><password>pw</password></AuthRequest>`,
      ),
    );
    expect(r.status).toBe(200);
    expect(r.ct).toBe('text/xml; charset=utf-8');
    expect(r.text).toMatch(/^<soap:Envelope xmlns:soap="http:\/\/www.w3.org\/2003\/05\/soap-envelope">/);
    expect(r.text).toMatch(
      /<AuthResponse xmlns="urn:zimbraAccount"><lifetime>172800000<\/lifetime><authToken>0_[0-9a-f]+_[0-9a-f]+<\/authToken>/,
    );
  });

  it('writes sync items as attributes, booleans as 1, and the initial tree nested', async () => {
    const id = emu.deliver(USER, 'Subject: Hello & bye\r\n\r\nx\r\n', { flags: 'u' });
    const init = await post(ENV(ctx(token), '<SyncRequest xmlns="urn:zimbraMail"/>'));
    expect(init.text).toContain(`<m ids="${id}"/>`);
    const tok = /<SyncResponse xmlns="urn:zimbraMail" md="\d+" token="(\d+)" s="\d+">/.exec(init.text)![1]!;
    const p = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
    const tree = p.parse(init.text) as Record<string, any>;
    const root = tree['soap:Envelope']['soap:Body']['SyncResponse']['folder'];
    expect(root['id']).toBe('11');
    expect(root['activesyncdisabled']).toBe('0');
    emu.setFlags(USER, id, '');
    const delta = await post(ENV(ctx(token), `<SyncRequest xmlns="urn:zimbraMail" token="${tok}"/>`));
    expect(delta.text).toMatch(
      new RegExp(`<m id="${id}" l="2" f="" t="" tn="" cid="-${id}" d="\\d+" rev="\\d+" md="\\d+" ms="\\d+"/>`),
    );
  });

  it('writes contact fields as <a n> and subject/fragment as child elements', async () => {
    const cid = emu.addContact(USER, { firstName: 'Ann', email: 'ann@x.test' });
    const r = await post(
      ENV(ctx(token), `<GetContactsRequest xmlns="urn:zimbraMail"><cn id="${cid}"/></GetContactsRequest>`),
    );
    expect(r.text).toContain('<a n="firstName">Ann</a><a n="email">ann@x.test</a>');
    const mid = emu.deliver(USER, 'Subject: A <b> & c\r\n\r\nfrag text\r\n');
    const m = await post(ENV(ctx(token), `<GetMsgRequest xmlns="urn:zimbraMail"><m id="${mid}"/></GetMsgRequest>`));
    expect(m.text).toContain('<su>A &lt;b&gt; &amp; c</su><fr>frag text</fr>');
  });

  it('returns XML faults with HTTP 500, and JSON when context/format asks for js', async () => {
    const r = await post(ENV(ctx(token), '<SyncRequest xmlns="urn:zimbraMail" token="bad-token"/>'));
    expect(r.status).toBe(500);
    expect(r.text).toContain('<soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code>');
    expect(r.text).toContain('<Error xmlns="urn:zimbra"><Code>service.INVALID_REQUEST</Code>');
    const js = await post(
      ENV(
        `<context xmlns="urn:zimbra"><authToken>${token}</authToken><format type="js"/></context>`,
        '<GetTagRequest xmlns="urn:zimbraMail"/>',
      ),
    );
    expect(js.ct).toBe('text/javascript; charset=utf-8');
    expect(JSON.parse(js.text)['Body']['GetTagResponse']['_jsns']).toBe('urn:zimbraMail');
  });

  it('answers unparsable XML with service.PARSE_ERROR', async () => {
    const r = await post('<soap:Envelope><broken></soap:Envelope>');
    expect(r.status).toBe(500);
    expect(r.text).toContain('<Code>service.PARSE_ERROR</Code>');
  });

  it('serves admin commands in XML with name/password as attributes or elements', async () => {
    const attrs = await post(
      ENV(ctx(), `<AuthRequest xmlns="urn:zimbraAdmin" name="${emu.adminUser}" password="${emu.adminPassword}"/>`),
      `${emu.adminUrl}/service/admin/soap`,
    );
    const elems = await post(
      ENV(
        ctx(),
        `<AuthRequest xmlns="urn:zimbraAdmin"><name>${emu.adminUser}</name><password>${emu.adminPassword}</password></AuthRequest>`,
      ),
      `${emu.adminUrl}/service/admin/soap`,
    );
    for (const r of [attrs, elems])
      expect(r.text).toMatch(/<AuthResponse xmlns="urn:zimbraAdmin"><lifetime>43200000<\/lifetime><authToken>/);
    const admin = /<authToken>([^<]+)<\/authToken>/.exec(attrs.text)![1]!;
    const acc = await post(
      ENV(
        ctx(admin),
        `<GetAccountRequest xmlns="urn:zimbraAdmin"><account by="name">${USER}</account></GetAccountRequest>`,
      ),
      `${emu.adminUrl}/service/admin/soap`,
    );
    expect(acc.text).toMatch(
      /<account name="xml@example.test" id="[0-9a-f-]{36}">.*<a n="zimbraMailHost">mail.example.test<\/a>/,
    );
  });
});
