/**
 * Every example in examples/ runs as a user would run it (`npx tsx examples/<name>.ts`) against
 * the bundled emulator, and exits 0. Keeps the README's promises and the examples honest.
 *
 * Examples import the package by name (`zimbra-backup`, `zimbra-backup/emulator`, ...), as an
 * embedder would (issue #15). In a clone that has no dist/ yet, tsx resolves those names to src/
 * through the `paths` of tsconfig.json (which also type-checks them against src/); an installed
 * package resolves them through its `exports` (test/integration/pack-install.test.ts).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const examples = readdirSync(join(root, 'examples'))
  .filter((f) => f.endsWith('.ts'))
  .sort();

describe('examples', () => {
  it('import the package by its public names only', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const publicNames = new Set(Object.keys(pkg.exports).map((k) => k.replace(/^\./, 'zimbra-backup')));
    const tsconfig = readFileSync(join(root, 'tsconfig.json'), 'utf8');
    for (const file of examples) {
      const text = readFileSync(join(root, 'examples', file), 'utf8');
      const specs = [...text.matchAll(/^import [^;]*? from '([^']+)';/gms)].map((m) => m[1] as string);
      expect(specs.length, file).toBeGreaterThan(0);
      for (const spec of specs) {
        if (spec.startsWith('node:')) continue;
        // Nothing reaches into the source tree: only what `exports` publishes.
        expect(publicNames.has(spec), `${file} imports ${spec}`).toBe(true);
        // ...and every such name resolves to src/ in a clone without dist/.
        expect(tsconfig, `tsconfig.json paths lack ${spec}`).toContain(`"${spec}": [`);
      }
    }
  });

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
