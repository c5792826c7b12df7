import { describe, expect, it } from 'vitest';
import { ZimbraBackupError } from '../../../src/errors.js';
import { faultToError } from '../../../src/soap/faults.js';
import type { ZimbraClient } from '../../../src/soap/zimbra-client.js';
import { RealTimeScanner } from '../../../src/sync/real-time-scanner.js';

// A fake at the typed SOAP boundary (createWaitSet / waitSet / destroyWaitSet): the scanner's loop
// (create, poll with the last sequence, recreate, back off) is under test, not the wire.

type Poll = { signals?: Array<{ id: string; changeId?: number }>; sequence?: string } | Error;

function fakeClient(polls: Poll[]) {
  const log: string[] = [];
  let n = 0;
  const client = {
    createWaitSet: async (p: { allAccounts?: boolean }) => {
      n++;
      log.push(`create ws${n}${p.allAccounts ? ' all' : ''}`);
      return { waitSetId: `ws${n}`, sequence: '0' };
    },
    waitSet: (p: { waitSetId: string; sequence: string; block: boolean }, o: { signal: AbortSignal }) => {
      log.push(`poll ${p.waitSetId} seq=${p.sequence}`);
      const next = polls.shift();
      if (next === undefined)
        // Nothing scripted: a blocked poll, until the scanner stops.
        return new Promise((_, reject) =>
          o.signal.addEventListener('abort', () => reject(new ZimbraBackupError('aborted', { code: 'ZB_ABORTED' }))),
        );
      if (next instanceof Error) return Promise.reject(next);
      return Promise.resolve({
        sequence: next.sequence ?? p.sequence,
        canceled: false,
        signals: (next.signals ?? []).map((s) => ({ id: s.id, changeId: s.changeId })),
        errors: [],
      });
    },
    destroyWaitSet: async (id: string) => {
      log.push(`destroy ${id}`);
    },
  } as unknown as ZimbraClient;
  return { client, log };
}

/** Runs the scanner until `until()` holds (checked every few ms), then stops it. */
async function runUntil(scanner: RealTimeScanner, until: () => boolean): Promise<void> {
  const ac = new AbortController();
  const done = scanner.run(ac.signal);
  const t0 = Date.now();
  while (!until() && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
  ac.abort();
  await done;
}

// WaitSetRequest.java: the server answers NO_SUCH_WAITSET for a WaitSet it dropped (idle timeout).
const lost = (): Error =>
  faultToError({
    Code: { Value: 'soap:Sender' },
    Reason: { Text: 'gone' },
    Detail: { Error: { Code: 'admin.NO_SUCH_WAITSET' } },
  });

describe('RealTimeScanner', () => {
  it('signals changed accounts, polls on from the last sequence, and destroys its WaitSet on stop', async () => {
    const { client, log } = fakeClient([{ signals: [{ id: 'acct-a', changeId: 7 }], sequence: '12' }]);
    const changes: Array<[string, number | undefined]> = [];
    const resets: string[] = [];
    const s = new RealTimeScanner({
      client,
      onChange: (id, c) => changes.push([id, c]),
      onReset: (r) => resets.push(r),
    });
    await runUntil(s, () => log.length >= 3);
    expect(changes).toEqual([['acct-a', 7]]);
    expect(resets).toEqual(['created']);
    expect(log).toEqual(['create ws1 all', 'poll ws1 seq=0', 'poll ws1 seq=12', 'destroy ws1']);
    expect(s.stats).toMatchObject({ polls: 1, signals: 1, recreated: 0, failures: 0 });
  });

  it('recreates a lost WaitSet at once and asks for a catch-up (onReset recreated), without counting a failure', async () => {
    const { client, log } = fakeClient([lost()]);
    const resets: string[] = [];
    const s = new RealTimeScanner({ client, onChange: () => {}, onReset: (r) => resets.push(r), retryDelayMs: 60_000 });
    await runUntil(s, () => resets.length >= 2);
    expect(resets).toEqual(['created', 'recreated']);
    expect(log.slice(0, 3)).toEqual(['create ws1 all', 'poll ws1 seq=0', 'create ws2 all']);
    expect(s.stats).toMatchObject({ recreated: 1, failures: 0 });
    expect(s.lastError).toBeUndefined();
  });

  it('backs off after a failed poll, reports the error, and starts over with a new WaitSet', async () => {
    const down = new ZimbraBackupError('connect ECONNREFUSED', { code: 'ZB_TRANSPORT' });
    const { client } = fakeClient([down]);
    const resets: string[] = [];
    const s = new RealTimeScanner({ client, onChange: () => {}, onReset: (r) => resets.push(r), retryDelayMs: 5 });
    await runUntil(s, () => resets.length >= 2);
    expect(s.stats.failures).toBe(1);
    expect(s.lastError).toContain('ECONNREFUSED');
    expect(resets).toEqual(['created', 'recreated']);
  });
});
