/**
 * Response shapes JSON and XML clients read: admin GetAccountInfo (store/src/java/com/zimbra/cs/
 * service/admin/GetAccountInfo.java), account GetInfo (service/account/GetInfo.java) and account
 * GetAccountInfo (service/account/GetAccountInfo.java).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { rawJson, rawLogin } from './raw-soap.js';

let emu: Emulator;
let adminToken: string;
let userToken: string;
const USER = 'shape@example.test';
const S12 = 'http://www.w3.org/2003/05/soap-envelope';

beforeAll(async () => {
  emu = await startEmulator();
  emu.createCos('gold');
  emu.createAccount(USER, 'pw', { displayName: 'Shape Tester' });
  adminToken = await rawLogin(`${emu.adminUrl}/service/admin/soap`, true, emu.adminUser, emu.adminPassword);
  userToken = await rawLogin(`${emu.url}/service/soap`, false, USER, 'pw');
});
afterAll(async () => emu.close());

const info = (req: Record<string, unknown> = {}, token = userToken) =>
  rawJson(`${emu.url}/service/soap`, 'GetInfoRequest', 'urn:zimbraAccount', req, token);

describe('admin GetAccountInfo', () => {
  it('sends name and the URLs as element arrays and the COS as an object', async () => {
    const r = await rawJson(
      `${emu.adminUrl}/service/admin/soap`,
      'GetAccountInfoRequest',
      'urn:zimbraAdmin',
      { account: { by: 'name', _content: USER } },
      adminToken,
    );
    expect(r.el['name']).toEqual([{ _content: USER }]);
    expect(r.el['cos']).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'default' });
    expect(r.el['soapURL']).toEqual([{ _content: `${emu.url}/service/soap` }]);
    expect(r.el['adminSoapURL']).toEqual([{ _content: `${emu.adminUrl}/service/admin/soap` }]);
    expect(r.el['publicMailURL']).toEqual([{ _content: emu.url }]);
    expect((r.el['a'] as Array<{ n: string }>).map((a) => a.n)).toEqual(['zimbraId', 'zimbraMailHost']);
  });
});

describe('account GetInfo', () => {
  it('sends soapURL as a string, used as a value, no adminDelegated, the COS, prefs as _attrs', async () => {
    const r = await info();
    expect(r.el['soapURL']).toBe(`${emu.url}/service/soap`);
    expect(typeof r.el['used']).toBe('number');
    expect(r.el).not.toHaveProperty('adminDelegated');
    expect(r.el['cos']).toMatchObject({ name: 'default' });
    expect(r.el['prefs']['_attrs']['zimbraPrefMailInitialSearch']).toBe('in:inbox');
    expect(r.el['identities']['identity'][0]).toMatchObject({ name: 'DEFAULT' });
  });

  it('writes used, soapURL and prefs as elements in XML', async () => {
    const res = await fetch(`${emu.url}/service/soap`, {
      method: 'POST',
      body: `<?xml version="1.0"?><soap:Envelope xmlns:soap="${S12}"><soap:Header><context xmlns="urn:zimbra"><authToken>${userToken}</authToken></context></soap:Header><soap:Body><GetInfoRequest xmlns="urn:zimbraAccount" sections="mbox,prefs"/></soap:Body></soap:Envelope>`,
    });
    const text = await res.text();
    expect(text).toMatch(/<used>\d+<\/used>/);
    expect(text).toContain(`<soapURL>${emu.url}/service/soap</soapURL>`);
    expect(text).toContain('<pref name="zimbraPrefMailInitialSearch">in:inbox</pref>');
    expect(text).not.toMatch(/ used="/);
  });

  it('honours sections and refuses unknown ones', async () => {
    const r = await info({ sections: 'mbox' });
    expect(r.el).toHaveProperty('used');
    expect(r.el).not.toHaveProperty('prefs');
    expect(r.el).not.toHaveProperty('attrs');
    const p = await info({ sections: 'prefs' });
    expect(p.el).not.toHaveProperty('used');
    expect(p.el).toHaveProperty('prefs');
    const bad = await info({ sections: 'mbox,nonsense' });
    expect(bad.code).toBe('service.INVALID_REQUEST');
    expect(bad.el['Reason']['Text']).toContain('unknown GetInfo section: nonsense');
  });

  it('says adminDelegated only on a token from DelegateAuth', async () => {
    const d = await rawJson(
      `${emu.adminUrl}/service/admin/soap`,
      'DelegateAuthRequest',
      'urn:zimbraAdmin',
      { account: { by: 'name', _content: USER } },
      adminToken,
    );
    const delegated = (d.el['authToken'] as Array<{ _content: string }>)[0]!._content;
    expect((await info({}, delegated)).el['adminDelegated']).toBe(true);
  });
});

describe('account GetAccountInfo', () => {
  it('answers attributes as _attrs, and PERM_DENIED for an unknown account', async () => {
    const call = (name: string) =>
      rawJson(
        `${emu.url}/service/soap`,
        'GetAccountInfoRequest',
        'urn:zimbraAccount',
        { account: { by: 'name', _content: name } },
        userToken,
      );
    const r = await call(emu.adminUser);
    expect(r.el['name']).toBe(emu.adminUser);
    expect(r.el['_attrs']).toMatchObject({ zimbraMailHost: expect.any(String) });
    expect(r.el['soapURL']).toBe(`${emu.url}/service/soap`);
    expect((await call('nobody@example.test')).code).toBe('service.PERM_DENIED');
  });
});
