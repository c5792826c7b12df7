/**
 * Issue #15: purge refuses a retention below the stated minimum (1d) without --force, and
 * refuses ambiguous units before touching the repository.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initRepository } from '../../src/repository/repository.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { runMain as cli } from '../helpers/cli.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('purge --retention', () => {
  it('refuses 1m, bare numbers and short retentions without --force; accepts them with it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'zb-retention-'));
    await initRepository({ backend: new LocalBackend({ root: dir }) });
    const ambiguous = await cli(['purge', '--repo', dir, '--retention', '1m']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.err).toMatch(/ZB_INVALID_ARGUMENT: --retention "1m": "m" is ambiguous/);
    const bare = await cli(['purge', '--repo', dir, '--retention', '30']);
    expect(bare.code).toBe(2);
    expect(bare.err).toMatch(/a number needs a unit/);

    const short = await cli(['purge', '--repo', dir, '--retention', '12h', '--dry-run']);
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/--retention 12h is shorter than the minimum of 1d.*--force/);
    const shortAccounts = await cli([
      'purge',
      '--repo',
      dir,
      '--retention',
      '30d',
      '--deleted-accounts-retention',
      '90min',
    ]);
    expect(shortAccounts.code).toBe(2);
    expect(shortAccounts.err).toMatch(/--deleted-accounts-retention 90min is shorter than the minimum/);

    const forced = await cli(['purge', '--repo', dir, '--retention', '12h', '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.out)).toMatchObject({ dryRun: false });
    const day = await cli(['purge', '--repo', dir, '--retention', '1d', '--dry-run', '--json']);
    expect(day.code).toBe(0);
    const forever = await cli(['purge', '--repo', dir, '--retention', '0', '--json']);
    expect(JSON.parse(forever.out).cutoffMs).toBeUndefined();

    const help = await cli(['purge', '--help']);
    expect(help.out).toContain('a retention under 1d is refused without --force');
  });
});
