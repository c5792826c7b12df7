import { describe, expect, it } from 'vitest';
import { runCrashPoints } from '../faults/support/crash-scenario.js';

// The long variant of test/faults/crash-backup.test.ts: ZB_STRESS_POINTS kill points (default
// 100, the minimum), ZB_STRESS_SEED to replay a schedule.
const points = Math.max(100, Number(process.env['ZB_STRESS_POINTS'] ?? 100));
const seed = Number(process.env['ZB_STRESS_SEED'] ?? 7_777);

describe('stress: SIGKILL during backups', () => {
  it(`${points} kill points, then resume and verify after each`, async () => {
    const report = await runCrashPoints({
      points,
      seed,
      accounts: 2,
      messagesPerAccount: 80,
      maxKillDelayMs: 2_000,
      changesPerPoint: 30,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    expect(report.problems).toEqual([]);
    expect(report.points).toBe(points);
    expect(report.killedMidWork).toBeGreaterThanOrEqual(Math.floor(points / 2));
  });
});
