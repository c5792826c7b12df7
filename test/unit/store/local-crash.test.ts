import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalBackend } from '../../../src/store/backends/local.js';
import { initRepository, openRepository } from '../../../src/repository/repository.js';

const LOCAL = fileURLToPath(new URL('../../../src/store/backends/local.ts', import.meta.url));

describe('LocalBackend under kill -9', () => {
  it('a process killed mid-put leaves only an invisible temp file; the repository still opens', async () => {
    const root = await mkdtemp(join(tmpdir(), 'zb-crash-'));
    try {
      await initRepository({ backend: new LocalBackend({ root }), compression: 'none' });
      const script = join(root, '..', `${root.split('/').pop()}-child.mts`);
      await writeFile(
        script,
        `
        import { Readable } from 'node:stream';
        import { LocalBackend } from ${JSON.stringify(LOCAL)};
        const b = new LocalBackend({ root: ${JSON.stringify(root)} });
        async function* forever() {
          for (let i = 0; ; i++) {
            yield Buffer.alloc(65536, i);
            if (i === 3) process.stdout.write('writing\\n');
            await new Promise((r) => setTimeout(r, 5));
          }
        }
        await b.put('blobs/ab/cd/victim', { open: () => Readable.from(forever()) });
      `,
      );
      const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((ok, fail) => {
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('writing')) ok();
        });
        child.on('exit', (code) => fail(new Error(`child exited early (${code})`)));
      });
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGKILL');
      await exited;
      await rm(script, { force: true });

      const backend = new LocalBackend({ root });
      const entries = await readdir(join(root, 'blobs', 'ab', 'cd'));
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatch(/^\.victim\.tmp-/);
      expect(await backend.stat('blobs/ab/cd/victim')).toBeUndefined();
      const keys: string[] = [];
      for await (const o of backend.list('')) keys.push(o.key);
      expect(keys).toEqual(['FORMAT']);
      await openRepository({ backend });
      expect(await backend.removeStaleTempFiles(0)).toBe(1);
      expect(await readdir(join(root, 'blobs', 'ab', 'cd'))).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 30_000);
});
