import { describe, expect, it } from 'vitest';
import { serverUrlsFromArgs } from '../../../src/cli/commands/backup.js';

describe('--server-url NAME=URL', () => {
  it('maps mailbox server names to admin origins', () => {
    expect(
      serverUrlsFromArgs(['mail1.example.com=https://10.0.0.1:7071', 'mail2.example.com=http://127.0.0.1:8071/']),
    ).toEqual({ 'mail1.example.com': 'https://10.0.0.1:7071', 'mail2.example.com': 'http://127.0.0.1:8071' });
    expect(serverUrlsFromArgs(undefined)).toBeUndefined();
  });

  it('refuses a malformed entry without echoing it (it may hold credentials)', () => {
    for (const bad of [
      'nourl',
      '=https://x:7071',
      'a=ftp://x',
      'a=https://x:7071/service/admin',
      'a=https://u:secret@x:7071',
    ]) {
      let message = '';
      try {
        serverUrlsFromArgs([bad]);
      } catch (err) {
        message = (err as Error).message;
        expect((err as { code?: string }).code).toBe('ZB_INVALID_ARGUMENT');
      }
      expect(message).toMatch(/--server-url wants/);
      expect(message).not.toContain('secret');
    }
  });
});
