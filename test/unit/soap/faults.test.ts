import { describe, expect, it } from 'vitest';
import { isRetryable, isZimbraBackupError } from '../../../src/errors.js';
import { child } from '../../../src/soap/element.js';
import {
  AuthExpiredError,
  faultToError,
  MustResyncError,
  NoSuchItemError,
  NoSuchWaitSetError,
  SoapFaultError,
} from '../../../src/soap/faults.js';
import { JsonTransport } from '../../../src/soap/transports/json.js';
import { XmlTransport } from '../../../src/soap/transports/xml.js';
import { fixture } from './fixtures.js';

const jsonFault = (code: string, text = 'x'): SoapFaultError =>
  faultToError({
    Code: { Value: 'soap:Sender' },
    Reason: { Text: text },
    Detail: { Error: { Code: code, _jsns: 'urn:zimbra' } },
  });

describe('faultToError', () => {
  it('maps the real AUTH_FAILED JSON capture', () => {
    const env = new JsonTransport().decode(fixture('fault-auth-failed.json'));
    const err = faultToError(child(env.body, 'Fault')!, { request: 'AuthRequest' });
    expect(err).toBeInstanceOf(SoapFaultError);
    expect(err.code).toBe('ZB_SOAP_FAULT');
    expect(err.faultCode).toBe('account.AUTH_FAILED');
    expect(err.senderOrReceiver).toBe('Sender');
    expect(err.trace).toBe('qtp366590980-155736:1618483353424:124048f45be83bed');
    expect(err.message).toBe('account.AUTH_FAILED: authentication failed for [asd]');
    expect(err.data['request']).toBe('AuthRequest');
    expect(isZimbraBackupError(err, 'account.AUTH_FAILED')).toBe(true);
    expect(isRetryable(err)).toBe(false);
  });

  it('maps the XML and JSON NO_SUCH_ITEM shapes identically', () => {
    const x = faultToError(child(new XmlTransport().decode(fixture('fault-no-such-item.xml')).body, 'Fault')!);
    const j = faultToError(child(new JsonTransport().decode(fixture('fault-no-such-item.json')).body, 'Fault')!);
    for (const err of [x, j]) {
      expect(err).toBeInstanceOf(NoSuchItemError);
      expect(err.faultCode).toBe('mail.NO_SUCH_ITEM');
      expect(err.args).toEqual([{ name: 'itemId', type: 'IID', value: '999' }]);
      expect((err as NoSuchItemError).itemId).toBe('999');
    }
    expect(x.toJSON()).toEqual(j.toJSON());
  });

  it('picks the subclasses callers branch on', () => {
    expect(jsonFault('mail.MUST_RESYNC')).toBeInstanceOf(MustResyncError);
    expect(jsonFault('service.AUTH_EXPIRED')).toBeInstanceOf(AuthExpiredError);
    expect(jsonFault('service.AUTH_REQUIRED')).toBeInstanceOf(AuthExpiredError);
    for (const c of ['mail.NO_SUCH_MSG', 'mail.NO_SUCH_FOLDER', 'mail.NO_SUCH_CONTACT', 'mail.NO_SUCH_UPLOAD'])
      expect(jsonFault(c)).toBeInstanceOf(NoSuchItemError);
    expect(jsonFault('admin.NO_SUCH_WAITSET')).toBeInstanceOf(NoSuchWaitSetError);
    const other = jsonFault('account.NO_SUCH_ACCOUNT');
    expect(other.constructor).toBe(SoapFaultError);
    expect(other.faultCode).toBe('account.NO_SUCH_ACCOUNT');
  });

  it('only TEMPORARILY_UNAVAILABLE is retryable', () => {
    expect(isRetryable(jsonFault('service.TEMPORARILY_UNAVAILABLE'))).toBe(true);
    expect(isRetryable(jsonFault('service.FAILURE'))).toBe(false);
  });

  it('reads Receiver and SOAP 1.1 codes, and survives a fault without Detail', () => {
    const e = faultToError({ Code: { Value: 'soap:Receiver' }, Reason: { Text: 'boom' } });
    expect(e.senderOrReceiver).toBe('Receiver');
    expect(e.faultCode).toBe('unknown');
    expect(faultToError({ faultcode: { _content: 'soap:Client' }, faultstring: 'bad' }).senderOrReceiver).toBe(
      'Sender',
    );
  });

  it('redacts token-looking text from reason and trace', () => {
    const token = '0_0123456789abcdef0123456789abcdef01234567_69643d33363a';
    const e = jsonFault('service.FAILURE', `bad token ${token}`);
    expect(e.message).not.toContain(token);
    expect(JSON.stringify(e)).not.toContain(token);
  });
});
