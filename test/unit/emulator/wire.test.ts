import { describe, expect, it } from 'vitest';
import { Element } from '../../../src/emulator/wire/element.js';
import { decodeJsonEnvelope, encodeJsonEnvelope, faultElement } from '../../../src/emulator/wire/json-codec.js';
import { decodeXmlEnvelope, encodeXmlEnvelope, encodeXmlFault } from '../../../src/emulator/wire/xml-codec.js';
import { faults } from '../../../src/emulator/wire/soap-fault.js';
import { AuthTokens } from '../../../src/emulator/model/auth-token.js';

function sample(): Element {
  const r = new Element('GetMsgResponse', 'urn:zimbraMail');
  const m = r.add('m').attr('id', '257').attr('s', 24).attr('more', true);
  m.text('su', 'Hi & <you>');
  m.addUnique('content').setContent('raw');
  const cn = r.add('cn').attr('id', '300');
  cn.pair('email', 'a@x').pair('email', 'b@x').pair('firstName', 'Ann');
  return r;
}

describe('JSON codec', () => {
  it('writes arrays for non-unique children, objects for unique ones, and keeps types', () => {
    const json = JSON.parse(encodeJsonEnvelope(undefined, sample())) as {
      Body: { GetMsgResponse: Record<string, unknown> };
      _jsns: string;
    };
    const body = json.Body.GetMsgResponse;
    expect(json._jsns).toBe('urn:zimbraSoap');
    expect(body['_jsns']).toBe('urn:zimbraMail');
    expect(body['m']).toEqual([{ id: '257', s: 24, more: true, su: 'Hi & <you>', content: { _content: 'raw' } }]);
    expect(body['cn']).toEqual([{ id: '300', _attrs: { email: ['a@x', 'b@x'], firstName: 'Ann' } }]);
  });

  it('reads requests leniently: attributes as numbers, strings or child elements', () => {
    const env = decodeJsonEnvelope(
      JSON.stringify({
        Header: { context: { authToken: { _content: 'T' }, account: { by: 'name', _content: 'a@x' } } },
        Body: { AuthRequest: { _jsns: 'urn:zimbraAccount', token: 12, password: { _content: 's' } } },
      }),
    );
    expect(env.header?.get('authToken')).toBe('T');
    expect(env.body.ns).toBe('urn:zimbraAccount');
    expect(env.body.get('token')).toBe('12');
    expect(env.body.get('password')).toBe('s');
  });

  it('writes faults in SoapJSProtocol shape', () => {
    const f = JSON.parse(encodeJsonEnvelope(undefined, faultElement(faults.noSuchItem(9), 'tr'))) as {
      Body: { Fault: unknown };
    };
    expect(f.Body.Fault).toEqual({
      Code: { Value: 'soap:Sender' },
      Reason: { Text: 'no such item: 9' },
      Detail: {
        Error: {
          Code: 'mail.NO_SUCH_ITEM',
          Trace: 'tr',
          a: [{ n: 'itemId', t: 'IID', _content: '9' }],
          _jsns: 'urn:zimbra',
        },
      },
    });
  });

  it('rejects junk with service.PARSE_ERROR', () => {
    expect(() => decodeJsonEnvelope('{nope')).toThrow(/parse error/);
  });
});

describe('XML codec', () => {
  it('writes attributes, content-disposition children, <a n> pairs and 1/0 booleans', () => {
    const xml = encodeXmlEnvelope(undefined, sample());
    expect(xml).toContain(
      '<GetMsgResponse xmlns="urn:zimbraMail"><m id="257" s="24" more="1"><su>Hi &amp; &lt;you&gt;</su><content>raw</content></m>',
    );
    expect(xml).toContain('<cn id="300"><a n="email">a@x</a><a n="email">b@x</a><a n="firstName">Ann</a></cn>');
  });

  it('round-trips a request through the parser', () => {
    const env = decodeXmlEnvelope(
      '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Header><context xmlns="urn:zimbra"><authToken>T</authToken></context></soap:Header>' +
        '<soap:Body><SyncRequest xmlns="urn:zimbraMail" token="5" typed="1"/></soap:Body></soap:Envelope>',
    );
    expect(env.header?.get('authToken')).toBe('T');
    expect(env.body.name).toBe('SyncRequest');
    expect(env.body.ns).toBe('urn:zimbraMail');
    expect(env.body.getBool('typed')).toBe(true);
  });

  it('writes SOAP 1.2 faults', () => {
    const xml = encodeXmlFault(undefined, faults.mustResync(), 'tr');
    expect(xml).toContain(
      '<soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code><soap:Reason><soap:Text>sync token too old; tombstones have already been expired</soap:Text></soap:Reason>',
    );
    expect(xml).toContain('<Error xmlns="urn:zimbra"><Code>mail.MUST_RESYNC</Code><Trace>tr</Trace></Error>');
  });

  it('rejects malformed XML with service.PARSE_ERROR', () => {
    expect(() => decodeXmlEnvelope('<soap:Envelope><a></soap:Envelope>')).toThrow(/parse error/);
  });
});

describe('auth tokens', () => {
  it('issue tokens in Zimbra format and verify them', () => {
    const t = new AuthTokens();
    const tok = t.issue({ accountId: 'id-1', expiresMs: Date.now() + 60000, admin: true });
    expect(tok).toMatch(/^0_[0-9a-f]{40}_[0-9a-f]+$/);
    expect(Buffer.from(tok.split('_')[2]!, 'hex').toString()).toContain('id=4:id-1;');
    expect(t.verify(tok)).toMatchObject({ accountId: 'id-1', admin: true });
  });

  it('refuse tampered tokens (AUTH_REQUIRED) and expired ones (AUTH_EXPIRED)', () => {
    const t = new AuthTokens();
    const tok = t.issue({ accountId: 'id-1', expiresMs: Date.now() + 60000, admin: false });
    const tampered = tok.slice(0, -2) + (tok.endsWith('00') ? '11' : '00');
    expect(() => t.verify(tampered)).toThrow(expect.objectContaining({ code: 'service.AUTH_REQUIRED' }));
    const old = t.issue({ accountId: 'id-1', expiresMs: Date.now() - 1, admin: false });
    expect(() => t.verify(old)).toThrow(expect.objectContaining({ code: 'service.AUTH_EXPIRED' }));
  });
});
