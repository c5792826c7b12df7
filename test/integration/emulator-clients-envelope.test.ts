/**
 * The emulator as third-party clients use it: envelopes built by DOM libraries (with an XML
 * declaration, namespace prefixes, comments), SOAP 1.1 and 1.2, JSON with `_jsns`, batches, and a
 * session check by admin AuthRequest with `<authToken>`. All over real HTTP on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

let emu: Emulator;
const USER = 'client@example.test';
const S12 = 'http://www.w3.org/2003/05/soap-envelope';
const S11 = 'http://schemas.xmlsoap.org/soap/envelope/';

async function post(
  body: string | Buffer,
  url: string,
  contentType = 'application/soap+xml; charset=utf-8',
): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  return { status: res.status, text: await res.text() };
}
const mail = (b: string | Buffer, ct?: string) => post(b, `${emu.url}/service/soap`, ct);
const admin = (b: string | Buffer, ct?: string) => post(b, `${emu.adminUrl}/service/admin/soap`, ct);

/** What Python's `xml.dom.minidom` `toxml()` writes for a SOAP 1.2 envelope (python-zimbra). */
function domEnvelope12(context: string, body: string): string {
  return `<?xml version="1.0" ?><soap:Envelope xmlns:soap="${S12}"><soap:Header>${context}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;
}
/** A SOAP 1.1 envelope as SOAP toolkits write it: declaration, `SOAP-ENV` prefix, a comment, pretty-printed. */
function envelope11(context: string, body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<!-- built by a SOAP toolkit -->\n` +
    `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${S11}">\n  <SOAP-ENV:Header>${context}</SOAP-ENV:Header>\n` +
    `  <SOAP-ENV:Body>\n    ${body}\n  </SOAP-ENV:Body>\n</SOAP-ENV:Envelope>\n`
  );
}
const ctx = (token?: string): string =>
  `<context xmlns="urn:zimbra">${token ? `<authToken>${token}</authToken>` : ''}</context>`;
const tokenOf = (xml: string): string => /<authToken>([^<]+)<\/authToken>/.exec(xml)![1]!;

beforeAll(async () => {
  emu = await startEmulator();
  emu.createAccount(USER, 'pw');
});
afterAll(async () => emu.close());

