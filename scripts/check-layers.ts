/**
 * The import-boundary check: every import inside `src/` must point down a floor or stay on its
 * own floor (DESIGN.md; issue #14), so an upward import fails CI.
 *
 * ```text
 * cli
 *  -> export, import, restore, maintenance, catalog, console, daemon, testing
 *  -> backup
 *  -> repository, journal, directory, sync, rest
 *  -> store, soap, emulator
 *  -> internal, errors
 * ```
 * Besides the floors: only `cli` may import the emulator (it shares no wire code with the
 * client), and store/journal never import soap or rest. Dependency-free (a regex over import
 * specifiers, not a full parser): ESLint with typescript-eslint is the planned replacement.
 *
 * Run: `npx tsx scripts/check-layers.ts [root]` (exit 1 and one line per violation).
 * @module
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Floor of each top-level module of `src/` (higher imports lower). */
export const FLOORS: Readonly<Record<string, number>> = {
  internal: 0,
  'errors.ts': 0,
  store: 1,
  soap: 1,
  emulator: 1,
  repository: 2,
  journal: 2,
  directory: 2,
  sync: 2,
  rest: 2,
  backup: 3,
  export: 4,
  import: 4,
  restore: 4,
  maintenance: 4,
  catalog: 4,
  console: 4,
  daemon: 4,
  testing: 4,
  cli: 5,
  'index.ts': 6,
};

/** Imports refused even when the floors allow them: importer -> imported modules. */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  store: ['soap', 'rest', 'emulator'],
  journal: ['soap', 'rest', 'emulator'],
  soap: ['emulator'],
};

/** One import that breaks the floors. */
export interface LayerViolation {
  /** Importing file, relative to the root. */
  file: string;
  /** The specifier as written. */
  specifier: string;
  reason: string;
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function moduleOf(srcDir: string, file: string): string | undefined {
  const rel = relative(srcDir, file);
  if (rel.startsWith('..')) return undefined;
  return rel.split(sep)[0];
}

function* tsFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) yield p;
  }
}

/** Lists every import under `<root>/src` that breaks the floors. */
export function checkLayers(root: string): LayerViolation[] {
  const srcDir = join(root, 'src');
  const out: LayerViolation[] = [];
  for (const file of tsFiles(srcDir)) {
    const from = moduleOf(srcDir, file) as string;
    const fromFloor = FLOORS[from];
    const text = readFileSync(file, 'utf8');
    const rel = relative(root, file);
    if (fromFloor === undefined) {
      out.push({ file: rel, specifier: '', reason: `module ${from} has no floor (add it to FLOORS)` });
      continue;
    }
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = (m[1] ?? m[2]) as string;
      if (!spec.startsWith('.')) continue;
      const to = moduleOf(srcDir, resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      if (to === undefined || to === from) continue;
      const toFloor = FLOORS[to];
      if (toFloor === undefined) out.push({ file: rel, specifier: spec, reason: `module ${to} has no floor` });
      else if (toFloor > fromFloor)
        out.push({
          file: rel,
          specifier: spec,
          reason: `${from} (floor ${fromFloor}) imports up into ${to} (floor ${toFloor})`,
        });
      else if (to === 'emulator' && from !== 'cli' && from !== 'index.ts')
        out.push({ file: rel, specifier: spec, reason: `only the CLI may import the emulator (${from} does)` });
      else if (FORBIDDEN[from]?.includes(to))
        out.push({ file: rel, specifier: spec, reason: `${from} must not import ${to}` });
    }
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const violations = checkLayers(root);
  for (const v of violations) console.error(`${v.file}: ${v.specifier ? `'${v.specifier}': ` : ''}${v.reason}`);
  if (violations.length > 0) process.exit(1);
  console.log('layers: every import points down a floor');
}
