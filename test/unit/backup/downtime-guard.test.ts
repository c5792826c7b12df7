/** The downtime guard of `watch` (src/backup/downtime-guard.ts): warnings on state changes, giving up only past the limit. */
import { describe, expect, it } from 'vitest';
import { untilStoppedOrGivenUp } from '../../../src/backup/downtime-guard.js';
import type { ServerCaptureStatus } from '../../../src/sync/scanner-fleet.js';

function recorder() {
  const lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (o: object | string, m?: string): void =>
      void lines.push({
        level,
        msg: typeof o === 'string' ? o : (m ?? ''),
        fields: typeof o === 'string' ? {} : { ...o },
      });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

const srv = (state: ServerCaptureStatus['state'], sinceMs: number): ServerCaptureStatus => ({
  name: 'mbx1',
  adminUrl: 'https://mbx1:7071',
  state,
  sinceMs,
  signals: 0,
  ...(state === 'failing' ? { lastError: 'ZB_TRANSPORT: connect ECONNREFUSED mbx1' } : {}),
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('downtime guard', () => {
  it('warns when a server fails and when it answers again, and never gives up without a limit', async () => {
    let now = 1_000_000;
    let state = srv('watching', now);
    const { lines, logger } = recorder();
    let changes = 0;
    const ctl = new AbortController();
    const done = untilStoppedOrGivenUp(ctl.signal, {
      status: () => [state],
      onChange: () => changes++,
      logger,
      intervalMs: 5,
      now: () => now,
    });
    await sleep(20);
    expect(lines).toEqual([]);
    state = srv('failing', now);
    now += 10 * 86_400_000; // ten days down: still retrying
    await sleep(20);
    state = srv('watching', now);
    await sleep(20);
    ctl.abort();
    expect(await done).toBeUndefined();
    expect(lines.map((l) => [l.level, l.msg.split(';')[0]])).toEqual([
      ['warn', 'mailbox server unreachable'],
      ['warn', 'mailbox server answers again'],
    ]);
    expect(lines[0]!.fields).toMatchObject({ server: 'mbx1', error: 'ZB_TRANSPORT: connect ECONNREFUSED mbx1' });
    expect(changes).toBe(2);
  });

  it('gives up once a server has failed for the limit, naming it, and not before', async () => {
    let now = 5_000_000;
    const since = now;
    const { lines, logger } = recorder();
    const ctl = new AbortController();
    let settled: unknown = 'pending';
    const done = untilStoppedOrGivenUp(ctl.signal, {
      status: () => [srv('failing', since)],
      maxDowntimeMs: 60_000,
      onChange: () => {},
      logger,
      intervalMs: 5,
      now: () => now,
    }).then((e) => (settled = e));
    now = since + 59_999;
    await sleep(25);
    expect(settled).toBe('pending');
    now = since + 60_000;
    await done;
    const err = settled as { code: string; message: string; data: Record<string, unknown> };
    expect(err.code).toBe('ZB_TRANSPORT');
    expect(err.message).toMatch(
      /^mailbox server mbx1 has been unreachable for 60 s, longer than --max-downtime \(60 s\)/,
    );
    expect(err.data).toMatchObject({ server: 'mbx1', downSinceMs: since, maxDowntimeMs: 60_000 });
    expect(lines.at(-1)).toMatchObject({ level: 'error' });
  });
});
