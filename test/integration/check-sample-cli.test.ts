/**
 * Issue #15: a quick check reported 0 errors with a corrupt blob. That is what a quick check is,
 * so its output now says what it does not verify; `--sample P%` re-hashes a random fraction.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/journal/journal.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { initRepository } from '../../src/repository/repository.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { runMain as cli } from '../helpers/cli.js';

const ACCOUNT = '0d000000-0000-4000-8000-00000000000e';
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('check --sample', () => {
  it('quick check names what it skips; --sample re-hashes a random fraction and finds same-size corruption', async () => {
    dir = await mkdtemp(join(tmpdir(), 'zb-sample-'));
    const repoDir = join(dir, 'repo');
    const backend = new LocalBackend({ root: repoDir });
    const repo = await initRepository({ backend, compression: 'none', formatVersion: 1 });
    const digests: string[] = [];
    for (let i = 0; i < 40; i++) {
      const data = Buffer.from(`message ${i} `.repeat(50));
      digests.push((await repo.blobs.put({ size: data.length, open: () => Readable.from([data]) })).digest);
    }
    const j = await Journal.open({ backend, prefix: accountPrefix(ACCOUNT) });
    await j.commit(
      digests.map((digest, i) => ({
        type: 'item' as const,
        kind: 'message' as const,
        id: String(300 + i),
        modifiedSequence: 1,
        size: Buffer.from(`message ${i} `.repeat(50)).length,
        digest,
      })),
    );
    await j.close();
    // Flip one byte of one blob: same size, wrong content.
    const bad = digests[7]!;
    const path = join(repoDir, 'blobs', bad.slice(0, 2), bad.slice(2, 4), bad);
    const bytes = await readFile(path);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
    await writeFile(path, bytes);

    const quick = await cli(['check', '--repo', repoDir]);
    expect(quick.code).toBe(0);
    expect(quick.out).toContain('0 errors');
    expect(quick.out).toContain('not verified by a quick check: blob contents');

    const five = await cli(['check', '--repo', repoDir, '--sample', '5%', '--json']);
    expect(JSON.parse(five.out)).toMatchObject({ blobsChecked: 40, blobsRehashed: 2, full: false });

    const all = await cli(['check', '--repo', repoDir, '--sample', '100%']);
    expect(all.code).toBe(1);
    expect(all.out).toContain(bad);
    expect(all.out).toContain('sampled: 40 of 40 blobs re-hashed');

    for (const v of ['0%', '150%', 'some', '-1'])
      expect((await cli(['check', '--repo', repoDir, '--sample', v])).code).toBe(2);
    expect((await cli(['check', '--help'])).out).toContain('blob contents are NOT re-hashed');
  });
});
