import { describe, expect, it } from 'vitest';
import { ZimbraBackupError, isZimbraBackupError } from '../../../src/errors.js';
import { errorCodeOf, faultCodeOf } from '../../../src/internal/fault-code.js';
import { faultToError } from '../../../src/soap/faults.js';

// A fault as Zimbra sends it (SoapProtocol.java: soap:Fault > Detail > Error > Code).
const fault = faultToError({
  Code: { Value: 'soap:Sender' },
  Reason: { Text: 'no such account: x@example.test' },
  Detail: { Error: { Code: 'account.NO_SUCH_ACCOUNT' } },
});

describe('faultCodeOf / errorCodeOf', () => {
  it("reads a SOAP fault's Zimbra code, which isZimbraBackupError(err, code) also matches", () => {
    expect(faultCodeOf(fault)).toBe('account.NO_SUCH_ACCOUNT');
    expect(errorCodeOf(fault)).toBe('account.NO_SUCH_ACCOUNT');
    expect(isZimbraBackupError(fault, 'account.NO_SUCH_ACCOUNT')).toBe(true);
  });

  it('falls back to the library code, then a Node code; nothing for other values', () => {
    const lib = new ZimbraBackupError('x', { code: 'ZB_NOT_FOUND' });
    expect(faultCodeOf(lib)).toBeUndefined();
    expect(errorCodeOf(lib)).toBe('ZB_NOT_FOUND');
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe('ENOENT');
    // A foreign object that merely has a faultCode is not a SOAP fault.
    expect(faultCodeOf({ faultCode: 'mail.X' })).toBeUndefined();
    expect(errorCodeOf(null)).toBeUndefined();
    expect(errorCodeOf('text')).toBeUndefined();
  });
});
