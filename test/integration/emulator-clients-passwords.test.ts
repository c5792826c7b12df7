/**
 * Passwords in the emulator as a real server handles them: stored hashed, never answered, changed
 * by ModifyAccount `userPassword` and by SetPasswordRequest. JSON clients over real HTTP.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { encodePassword, verifyPassword } from '../../src/emulator/model/passwords.js';
import { soapDirectoryEntries } from '../../src/directory/directory-snapshot.js';
import { ZimbraClient } from '../../src/soap/zimbra-client.js';
import { rawJson, rawLogin } from './raw-soap.js';

let emu: Emulator;
let adminToken: string;
let userId: string;
const USER = 'pw@example.test';
const A = 'urn:zimbraAdmin';
const adminCall = (name: string, req: Record<string, unknown>) =>
  rawJson(`${emu.adminUrl}/service/admin/soap`, name, A, req, adminToken);
const userLogin = (pw: string) =>
  rawJson(`${emu.url}/service/soap`, 'AuthRequest', 'urn:zimbraAccount', {
    account: { by: 'name', _content: USER },
    password: pw,
  });

beforeAll(async () => {
  emu = await startEmulator();
  userId = emu.createAccount(USER, 'first-secret').id;
  adminToken = await rawLogin(`${emu.adminUrl}/service/admin/soap`, true, emu.adminUser, emu.adminPassword);
});
afterAll(async () => emu.close());

/** Every `a` value of an admin account element, by attribute name. */
function attrsOf(account: Record<string, any>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const a of account['a'] as Array<{ n: string; _content: string }>) (out[a.n] ??= []).push(a._content);
  return out;
}

describe('passwords', () => {
  // store/src/java/com/zimbra/cs/account/auth/PasswordUtil.java (SSHA512: SHA-512 of password+salt, 8-byte salt)
  it('hashes as {SSHA512} and verifies SSHA, SSHA512 and plain values', () => {
    const h = encodePassword('s3cret');
    expect(h).toMatch(/^\{SSHA512\}[A-Za-z0-9+/]+=*$/);
    expect(verifyPassword(h, 's3cret')).toBe(true);
    expect(verifyPassword(h, 's3cret ')).toBe(false);
    // a {SSHA} value as OpenLDAP's slappasswd writes it: SHA-1(password + salt) + salt
    const salt = Buffer.from('abcd');
    const sha = createHash('sha1').update('pw').update(salt).digest();
    expect(verifyPassword(`{SSHA}${Buffer.concat([sha, salt]).toString('base64')}`, 'pw')).toBe(true);
    expect(verifyPassword('plain', 'plain')).toBe(true);
    expect(verifyPassword(undefined, '')).toBe(false);
  });

  // store/src/java/com/zimbra/cs/service/admin/ToXML.java encodeAttrs -> Provisioning.sanitizedAttrValue
  it('never answers a password or its hash: GetAccount, ModifyAccount and CreateAccount say VALUE-BLOCKED', async () => {
    const get = await adminCall('GetAccountRequest', { account: { by: 'name', _content: USER } });
    expect(attrsOf(get.el['account'][0])['userPassword']).toEqual(['VALUE-BLOCKED']);
    const mod = await adminCall('ModifyAccountRequest', {
      id: userId,
      a: [{ n: 'userPassword', _content: 'second-secret' }],
    });
    expect(mod.code).toBeUndefined();
    expect(attrsOf(mod.el['account'][0])['userPassword']).toEqual(['VALUE-BLOCKED']);
    const created = await adminCall('CreateAccountRequest', { name: 'new@example.test', password: 'x-secret' });
    expect(attrsOf(created.el['account'][0])['userPassword']).toEqual(['VALUE-BLOCKED']);
    for (const r of [get, mod, created]) {
      const text = JSON.stringify(r.body);
      expect(text).not.toMatch(/secret|SSHA/);
    }
  });

  // store/src/java/com/zimbra/cs/account/auth/AuthMechanism.java (ZimbraAuth.doAuth: the new userPassword is what counts)
  it('ModifyAccount userPassword changes the password AuthRequest accepts', async () => {
    await adminCall('ModifyAccountRequest', { id: userId, a: [{ n: 'userPassword', _content: 'third-secret' }] });
    expect((await userLogin('first-secret')).code).toBe('account.AUTH_FAILED');
    expect((await userLogin('third-secret')).status).toBe(200);
  });

  // store/src/java/com/zimbra/cs/service/admin/SetPassword.java and soap/.../admin/message/SetPasswordResponse.java
  it('SetPasswordRequest sets the password (empty response), dryRun changes nothing, unknown id is NO_SUCH_ACCOUNT', async () => {
    const dry = await adminCall('SetPasswordRequest', { id: userId, newPassword: 'dry-secret', dryRun: true });
    expect(dry.code).toBeUndefined();
    expect((await userLogin('dry-secret')).code).toBe('account.AUTH_FAILED');
    const r = await adminCall('SetPasswordRequest', { id: userId, newPassword: 'fourth-secret' });
    expect(r.status).toBe(200);
    expect(r.el).toEqual({ _jsns: A });
    expect((await userLogin('third-secret')).code).toBe('account.AUTH_FAILED');
    expect((await userLogin('fourth-secret')).status).toBe(200);
    const unknown = await adminCall('SetPasswordRequest', {
      id: '00000000-0000-4000-8000-000000000000',
      newPassword: 'x',
    });
    expect(unknown.code).toBe('account.NO_SUCH_ACCOUNT');
    const byName = await adminCall('SetPasswordRequest', { id: USER, newPassword: 'x' });
    expect(byName.code).toBe('account.NO_SUCH_ACCOUNT');
  });
});

// The backup's SOAP directory read must not mistake the VALUE-BLOCKED placeholder for a hash
// (Provisioning.sanitizedAttrValue in store/src/java/com/zimbra/cs/account/Provisioning.java).
describe('directory snapshot through admin SOAP', () => {
  it('keeps no userPassword value when the server answers VALUE-BLOCKED', async () => {
    const client = new ZimbraClient({ url: emu.url, adminUrl: emu.adminUrl, retries: 0 });
    await client.authAdmin(emu.adminUser, emu.adminPassword);
    const accounts = [];
    for await (const e of soapDirectoryEntries(client)) if (e.kind === 'account') accounts.push(e);
    client.close();
    const mine = accounts.find((e) => e.attributes['zimbraId']?.[0] === userId);
    expect(mine).toBeDefined();
    expect(mine!.attributes['userPassword']).toBeUndefined();
    expect(JSON.stringify(accounts)).not.toContain('VALUE-BLOCKED');
  });
});
