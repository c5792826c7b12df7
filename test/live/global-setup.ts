import type { TestProject } from 'vitest/node';
import { startS3rver } from './setup/s3rver.js';
import { startSlapd } from './setup/slapd.js';

/**
 * Starts the real servers the live suites need, on free loopback ports with throwaway data
 * directories, and stops them afterwards. A missing binary is reported, and is fatal when
 * ZB_REQUIRE_LIVE=1 (CI), so a live suite can never pass by being skipped there.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  for (const start of [startS3rver, startSlapd]) {
    const started = await start();
    for (const [k, v] of Object.entries(started.provide)) project.provide(k as never, v as never);
    stops.push(started.stop);
  }
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
