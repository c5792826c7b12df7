/**
 * The browser side: the page, its modules and stylesheet (from `web/`, copied next to this file
 * by `npm run build`) and the vendored modules (Preact, htm, uPlot) served straight from the
 * installed packages, so nothing is fetched from a CDN and no bundler runs. Only files known at
 * start are served: a request path is a lookup key, never a file system path.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appCsp, scriptHash } from './security/headers.js';

/** One servable file. */
export interface StaticFile {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
};

const require = createRequire(import.meta.url);

function packageFile(pkg: string, file: string): Buffer {
  // Resolve the package's entry, then walk up to its own folder (exports maps may hide package.json).
  let dir = dirname(require.resolve(pkg));
  while (!dir.endsWith(`${sep}node_modules${sep}${pkg.split('/').join(sep)}`) && dirname(dir) !== dir)
    dir = dirname(dir);
  return readFileSync(join(dir, file));
}

/** Vendored modules: URL path -> [package, file inside it]. */
const VENDOR: Record<string, [string, string]> = {
  '/vendor/preact.mjs': ['preact', 'dist/preact.mjs'],
  '/vendor/preact-hooks.mjs': ['preact', 'hooks/dist/hooks.mjs'],
  '/vendor/htm.mjs': ['htm', 'dist/htm.mjs'],
  '/vendor/uplot.mjs': ['uplot', 'dist/uPlot.esm.js'],
  '/vendor/uplot.css': ['uplot', 'dist/uPlot.min.css'],
};

const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: '/vendor/preact.mjs',
    'preact/hooks': '/vendor/preact-hooks.mjs',
    htm: '/vendor/htm.mjs',
    uplot: '/vendor/uplot.mjs',
  },
});

function walk(root: string, dir = root, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(root, p, out);
    else out.push(relative(root, p).split(sep).join('/'));
  }
  return out;
}

/** Everything the console serves besides the API, and the page's CSP. */
export interface StaticAssets {
  files: ReadonlyMap<string, StaticFile>;
  /** The HTML page (with the import map inlined). */
  page: string;
  /** Its Content-Security-Policy. */
  csp: string;
}

/** Loads the assets once, at start (they are small). */
export function loadStaticAssets(webDir = fileURLToPath(new URL('./web/', import.meta.url))): StaticAssets {
  const files = new Map<string, StaticFile>();
  let page = '';
  for (const rel of walk(webDir)) {
    const ext = rel.slice(rel.lastIndexOf('.'));
    const body = readFileSync(join(webDir, rel));
    if (rel === 'index.html') page = body.toString('utf8');
    else if (TYPES[ext]) files.set(`/${rel}`, { body, type: TYPES[ext] });
  }
  for (const [path, [pkg, file]] of Object.entries(VENDOR)) {
    files.set(path, { body: packageFile(pkg, file), type: TYPES[path.slice(path.lastIndexOf('.'))]! });
  }
  page = page.replace('<!--IMPORTMAP-->', `<script type="importmap">${IMPORT_MAP}</script>`);
  return { files, page, csp: appCsp(scriptHash(IMPORT_MAP)) };
}
