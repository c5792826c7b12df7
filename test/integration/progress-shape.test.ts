import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { BackupEngine } from '../../src/backup/backup-engine.js';
import type { BackupProgress } from '../../src/backup/progress.js';
import { buildCorpus } from '../../src/emulator/seed/index.js';
import { exportArchive, type ExportProgress } from '../../src/export/export-archive.js';
import type { ImportProgress } from '../../src/import/import-repository.js';
import type { ProgressEvent } from '../../src/internal/progress.js';
import { checkRepository } from '../../src/maintenance/check.js';
import type { MigrateOptions } from '../../src/maintenance/migrate.js';
import type { CheckProgress, PurgeProgress } from '../../src/maintenance/types.js';
import type { RestoreProgress } from '../../src/restore/types.js';
import { backupFixture, type BackupFixture } from './backup-helpers.js';

let fx: BackupFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** True when `e` has the common shape: a phase, a count, and what it counts. */
function common(e: { phase?: unknown; loaded?: unknown; total?: unknown; unit?: unknown }): boolean {
  return (
    typeof e.phase === 'string' &&
    typeof e.loaded === 'number' &&
    typeof e.unit === 'string' &&
    (e.total === undefined || typeof e.total === 'number')
  );
}

describe('one progress-event shape { phase, loaded, total, unit }', () => {
  it('every long operation declares it', () => {
    expectTypeOf<BackupProgress>().toMatchTypeOf<ProgressEvent>();
    expectTypeOf<RestoreProgress>().toMatchTypeOf<ProgressEvent>(); // restore, undelete, import per account
    expectTypeOf<ExportProgress>().toMatchTypeOf<ProgressEvent>();
    expectTypeOf<ImportProgress>().toMatchTypeOf<ProgressEvent>();
    expectTypeOf<CheckProgress>().toMatchTypeOf<ProgressEvent>();
    expectTypeOf<PurgeProgress>().toMatchTypeOf<ProgressEvent>();
    expectTypeOf<Parameters<NonNullable<MigrateOptions['onProgress']>>[0]>().toMatchTypeOf<ProgressEvent>();
  });

  it('backup, export and check emit it at run time', async () => {
    fx = await backupFixture();
    const { emu, client, repo } = fx;
    await emu.seed(buildCorpus({ seed: 5, accounts: 2, messagesPerAccount: 4, domain: 'example.test' }));
    const backup: BackupProgress[] = [];
    await new BackupEngine({ client, repository: repo, onProgress: (p) => backup.push(p) }).run();
    expect(backup.length).toBeGreaterThan(0);
    expect(backup.filter((e) => !common(e))).toEqual([]);
    // Per-account events count items; the pass counts accounts.
    expect(new Set(backup.map((e) => e.unit))).toEqual(new Set(['accounts', 'items']));

    const exported: ExportProgress[] = [];
    const out = new PassThrough();
    out.resume();
    await exportArchive({ repo, out, onProgress: (p) => exported.push(p) });
    expect(exported.length).toBeGreaterThan(0);
    expect(exported.filter((e) => !common(e))).toEqual([]);

    const checked: CheckProgress[] = [];
    await checkRepository({ repository: repo, onProgress: (p) => checked.push(p) });
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.filter((e) => !common(e))).toEqual([]);
  });
});
