import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBackendConformance } from '../../conformance/backend-suite.js';
import { MemoryBackend } from '../../../src/store/backends/memory.js';
import { LocalBackend } from '../../../src/store/backends/local.js';

runBackendConformance('memory', { create: async () => new MemoryBackend() });

runBackendConformance('local', {
  create: async () => new LocalBackend({ root: await mkdtemp(join(tmpdir(), 'zb-local-')) }),
  cleanup: async (b) => rm((b as LocalBackend).root, { recursive: true, force: true }),
});