// store/src/java/com/zimbra/soap/SoapEngine.java (dispatch: a body starting with '<' is parsed
// by Element.parseXML, a full XML parser, so declarations and comments are allowed) and
// common/src/java/com/zimbra/common/soap/SoapProtocol.java (determineProtocol by namespace).
describe('XML envelopes as DOM libraries write them', () => {
  it('accepts an XML declaration before a SOAP 1.2 envelope (python-zimbra style)', async () => {
    const r = await mail(
      domEnvelope12(
        ctx(),
        `<AuthRequest xmlns="urn:zimbraAccount"><account by="name">${USER}</account><password>pw</password></AuthRequest>`,
      ),
    );
    expect(r.status).toBe(200);
    expect(r.text).toMatch(new RegExp(`^<soap:Envelope xmlns:soap="${S12}">`));
    expect(r.text).toContain('<AuthResponse xmlns="urn:zimbraAccount">');
    const info = await mail(domEnvelope12(ctx(tokenOf(r.text)), '<GetInfoRequest xmlns="urn:zimbraAccount"/>'));
    expect(info.status).toBe(200);
    expect(info.text).toContain(`<name>${USER}</name>`);
  });

  it('answers a SOAP 1.1 envelope (declaration, comment, SOAP-ENV prefix, whitespace) in SOAP 1.1', async () => {
    const r = await mail(
      envelope11(
        ctx(),
        `<ns1:AuthRequest xmlns:ns1="urn:zimbraAccount"><ns1:account by="name">${USER}</ns1:account><ns1:password>pw</ns1:password></ns1:AuthRequest>`,
      ),
      'text/xml; charset=utf-8',
    );
    expect(r.status).toBe(200);
    expect(r.text).toMatch(new RegExp(`^<soap:Envelope xmlns:soap="${S11.replace(/\//g, '\\/')}">`));
    expect(r.text).toContain('<AuthResponse xmlns="urn:zimbraAccount">');
  });

  it('writes SOAP 1.1 faults with faultcode/faultstring/detail (Soap11Protocol.java)', async () => {
    // common/src/java/com/zimbra/common/soap/Soap11Protocol.java soapFault(ServiceException)
    const r = await mail(envelope11(ctx(), '<GetInfoRequest xmlns="urn:zimbraAccount"/>'), 'text/xml');
    expect(r.status).toBe(500);
    expect(r.text).toContain(
      '<soap:Fault><faultcode>soap:Client</faultcode><faultstring>no valid authtoken present</faultstring><detail><Error xmlns="urn:zimbra"><Code>service.AUTH_REQUIRED</Code>',
    );
  });

  it('refuses a root that is not a SOAP envelope as INVALID_REQUEST (SoapEngine.java)', async () => {
    const r = await mail('<?xml version="1.0"?><Envelope xmlns="urn:other"><Body><NoOpRequest/></Body></Envelope>');
    expect(r.status).toBe(500);
    expect(r.text).toContain('<Code>service.INVALID_REQUEST</Code>');
    expect(r.text).toContain('unable to determine SOAP version');
    const empty = await mail(domEnvelope12(ctx(), ''));
    expect(empty.text).toContain('No SOAP body');
  });

  it('parses a body that does not start with "<" (BOM, whitespace) as JSON, as SoapEngine.java does', async () => {
    // SoapEngine.dispatch tests soapMessage[0] == '<'; a BOM sends the XML to the JSON parser
    const xml = domEnvelope12(ctx(), '<NoOpRequest xmlns="urn:zimbraMail"/>');
    const r = await mail(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml)]));
    expect(r.status).toBe(500);
    const fault = JSON.parse(r.text) as { Body: { Fault: { Detail: { Error: { Code: string } } } } };
    expect(fault.Body.Fault.Detail.Error.Code).toBe('service.PARSE_ERROR');
  });

  it('runs an XML BatchRequest with a declaration, answering each member by requestId', async () => {
    const login = await mail(
      domEnvelope12(
        ctx(),
        `<AuthRequest xmlns="urn:zimbraAccount"><account by="name">${USER}</account><password>pw</password></AuthRequest>`,
      ),
    );
    const r = await mail(
      domEnvelope12(
        ctx(tokenOf(login.text)),
        '<BatchRequest xmlns="urn:zimbra" onerror="continue">' +
          '<GetInfoRequest xmlns="urn:zimbraAccount" requestId="a"/>' +
          '<GetMsgRequest xmlns="urn:zimbraMail" requestId="b"><m id="99999"/></GetMsgRequest>' +
          '</BatchRequest>',
      ),
    );
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/<GetInfoResponse xmlns="urn:zimbraAccount"[^>]* requestId="a">/);
    expect(r.text).toMatch(/<soap:Fault requestId="b">.*<Code>mail.NO_SUCH_MSG<\/Code>/);
  });

  it('writes batch member faults in the SOAP 1.1 shape inside a SOAP 1.1 BatchResponse', async () => {
    // common/src/java/com/zimbra/common/soap/Soap11Protocol.java: the response protocol is the request's
    const r = await mail(
      envelope11(
        ctx(),
        '<BatchRequest xmlns="urn:zimbra"><GetInfoRequest xmlns="urn:zimbraAccount" requestId="x"/></BatchRequest>',
      ),
      'text/xml',
    );
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/^<soap:Envelope xmlns:soap="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/">/);
    expect(r.text).toContain('<soap:Fault requestId="x"><faultcode>soap:Client</faultcode>');
  });

  it('serves JSON with _jsns on the request and header (JSON clients)', async () => {
    const r = await mail(
      JSON.stringify({
        Header: { context: { _jsns: 'urn:zimbra', format: { type: 'js' } } },
        Body: {
          AuthRequest: { _jsns: 'urn:zimbraAccount', account: { by: 'name', _content: USER }, password: 'pw' },
        },
      }),
      'application/json',
    );
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text) as { Body: { AuthResponse: { _jsns: string; authToken: [{ _content: string }] } } };
    expect(body.Body.AuthResponse._jsns).toBe('urn:zimbraAccount');
    expect(body.Body.AuthResponse.authToken[0]._content).toMatch(/^0_/);
  });
});

