/**
 * Issue #15: `npm pack` of a clean clone shipped no dist/ (no build ran) and `docs/api`. This
 * packs the project as npm does (so `prepack` builds), unpacks the tarball as an installed
 * package in a scratch project whose other dependencies are links to this project's
 * node_modules (offline and fast), imports every subpath of `exports`, and runs the CLI.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('builds on pack, leaves docs/api and tests out, imports every subpath and runs the CLI', async () => {
    dir = await mkdtemp(join(tmpdir(), 'zb-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const files = info!.files.map((f) => f.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/cli/main.js');
    expect(files.filter((f) => f.startsWith('docs/api/') || f.startsWith('test/') || f.startsWith('src/'))).toEqual([]);

    const scratch = join(dir, 'scratch');
    const modules = join(scratch, 'node_modules');
    const pkgDir = join(modules, 'zimbra-backup');
    await mkdir(pkgDir, { recursive: true });
    await run('tar', ['-xzf', join(dir, info!.filename), '-C', pkgDir, '--strip-components=1']);
    for (const name of await readdir(join(root, 'node_modules'))) {
      if (name === 'zimbra-backup' || name.startsWith('.')) continue;
      await symlink(join(root, 'node_modules', name), join(modules, name));
    }
    await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', type: 'module', private: true }));
    const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    const subpaths = Object.keys(pkg.exports)
      .filter((k) => k !== './package.json')
      .map((k) => (k === '.' ? 'zimbra-backup' : `zimbra-backup/${k.slice(2)}`));
    expect(subpaths.length).toBeGreaterThanOrEqual(4);
    const script = `for (const s of ${JSON.stringify(subpaths)}) { const m = await import(s); if (Object.keys(m).length === 0) throw new Error(s + ' exports nothing'); console.log(s, Object.keys(m).length); }`;
    const imported = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: scratch });
    for (const s of subpaths) expect(imported.stdout).toContain(`${s} `);
    const main = await run(
      process.execPath,
      ['-e', "import('zimbra-backup').then((m) => console.log(typeof m.openOrInitRepository))"],
      {
        cwd: scratch,
      },
    );
    expect(main.stdout.trim()).toBe('function');

    // An example, copied beside the installed package, runs as an embedder's script: its
    // `zimbra-backup` and `zimbra-backup/emulator` imports resolve through the tarball's exports
    // (no tsconfig here, so nothing maps them to src/).
    await writeFile(join(scratch, 'restore-item.ts'), await readFile(join(root, 'examples', 'restore-item.ts')));
    const example = await run(process.execPath, ['--import', 'tsx', 'restore-item.ts'], {
      cwd: scratch,
      timeout: 120_000,
    });
    expect(example.stdout.trim().length).toBeGreaterThan(0);

    const help = await run(process.execPath, [join(pkgDir, 'bin', 'zimbra-backup.js'), '--help'], { cwd: scratch });
    expect(help.stdout).toContain('Usage: zimbra-backup <command>');
    expect(help.stdout).toContain('init');
  }, 240_000);
});
