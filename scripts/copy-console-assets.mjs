// `npm run build` step: the console's browser files are not TypeScript, so tsc does not copy them.
import { cpSync, rmSync } from 'node:fs';

rmSync('dist/console/web', { recursive: true, force: true });
cpSync('src/console/web', 'dist/console/web', { recursive: true });
