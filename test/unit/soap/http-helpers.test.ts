// Pure helpers of the HTTP layer: Retry-After parsing (RFC 9110 10.2.3), proxy selection with
// NO_PROXY, and redaction of what the layer logs.
import { describe, expect, it } from 'vitest';
import { bypassesProxy, proxyFor, proxyFromEnv } from '../../../src/soap/http/proxy.js';
import { redactHeaders, redactSoapBody, redactUrl } from '../../../src/soap/http/redact.js';
import { parseRetryAfter } from '../../../src/soap/http/retry-after.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-07T02:00:00Z');
  it('reads delay-seconds and the three HTTP-date forms', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 07 Dec 2026 02:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Monday, 07-Dec-26 02:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Mon Dec  7 02:00:05 2026', now)).toBe(5_000);
    expect(parseRetryAfter(['7', '9'], now)).toBe(7_000);
  });
  it('a date in the past means now; anything else is ignored', () => {
    expect(parseRetryAfter('Sun, 06 Dec 2026 02:00:00 GMT', now)).toBe(0);
    for (const bad of [undefined, '', '-1', '1.5', 'soon', '2026-12-07T02:00:30Z', 'Mon, 07 Dec 2026 02:00:30'])
      expect(parseRetryAfter(bad, now)).toBeUndefined();
  });
});

describe('proxy selection', () => {
  const u = (s: string) => new URL(s);
  it('reads the usual variables, lower case first, ALL_PROXY as fallback', () => {
    expect(proxyFromEnv({ HTTPS_PROXY: 'http://a:1', https_proxy: 'http://b:2', NO_PROXY: 'x' })).toEqual({
      httpsProxy: 'http://b:2',
      noProxy: 'x',
    });
    expect(proxyFromEnv({ ALL_PROXY: 'http://c:3', HTTP_PROXY: ' ' })).toEqual({
      httpsProxy: 'http://c:3',
      httpProxy: 'http://c:3',
    });
    expect(proxyFromEnv({})).toEqual({});
  });
  it('picks the proxy by scheme; host:port without a scheme is http', () => {
    const opts = { httpProxy: 'proxy:3128', httpsProxy: 'https://sproxy:8443' };
    expect(proxyFor(u('http://mail.example.com/'), opts)?.href).toBe('http://proxy:3128/');
    expect(proxyFor(u('https://mail.example.com/'), opts)?.href).toBe('https://sproxy:8443/');
    expect(proxyFor(u('https://mail.example.com/'), { httpProxy: 'proxy:3128' })).toBeUndefined();
    expect(proxyFor(u('https://mail.example.com/'), undefined)).toBeUndefined();
  });
  it('NO_PROXY: names with subdomains, leading dots, ports, IPs, *', () => {
    const t = (url: string, list: string) => bypassesProxy(u(url), list);
    expect(t('https://mail.example.com', 'example.com')).toBe(true);
    expect(t('https://mail.example.com', '.example.com')).toBe(true);
    expect(t('https://mail.example.com', '*.example.com')).toBe(true);
    expect(t('https://example.com', 'example.com')).toBe(true);
    expect(t('https://badexample.com', 'example.com')).toBe(false);
    expect(t('https://MAIL.Example.com.', 'mail.example.com')).toBe(true);
    expect(t('https://mail.example.com:7071', 'mail.example.com:7071')).toBe(true);
    expect(t('https://mail.example.com', 'mail.example.com:7071')).toBe(false);
    expect(t('https://mail.example.com', 'mail.example.com:443')).toBe(true);
    expect(t('http://10.0.0.5:8080', 'foo, 10.0.0.5')).toBe(true);
    expect(t('http://[::1]:8080', '[::1]')).toBe(true);
    expect(t('http://anything', '*')).toBe(true);
    expect(t('http://anything', '')).toBe(false);
  });
});

describe('redaction', () => {
  it('hides cookie values, authorization headers and tokens in URLs', () => {
    expect(
      redactHeaders({
        Cookie: 'ZM_AUTH_TOKEN=0_abc; JSESSIONID=xyz',
        authorization: 'Bearer t',
        'Proxy-Authorization': 'Basic dTpw',
        'set-cookie': ['ZM_ADMIN_AUTH_TOKEN=0_def; Path=/'],
        'content-type': 'text/plain',
      }),
    ).toEqual({
      Cookie: 'ZM_AUTH_TOKEN=**redacted**; JSESSIONID=**redacted**',
      authorization: '**redacted**',
      'Proxy-Authorization': '**redacted**',
      'set-cookie': ['ZM_ADMIN_AUTH_TOKEN=**redacted**; Path=**redacted**'],
      'content-type': 'text/plain',
    });
    expect(redactUrl('https://u:p@mail.example.com/service/home/~/?id=1&zauthtoken=0_abc')).toBe(
      'https://mail.example.com/service/home/~/?id=1&zauthtoken=**redacted**',
    );
    expect(redactUrl('not a url')).toBe('(unparsable URL)');
  });
});

describe('redactSoapBody', () => {
  const TOKEN = '0_abcdef0123456789abcdef0123_69643d31';
  it('JSON: context token, both AuthRequest password shapes, secret attributes; the rest kept', () => {
    const out = redactSoapBody(
      JSON.stringify({
        Header: { context: { authToken: { _content: TOKEN }, nosession: {} } },
        Body: {
          AuthRequest: { password: { _content: 'pw-1' }, account: { by: 'name', _content: 'u@example.com' } },
          CreateAccountRequest: {
            name: 'n@example.com',
            password: 'pw-2',
            a: [
              { n: 'userPassword', _content: 'pw-3' },
              { n: 'cn', _content: 'Ann' },
            ],
          },
          ModifyAccountRequest: { a: [{ n: 'description', _content: `token ${TOKEN}` }] },
        },
      }),
    );
    for (const secret of [TOKEN, 'pw-1', 'pw-2', 'pw-3']) expect(out).not.toContain(secret);
    expect(out).toContain('u@example.com');
    expect(out).toContain('Ann');
    expect(JSON.parse(out).Body.AuthRequest.password).toBe('**redacted**');
  });
  it('XML: the same elements and attributes, namespaces and attributes of the element kept', () => {
    const out = redactSoapBody(
      `<soap:Envelope><soap:Header><context xmlns="urn:zimbra"><authToken>${TOKEN}</authToken></context></soap:Header>` +
        `<soap:Body><AuthRequest xmlns="urn:zimbraAccount"><account by="name">u@example.com</account><password>pw-1</password>` +
        `<preauth timestamp="1" expires="0">abc123</preauth></AuthRequest>` +
        `<ModifyAccountRequest><a n="userPassword">pw-3</a><a n="cn">Ann</a></ModifyAccountRequest></soap:Body></soap:Envelope>`,
    );
    for (const secret of [TOKEN, 'pw-1', 'abc123', 'pw-3']) expect(out).not.toContain(secret);
    expect(out).toContain('<preauth timestamp="1" expires="0">**redacted**</preauth>');
    expect(out).toContain('<a n="cn">Ann</a>');
    expect(out).toContain('u@example.com');
  });
});
