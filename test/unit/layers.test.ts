/**
 * The import floors as ESLint enforces them (scripts/layers.js, used by eslint.config.js): an
 * upward import fails, written statically, over several lines, as a re-export or as a dynamic
 * `import()`; so do the emulator and store->soap rules. The real tree is checked by
 * `npm run lint` in CI.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// scripts/layers.js is plain JS (the ESLint config loads it without a TS loader).
const layers = (await import(pathToFileURL(join(ROOT, 'scripts/layers.js')).href)) as {
  FLOORS: Readonly<Record<string, number>>;
  layersConfig(root: string): Linter.Config[];
  modulesWithoutFloor(root: string): string[];
};

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fixture(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'zb-layers-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

/** `file:line specifier-rule` for every error the layer rules report under `<root>/src`. */
async function lintLayers(root: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
      ...layers.layersConfig(root),
    ],
  });
  const out: string[] = [];
  for (const r of await eslint.lintFiles(['src'])) {
    for (const m of r.messages)
      out.push(`${relative(root, r.filePath).replaceAll('\\', '/')}:${m.line} ${m.ruleId ?? m.message}`);
  }
  return out.sort();
}

describe('import floors (ESLint, scripts/layers.js)', () => {
  it('reports upward, emulator and store->soap imports: static, multi-line, re-export and dynamic', async () => {
    const root = await fixture({
      'src/store/a.ts': "import { b } from '../backup/b.js';\nexport const a = b;\n",
      'src/backup/b.ts':
        "import { a } from '../store/a.js';\nexport const b = a;\nexport const e = await import('../emulator/e.js');\n",
      'src/journal/c.ts': "export { y } from '../soap/y.js';\n",
      'src/catalog/d.ts': "import {\n  run,\n  type Cmd,\n} from '../cli/main.js';\nexport const d: Cmd = run;\n",
      'src/catalog/dyn.ts': "export const m = () => import('../cli/main.js');\n",
      'src/repository/ok.ts':
        "import { a } from '../store/a.js';\nimport { z } from './z.js';\nimport 'node:fs';\nexport const ok = [a, z];\n",
      'src/repository/z.ts': 'export const z = 1;\n',
      'src/emulator/e.ts': 'export const e = 1;\n',
      'src/soap/y.ts': 'export const y = 1;\n',
      'src/cli/main.ts': "import { e } from '../emulator/e.js';\nexport type Cmd = string;\nexport const run = e;\n",
      'src/errors.ts': "import { z } from './repository/z.js';\nexport const err = z;\n",
    });
    expect(await lintLayers(root)).toEqual([
      'src/backup/b.ts:3 import-x/no-restricted-paths',
      'src/catalog/d.ts:4 import-x/no-restricted-paths',
      'src/catalog/dyn.ts:1 import-x/no-restricted-paths',
      'src/errors.ts:1 import-x/no-restricted-paths',
      'src/journal/c.ts:1 import-x/no-restricted-paths',
      'src/store/a.ts:1 import-x/no-restricted-paths',
    ]);
  });

  it('refuses an import it cannot resolve (it would escape the floors unseen)', async () => {
    const root = await fixture({
      'src/store/a.ts': "import { b } from '../backup/missing.js';\nexport const a = b;\n",
      'src/backup/b.ts': 'export const b = 1;\n',
    });
    expect(await lintLayers(root)).toEqual(['src/store/a.ts:1 import-x/no-unresolved']);
  });

  it('will not load with a src/ module that has no floor', async () => {
    const root = await fixture({ 'src/newthing/n.ts': 'export const n = 1;\n', 'src/store/s.ts': '' });
    expect(layers.modulesWithoutFloor(root)).toEqual(['newthing']);
    expect(() => layers.layersConfig(root)).toThrow(/newthing/);
  });

  it('gives every top-level module of the real src/ a floor', () => {
    expect(layers.modulesWithoutFloor(ROOT)).toEqual([]);
    expect(layers.FLOORS['cli']).toBeGreaterThan(layers.FLOORS['backup']!);
  });
});
