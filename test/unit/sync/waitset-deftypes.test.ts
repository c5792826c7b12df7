// defTypes on every AdminWaitSet: for an all-accounts set ("AllWaitSet-…") the server looks the set up
// or silently rebuilds it from `seq` with the request's defTypes instead of raising NO_SUCH_WAITSET
// (store/src/java/com/zimbra/cs/service/mail/WaitSetRequest.java, store/src/java/com/zimbra/cs/session/WaitSetMgr.java
// lookupOrCreateForAllAccts); without defTypes the rebuilt set has no interests and never signals.
import { describe, expect, it } from 'vitest';
import { AdminWaitSet, type AdminWaitSetParams } from '../../../src/soap/requests/admin-wait-set.js';
import { RealTimeScanner } from '../../../src/sync/real-time-scanner.js';
import type { ZimbraClient } from '../../../src/soap/zimbra-client.js';

describe('AdminWaitSet defTypes (WaitSetRequest.java, WaitSetMgr.java)', () => {
  it('reads <error id type> as the server writes it (soap/.../type/IdAndType.java), and the documented t', () => {
    const parsed = AdminWaitSet.parse(
      {
        waitSet: 'WaitSet-1',
        seq: '3',
        error: [
          { id: 'a1', type: 'WRONG_HOST_FOR_ACCOUNT' },
          { id: 'a2', t: 'MAILBOX_DELETED' },
        ],
      },
      { waitSetId: 'WaitSet-1', sequence: '2' },
    );
    expect(parsed.errors).toEqual([
      { id: 'a1', type: 'WRONG_HOST_FOR_ACCOUNT' },
      { id: 'a2', type: 'MAILBOX_DELETED' },
    ]);
  });

  it('a canceled answer carries no seq: the request seq is kept (WaitSetRequest.processCallback)', () => {
    const parsed = AdminWaitSet.parse(
      { waitSet: 'WaitSet-1', canceled: true },
      { waitSetId: 'WaitSet-1', sequence: '7' },
    );
    expect(parsed).toMatchObject({ canceled: true, sequence: '7', signals: [] });
  });

  it('is written as the defTypes attribute', () => {
    expect(AdminWaitSet.build({ waitSetId: 'AllWaitSet-1', sequence: '5', defaultTypes: 'all' })).toMatchObject({
      waitSet: 'AllWaitSet-1',
      seq: '5',
      defTypes: 'all',
    });
  });

  it('the scanner sends it on every poll', async () => {
    const polls: AdminWaitSetParams[] = [];
    const ac = new AbortController();
    const fake = {
      createWaitSet: async () => ({ waitSetId: 'AllWaitSet-7', defaultTypes: 'all', sequence: '0', errors: [] }),
      waitSet: async (p: AdminWaitSetParams) => {
        polls.push(p);
        if (polls.length >= 3) ac.abort();
        return { waitSetId: p.waitSetId, sequence: String(polls.length), canceled: false, signals: [], errors: [] };
      },
      destroyWaitSet: async () => undefined,
    } as unknown as ZimbraClient;
    const scanner = new RealTimeScanner({ client: fake, onChange: () => undefined });
    await scanner.run(ac.signal).catch(() => undefined);
    expect(polls.length).toBeGreaterThanOrEqual(3);
    for (const p of polls) expect(p.defaultTypes).toBe('all');
  });
});
