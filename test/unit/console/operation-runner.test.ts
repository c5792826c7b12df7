/** How the console's operation runner names the end of an operation (the status the history and the UI show). */
import { describe, expect, it } from 'vitest';
import { OperationRunner } from '../../../src/console/operations/runner.js';
import { silentLogger } from '../../../src/internal/logger.js';
import { initRepository } from '../../../src/repository/repository.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';

async function ended(body: () => Promise<unknown>): Promise<string> {
  const repository = await initRepository({ backend: new MemoryBackend() });
  const runner = new OperationRunner({ repository, logger: silentLogger });
  const rec = runner.start({ kind: 'restore-account', user: 'admin', summary: 'test', params: {} }, body);
  await runner.settled(rec.id);
  return runner.get(rec.id)!.status;
}

describe('OperationRunner status', () => {
  it('a result that lists failed items is partial, never succeeded (the CLI exits 1 for it)', async () => {
    expect(
      await ended(async () => ({ counts: {}, failures: [{ kind: 'note', id: '7', code: 'ZB_UNSUPPORTED' }] })),
    ).toBe('partial');
    expect(await ended(async () => ({ counts: {}, failures: [] }))).toBe('succeeded');
    expect(await ended(async () => ({ accounts: 2 }))).toBe('succeeded');
    expect(
      await ended(async () => {
        throw new Error('boom');
      }),
    ).toBe('failed');
  });
});
