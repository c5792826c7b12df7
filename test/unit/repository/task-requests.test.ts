/** Task requests to the lock holder (src/repository/task-requests.ts): addressing, expiry, take/withdraw. */
import { describe, expect, it } from 'vitest';
import {
  answerTaskRequest,
  awaitTaskAnswer,
  pendingTaskRequests,
  submitTaskRequest,
  takeTaskRequest,
} from '../../../src/repository/task-requests.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';

const purge = { task: 'purge' as const, retentionMs: 86_400_000 };

async function keys(b: MemoryBackend): Promise<string[]> {
  const out: string[] = [];
  for await (const o of b.list('requests/')) out.push(o.key);
  return out.sort();
}

describe('task requests', () => {
  it('only the addressed lock sees a request; expired ones are deleted unseen', async () => {
    const b = new MemoryBackend();
    let now = 1_800_000_000_000;
    const mine = await submitTaskRequest(b, purge, { lockId: 'L1', ttlMs: 1000, now: () => now });
    await submitTaskRequest(b, purge, { lockId: 'L2', ttlMs: 1000, now: () => now });
    expect((await pendingTaskRequests(b, 'L1', { now: () => now })).map((r) => r.id)).toEqual([mine.id]);
    now += 2000;
    expect(await pendingTaskRequests(b, 'L1', { now: () => now })).toEqual([]);
    expect(await pendingTaskRequests(b, 'L2', { now: () => now })).toEqual([]);
    expect(await keys(b)).toEqual([]);
  });

  it('a taken request is answered once and its objects are cleaned up by the requester', async () => {
    const b = new MemoryBackend();
    const req = await submitTaskRequest(b, purge, { lockId: 'L1', ttlMs: 60_000 });
    const waiting = awaitTaskAnswer(b, req, { pollMs: 5, holderAlive: async () => true });
    const [pending] = await pendingTaskRequests(b, 'L1');
    expect(await takeTaskRequest(b, pending!)).toBe(true);
    // taken: no longer pending
    expect(await pendingTaskRequests(b, 'L1')).toEqual([]);
    await answerTaskRequest(b, {
      format: 'zimbra-backup-request-result',
      version: 1,
      id: req.id,
      done: true,
      ok: true,
      startedMs: 1,
      durationMs: 2,
      result: { versionsRemoved: 3 },
    });
    const answer = await waiting;
    expect(answer).toMatchObject({ ok: true, result: { versionsRemoved: 3 } });
    expect(await keys(b)).toEqual([]);
  });

  it('a withdrawn request is not taken; a holder that goes away leaves "nothing was done"', async () => {
    const b = new MemoryBackend();
    const req = await submitTaskRequest(b, purge, { lockId: 'L1', ttlMs: 60_000 });
    const [pending] = await pendingTaskRequests(b, 'L1');
    await expect(awaitTaskAnswer(b, req, { pollMs: 5, holderAlive: async () => false })).rejects.toMatchObject({
      code: 'ZB_LOCK_HELD',
      message: expect.stringMatching(/nothing was done/),
    });
    expect(await takeTaskRequest(b, pending!)).toBe(false);
    expect(await keys(b)).toEqual([]);
  });

  it('a holder that dies while running the task: outcome unknown (ZB_LOCK_LOST)', async () => {
    const b = new MemoryBackend();
    const req = await submitTaskRequest(b, purge, { lockId: 'L1', ttlMs: 60_000 });
    const [pending] = await pendingTaskRequests(b, 'L1');
    expect(await takeTaskRequest(b, pending!)).toBe(true);
    await expect(awaitTaskAnswer(b, req, { pollMs: 5, holderAlive: async () => false })).rejects.toMatchObject({
      code: 'ZB_LOCK_LOST',
    });
  });
});
