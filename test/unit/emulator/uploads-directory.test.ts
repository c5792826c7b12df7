import { describe, expect, it } from 'vitest';
import { Uploads, UPLOAD_TIMEOUT_MS } from '../../../src/emulator/model/uploads.js';
import { Directory } from '../../../src/emulator/model/directory.js';
import { compileFilter } from '../../../src/emulator/handlers/ldap-filter.js';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'none';
};

describe('Uploads', () => {
  it('are single use, owned by the uploader, and expire after 15 minutes', () => {
    let now = 1_000_000;
    const ups = new Uploads('srv', () => now);
    const a = ups.put('acct', Buffer.from('x'), 'message/rfc822', 'm.eml');
    expect(a.aid.startsWith('srv:')).toBe(true);
    expect(code(() => ups.take('other', a.aid))).toBe('mail.NO_SUCH_UPLOAD');
    expect(ups.take('acct', a.aid).bytes.toString()).toBe('x');
    expect(code(() => ups.take('acct', a.aid))).toBe('mail.NO_SUCH_UPLOAD');
    const b = ups.put('acct', Buffer.from('y'), 'text/plain', '');
    now += UPLOAD_TIMEOUT_MS + 1;
    expect(code(() => ups.take('acct', b.aid))).toBe('mail.NO_SUCH_UPLOAD');
  });
});

describe('Directory', () => {
  it('creates accounts with UUIDs, a mailbox each and zimbraMailHost, and refuses duplicates', () => {
    const dir = new Directory('mbx1.example.test');
    dir.createDomain('example.test');
    const a = dir.createAccount('Ann@Example.test', 'pw', { displayName: 'Ann' });
    expect(a.name).toBe('ann@example.test');
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.attrs['zimbraMailHost']).toEqual(['mbx1.example.test']);
    expect(dir.findAccount(a.id)).toBe(a);
    expect(code(() => dir.createAccount('ann@example.test', 'pw'))).toBe('account.ACCOUNT_EXISTS');
    expect(code(() => dir.createAccount('x@nowhere.test', 'pw'))).toBe('account.NO_SUCH_DOMAIN');
    expect(code(() => dir.createDomain('EXAMPLE.test'))).toBe('account.DOMAIN_EXISTS');
    const dl = dir.createDistributionList('team@example.test', ['ann@example.test', 'Ann@example.test']);
    expect(dl.members).toEqual(['ann@example.test']);
  });
});

describe('LDAP filter', () => {
  it('evaluates and/or/not, presence and substrings case-insensitively', () => {
    const attrs = { uid: ['ann'], mail: ['ann@example.test'], objectClass: ['zimbraAccount'] };
    expect(compileFilter('(&(objectClass=zimbraAccount)(mail=*@example.test))')(attrs)).toBe(true);
    expect(compileFilter('(|(uid=bob)(uid=A*))')(attrs)).toBe(true);
    expect(compileFilter('(!(uid=ann))')(attrs)).toBe(false);
    expect(compileFilter('(zimbraMailHost=*)')(attrs)).toBe(false);
    expect(compileFilter('')(attrs)).toBe(true);
    expect(code(() => compileFilter('(&(uid=ann)'))).toBe('service.INVALID_REQUEST');
  });
});
