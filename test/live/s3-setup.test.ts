/**
 * The live S3 setup must never let a suite pass by skipping in CI: a server that cannot start is
 * reported with a reason naming the npm package, and is fatal under ZB_REQUIRE_LIVE=1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startS3rver } from './setup/s3rver.js';

const saved = process.env['ZB_REQUIRE_LIVE'];
afterEach(() => {
  if (saved === undefined) delete process.env['ZB_REQUIRE_LIVE'];
  else process.env['ZB_REQUIRE_LIVE'] = saved;
});

describe('startS3rver when s3rver cannot start', () => {
  it('provides an "unavailable" reason naming s3rver and its output', async () => {
    delete process.env['ZB_REQUIRE_LIVE'];
    const started = await startS3rver({ bin: '/nonexistent/zb-test/s3rver.js' });
    const reason = started.provide.s3.unavailable;
    expect(reason).toMatch(/s3rver@3\.7\.1 failed to start/);
    expect(reason).toMatch(/Cannot find module/);
    await started.stop();
  });

  it('throws instead under ZB_REQUIRE_LIVE=1', async () => {
    process.env['ZB_REQUIRE_LIVE'] = '1';
    await expect(startS3rver({ bin: '/nonexistent/zb-test/s3rver.js' })).rejects.toThrow(
      /ZB_REQUIRE_LIVE=1.*s3rver@3\.7\.1/s,
    );
  });
});