// store/src/java/com/zimbra/cs/service/admin/Auth.java (no password: AuthUtil.getAuthToken then
// AuthProvider.validateAuthToken; non-admin token: PERM_DENIED "Error in Authentication") and
// store/src/java/com/zimbra/cs/servlet/util/AuthUtil.java getAuthToken(Element, zsc).
describe('admin AuthRequest with <authToken> (session check)', () => {
  const login = async (): Promise<string> =>
    tokenOf(
      (
        await admin(
          domEnvelope12(
            ctx(),
            `<AuthRequest xmlns="urn:zimbraAdmin"><name>${emu.adminUser}</name><password>${emu.adminPassword}</password></AuthRequest>`,
          ),
        )
      ).text,
    );

  it('validates the token and answers with it and its remaining lifetime', async () => {
    const t = await login();
    const r = await admin(
      domEnvelope12(ctx(), `<AuthRequest xmlns="urn:zimbraAdmin"><authToken>${t}</authToken></AuthRequest>`),
    );
    expect(r.status).toBe(200);
    const m = /<AuthResponse xmlns="urn:zimbraAdmin"><lifetime>(\d+)<\/lifetime><authToken>([^<]+)<\/authToken>/.exec(
      r.text,
    );
    expect(m?.[2]).toBe(t);
    expect(Number(m?.[1])).toBeGreaterThan(0);
    expect(Number(m?.[1])).toBeLessThanOrEqual(12 * 3600 * 1000);
  });

  it('validates the context token when the request has none', async () => {
    const t = await login();
    const r = await admin(domEnvelope12(ctx(t), '<AuthRequest xmlns="urn:zimbraAdmin"/>'));
    expect(r.status).toBe(200);
    expect(tokenOf(r.text)).toBe(t);
  });

  it('refuses a forged or missing token (AUTH_REQUIRED) and a user token (PERM_DENIED)', async () => {
    const t = await login();
    const forged = t.replace(/^0_(.)/, (_, c: string) => `0_${c === 'a' ? 'b' : 'a'}`);
    const bad = await admin(
      domEnvelope12(ctx(), `<AuthRequest xmlns="urn:zimbraAdmin"><authToken>${forged}</authToken></AuthRequest>`),
    );
    expect(bad.status).toBe(500);
    expect(bad.text).toContain('<Code>service.AUTH_REQUIRED</Code>');
    const none = await admin(domEnvelope12(ctx(), '<AuthRequest xmlns="urn:zimbraAdmin"/>'));
    expect(none.text).toContain('<Code>service.AUTH_REQUIRED</Code>');
    const user = tokenOf(
      (
        await mail(
          domEnvelope12(
            ctx(),
            `<AuthRequest xmlns="urn:zimbraAccount"><account by="name">${USER}</account><password>pw</password></AuthRequest>`,
          ),
        )
      ).text,
    );
    const denied = await admin(
      domEnvelope12(ctx(), `<AuthRequest xmlns="urn:zimbraAdmin"><authToken>${user}</authToken></AuthRequest>`),
    );
    expect(denied.text).toContain('<Code>service.PERM_DENIED</Code>');
    expect(denied.text).toContain('Error in Authentication');
  });
});
