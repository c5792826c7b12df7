import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/internal/secret.js';
import { JsonTransport } from '../../../src/soap/transports/json.js';
import { elementToXml, XmlTransport } from '../../../src/soap/transports/xml.js';

const TOKEN = '0_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_6964';
const req = {
  name: 'SyncRequest',
  namespace: 'urn:zimbraMail',
  body: { token: '521', typed: 1, deep: { _content: 'a<b & "c"' }, flag: true },
  context: {
    authToken: new Secret(TOKEN),
    account: { by: 'id' as const, value: 'acct-1' },
    userAgent: { name: 'zb', version: '1' },
  },
};

describe('JSON transport', () => {
  it('encodes the documented envelope and context header', () => {
    const out = JSON.parse(new JsonTransport().encode(req));
    expect(out.Header.context).toEqual({
      _jsns: 'urn:zimbra',
      authToken: { _content: TOKEN },
      nosession: {},
      account: { by: 'id', _content: 'acct-1' },
      // on behalf of another mailbox: bare ids please (ZimbraSoapContext.java, ItemIdFormatter.java)
      noqualify: {},
      format: { type: 'js' },
      userAgent: { name: 'zb', version: '1' },
    });
    expect(out.Body.SyncRequest).toMatchObject({ _jsns: 'urn:zimbraMail', token: '521', typed: 1 });
    expect(out.Envelope).toBeUndefined();
    const own = JSON.parse(new JsonTransport().encode({ ...req, context: { ...req.context, account: undefined } }));
    expect(own.Header.context.noqualify).toBeUndefined();
    expect(new XmlTransport().encode(req)).toContain('<noqualify/>');
  });

  it('rejects non-JSON, truncated and wrong-shape bodies with ZB_PROTOCOL and quotes nothing', () => {
    const t = new JsonTransport();
    const secretish = `{"Body":{"AuthResponse":{"authToken":[{"_content":"${TOKEN}"`;
    for (const body of ['<html>oops</html>', secretish, '[]', '{"Header":{}}', '{"Body":[]}', '']) {
      let caught: unknown;
      try {
        t.decode(body);
      } catch (err) {
        caught = err;
      }
      expect((caught as { code?: string }).code).toBe('ZB_PROTOCOL');
      expect(String((caught as Error).message)).not.toContain(TOKEN);
      expect(JSON.stringify(caught)).not.toContain(TOKEN);
      expect(String((caught as Error).cause ?? '')).not.toContain(TOKEN);
    }
  });
});

describe('XML transport', () => {
  it('encodes a well-formed SOAP 1.2 envelope with escaped text and 1/0 booleans', () => {
    const xml = new XmlTransport().encode(req);
    expect(xml).toContain('xmlns:soap="http://www.w3.org/2003/05/soap-envelope"');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true }).parse(xml);
    const body = doc.Envelope.Body.SyncRequest;
    expect(xml).toMatch(/<SyncRequest [^>]*xmlns="urn:zimbraMail"/);
    expect(xml).toMatch(/<context xmlns="urn:zimbra">/);
    expect(body['@token']).toBe('521');
    expect(body['@flag']).toBe('1');
    expect(body.deep).toBe('a<b & "c"');
    const ctx = doc.Envelope.Header.context;
    expect(ctx.authToken).toBe(TOKEN);
    expect(ctx.account['@by']).toBe('id');
    expect(ctx.format['@type']).toBe('xml');
    expect(ctx).toHaveProperty('nosession');
  });

  it('writes _attrs as <a n> children and arrays as repeated elements', () => {
    expect(elementToXml('cn', { _attrs: { email: ['a', 'b'] } })).toBe('<cn><a n="email">a</a><a n="email">b</a></cn>');
    expect(elementToXml('x', { a: [{ n: 'k', _content: 'v' }, { n: 'k2' }] })).toBe('<x><a n="k">v</a><a n="k2"/></x>');
  });

  it('decodes to the neutral model: string attributes, arrays, _content', () => {
    const env = new XmlTransport().decode(
      '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><R xmlns="urn:x" n="1"><m id="2"><su>Hi &amp; bye</su></m></R></soap:Body></soap:Envelope>',
    );
    expect(env.body).toEqual({ R: [{ n: '1', m: [{ id: '2', su: [{ _content: 'Hi & bye' }] }] }] });
  });

  it('rejects truncated XML and non-envelopes with ZB_PROTOCOL', () => {
    const t = new XmlTransport();
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><R x="&b;"/></soap:Body></soap:Envelope>';
    for (const body of ['<soap:Envelope><soap:Body><R>', '<html><body>502</body></html>', 'not xml at all', '', bomb]) {
      expect(() => t.decode(body)).toThrow(expect.objectContaining({ code: 'ZB_PROTOCOL' }));
    }
  });
});
