/**
 * The import floors of `src/` (DESIGN.md; issue #14), as ESLint configuration: every import
 * inside `src/` points down a floor or stays on its own floor, so an upward import fails
 * `npm run lint` (and CI).
 *
 * ```text
 * cli
 *  -> export, import, restore, maintenance, catalog, console, daemon, testing
 *  -> backup
 *  -> repository, journal, directory, sync, rest
 *  -> store, soap, emulator
 *  -> internal, errors
 * ```
 * Besides the floors: only `cli` (and the package entry) may import the emulator (it shares no
 * wire code with the client), store/journal never import soap, rest or the emulator, and soap
 * never imports the emulator.
 *
 * Enforced with eslint-plugin-import-x's `no-restricted-paths` (static, re-export, multi-line
 * and dynamic `import()` alike, on the resolved file, so `../x/../y` tricks do not escape it) plus
 * `no-unresolved` on `src/`: an import the resolver cannot follow would otherwise pass the zone
 * check unseen. A top-level entry of `src/` without a floor makes the config refuse to load.
 *
 * Plain JavaScript (with JSDoc types) because `eslint.config.js` imports it without a TS loader.
 * @module
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import importXPlugin, { createNodeResolver } from 'eslint-plugin-import-x';

/**
 * Floor of each top-level entry of `src/` (higher imports lower).
 * @type {Readonly<Record<string, number>>}
 */
export const FLOORS = {
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

/**
 * Imports refused even when the floors allow them: importer -> imported modules.
 * @type {Readonly<Record<string, readonly string[]>>}
 */
export const FORBIDDEN = {
  store: ['soap', 'rest', 'emulator'],
  journal: ['soap', 'rest', 'emulator'],
  soap: ['emulator'],
};

/** Modules allowed to import the emulator. */
const EMULATOR_IMPORTERS = ['cli', 'index.ts'];

/**
 * Top-level entries of `<root>/src` (folders, and `.ts` files at the top) that have no floor.
 * @param {string} root
 * @returns {string[]}
 */
export function modulesWithoutFloor(root) {
  return readdirSync(join(root, 'src'), { withFileTypes: true })
    .filter((d) => d.isDirectory() || /\.m?ts$/.test(d.name))
    .map((d) => d.name)
    .filter((name) => !(name in FLOORS));
}

/**
 * The `no-restricted-paths` zones: for each module, the modules it must not import.
 * @returns {Array<{ target: string; from: string[]; message: string }>}
 */
export function layerZones() {
  const names = Object.keys(FLOORS);
  const zones = [];
  for (const from of names) {
    const refused = new Map();
    for (const to of names) {
      if (to === from) continue;
      if (FLOORS[to] > FLOORS[from]) refused.set(to, 'upward');
      else if (to === 'emulator' && !EMULATOR_IMPORTERS.includes(from)) refused.set(to, 'emulator');
      else if (FORBIDDEN[from]?.includes(to)) refused.set(to, 'forbidden');
    }
    if (refused.size === 0) continue;
    zones.push({
      target: `src/${from}`,
      from: [...refused.keys()].map((to) => `src/${to}`),
      message:
        `${from} (floor ${FLOORS[from]}) may import only lower floors; ` +
        `only cli imports the emulator; store/journal never import soap/rest (scripts/layers.js).`,
    });
  }
  return zones;
}

/**
 * The flat-config block enforcing the floors on `<root>/src`.
 * @param {string} root absolute path of the project (zones are resolved against it)
 * @returns {import('eslint').Linter.Config[]}
 */
export function layersConfig(root) {
  const missing = modulesWithoutFloor(root);
  if (missing.length > 0)
    throw new Error(`src/ entries without an import floor (add them to FLOORS in scripts/layers.js): ${missing}`);
  return [
    {
      name: 'zimbra-backup/layers',
      files: ['src/**/*.ts'],
      plugins: { 'import-x': /** @type {any} */ (importXPlugin) },
      settings: {
        'import-x/resolver-next': [
          // Sources import `./x.js` for `./x.ts` (NodeNext); map it back as tsc does.
          createNodeResolver({
            extensions: ['.ts', '.mts', '.js', '.mjs', '.json', '.node'],
            extensionAlias: { '.js': ['.ts', '.js'], '.mjs': ['.mts', '.mjs'] },
          }),
        ],
      },
      rules: {
        'import-x/no-restricted-paths': ['error', { basePath: root, zones: layerZones() }],
        // An import the resolver cannot follow would pass the zone check unseen.
        'import-x/no-unresolved': ['error', { ignore: ['^node:'] }],
      },
    },
  ];
}
