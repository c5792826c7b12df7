import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// The long reliability variants (issue 7, `npm run test:stress`), never part of `npm test`:
// `npx vitest run --config test/stress/vitest.config.ts`.
export default defineConfig({
  root: resolve(import.meta.dirname, '../..'),
  test: {
    include: ['test/stress/**/*.stress.test.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 120_000,
    // One heavy suite at a time: they measure crash behaviour, not the scheduler of a loaded box.
    fileParallelism: false,
  },
});
