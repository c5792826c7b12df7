/**
 * Every example in examples/ runs as a user would run it (`npx tsx examples/<name>.ts`) against
 * the bundled emulator, and exits 0. Keeps the README's promises and the examples honest.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const examples = readdirSync(join(root, 'examples'))
  .filter((f) => f.endsWith('.ts'))
  .sort();

describe('examples', () => {
  it.each(examples)(
    '%s runs against the emulator',
    async (file) => {
      const env = { ...process.env };
      for (const k of ['ZB_SERVER', 'ZB_MAIL_URL', 'ZB_ADMIN', 'ZB_PASSWORD_FILE', 'ZB_REPO']) delete env[k];
      // quick-start ends by serving the web console until Ctrl-C; here it must exit.
      env['ZB_NO_CONSOLE'] = '1';
      const { stdout } = await run(process.execPath, ['--import', 'tsx', join('examples', file)], {
        cwd: root,
        env,
        timeout: 120_000,
      });
      expect(stdout.trim().length).toBeGreaterThan(0);
    },
    150_000,
  );
});
