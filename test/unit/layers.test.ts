import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLayers } from '../../scripts/check-layers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
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

describe('import floors (scripts/check-layers.ts)', () => {
  it('the source tree has no upward import', () => {
    expect(checkLayers(ROOT)).toEqual([]);
  });

  it('reports upward, emulator and store->soap imports, static, multi-line and dynamic', async () => {
    const root = await fixture({
      'src/store/a.ts': "import { b } from '../backup/b.js';\nexport const a = b;\n",
      'src/backup/b.ts': "import { x } from '../store/a.js';\nexport const b = await import('../emulator/e.js');\n",
      'src/journal/c.ts': "export { y } from '../soap/y.js';\n",
      'src/catalog/d.ts': "import {\n  run,\n  type Cmd,\n} from '../cli/main.js';\n",
      'src/repository/ok.ts': "import { a } from '../store/a.js';\nimport { z } from './z.js';\nimport 'node:fs';\n",
      'src/emulator/e.ts': 'export const e = 1;\n',
      'src/soap/y.ts': 'export const y = 1;\n',
      'src/cli/main.ts': "import { e } from '../emulator/e.js';\n",
      'src/newthing/n.ts': 'export const n = 1;\n',
    });
    const found = checkLayers(root)
      .map((v) => `${v.file.replaceAll('\\', '/')} ${v.specifier}`)
      .sort();
    expect(found).toEqual([
      'src/backup/b.ts ../emulator/e.js',
      'src/catalog/d.ts ../cli/main.js',
      'src/journal/c.ts ../soap/y.js',
      'src/newthing/n.ts ',
      'src/store/a.ts ../backup/b.js',
    ]);
  });
});
