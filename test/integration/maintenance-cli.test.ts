/** `zimbra-backup check` and `purge` through the CLI entry point, on a local repository. */
import { mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/journal/journal.js';
import { accountPrefix } from '../../src/repository/layout.js';
import { initRepository } from '../../src/repository/repository.js';
import { LocalBackend } from '../../src/store/backends/local.js';
import { runMain as cli } from '../helpers/cli.js';

const ACCOUNT = '0d000000-0000-4000-8000-00000000000d';
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('check and purge CLI', () => {
  it('check exits 0 when clean and 1 with problems; purge --dry-run then purge reclaim space', async () => {
    dir = await mkdtemp(join(tmpdir(), 'zb-maint-cli-'));
    const repoDir = join(dir, 'repo');
    // Format 1 (still read and maintained); format 2 runs through the CLI in test/faults/crash-purge.test.ts.
    const repo = await initRepository({
      backend: new LocalBackend({ root: repoDir }),
      compression: 'none',
      formatVersion: 1,
    });
    const put = async (t: string) => {
      const data = Buffer.from(t.repeat(100));
      return repo.blobs.put({ size: data.length, open: () => Readable.from([data]) });
    };
    const [old, cur] = [await put('old'), await put('cur')];
    const j = await Journal.open({ backend: repo.backend, prefix: accountPrefix(ACCOUNT) });
    const now = Date.now();
    await j.commit(
      [{ type: 'item', kind: 'message', id: '257', modifiedSequence: 1, size: old.size, digest: old.digest }],
      { captureMs: now - 40 * 86_400_000 },
    );
    await j.commit(
      [{ type: 'item', kind: 'message', id: '257', modifiedSequence: 2, size: cur.size, digest: cur.digest }],
      { captureMs: now - 35 * 86_400_000 },
    );
    await j.close();

    const clean = await cli(['check', '--repo', repoDir, '--full', '--json']);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.out)).toMatchObject({ ok: true, blobsChecked: 2, full: true });

    const dry = await cli(['purge', '--repo', repoDir, '--retention', '30d', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.out)).toMatchObject({ dryRun: true, versionsRemoved: 1, blobsRemoved: 1 });
    const real = await cli(['purge', '--repo', repoDir, '--retention', '30d']);
    expect(real.code).toBe(0);
    expect(real.out).toMatch(/^removed 1 item versions .* 1 unreferenced blobs; 0\.0 MB reclaimed; 1 blobs kept/);

    // Truncate the remaining (uncompressed) blob: the quick check sees it from its length.
    const blobPath = join(repoDir, 'blobs', cur.digest.slice(0, 2), cur.digest.slice(2, 4), cur.digest);
    expect(await readdir(join(repoDir, 'blobs', cur.digest.slice(0, 2), cur.digest.slice(2, 4)))).toContain(cur.digest);
    await truncate(blobPath, 30);
    const bad = await cli(['check', '--repo', repoDir]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`ERROR size-mismatch ${cur.digest}`);
    expect(bad.out).toContain(`${ACCOUNT} items 257`);

    const badRetention = await cli(['purge', '--repo', repoDir, '--retention', 'soon']);
    expect(badRetention.code).not.toBe(0);
    expect(badRetention.err).toContain('ZB_INVALID_ARGUMENT');
  });
});
