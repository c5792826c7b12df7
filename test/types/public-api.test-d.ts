/**
 * Type tests of the main public signatures, as an embedder imports them (`zimbra-backup`, mapped
 * to src/ by tsconfig paths). Checked by the compiler only: the `types` vitest project runs them
 * in typecheck mode (`npm test`), and `tsc --noEmit -p tsconfig.json` (CI) covers test/ too, so a
 * signature that drifts fails both. The `@ts-expect-error` lines pin what must NOT compile (an
 * option missing, a zone-less string where a time is asked for, a wrong enum value).
 */
import type { Readable, Writable } from 'node:stream';
import { describe, expectTypeOf, it } from 'vitest';
import {
  BackupEngine,
  checkRepository,
  exportArchive,
  importArchive,
  importRepository,
  migrateRepository,
  openOrInitRepository,
  purgeRepository,
  restoreAccount,
  restoreItems,
  undelete,
  type ZimbraBackupError,
  ZimbraClient,
  type AuthInfo,
  type BackupEngineOptions,
  type BackupProgress,
  type BackupResult,
  type CheckOptions,
  type CheckResult,
  type EngineStatus,
  type ErrorCode,
  type ExportArchiveOptions,
  type ExportArchiveResult,
  type ImportArchiveOptions,
  type ImportArchiveResult,
  type ImportRepositoryOptions,
  type ImportResult,
  type InitRepositoryOptions,
  type PurgeOptions,
  type PurgeResult,
  type Repository,
  type RestoreAccountOptions,
  type RestoreAccountResult,
  type RestoreItemsOptions,
  type RestoreResult,
  type Secret,
  type StorageBackend,
  type UndeleteOptions,
  type UndeleteResult,
  type ZimbraClientOptions,
} from 'zimbra-backup';

declare const client: ZimbraClient;
declare const repository: Repository;
declare const backend: StorageBackend;

describe('ZimbraClient', () => {
  it('is built from one options object with a required url', () => {
    expectTypeOf(ZimbraClient).constructorParameters.toEqualTypeOf<[ZimbraClientOptions]>();
    expectTypeOf<ZimbraClientOptions['url']>().toEqualTypeOf<string>();
    expectTypeOf<ZimbraClientOptions['adminUrl']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ZimbraClientOptions['transport']>().toEqualTypeOf<'json' | 'xml' | undefined>();
    // @ts-expect-error the server URL is required
    new ZimbraClient({ adminUrl: 'https://mail.example.test:7071' });
  });

  it('authenticates with a password as a string or a Secret, and says when the token expires', () => {
    expectTypeOf(client.authAdmin).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(client.authAdmin).parameter(1).toEqualTypeOf<string | Secret>();
    expectTypeOf(client.authAdmin).returns.resolves.toEqualTypeOf<AuthInfo>();
    expectTypeOf(client.authUser).returns.resolves.toEqualTypeOf<AuthInfo>();
    expectTypeOf<AuthInfo>().toEqualTypeOf<{ lifetimeMs: number | undefined; expiresAt: number | undefined }>();
  });
});

describe('repository', () => {
  it('openOrInitRepository takes a backend and gives a Repository', () => {
    expectTypeOf(openOrInitRepository).parameters.toEqualTypeOf<[InitRepositoryOptions]>();
    expectTypeOf(openOrInitRepository).returns.resolves.toEqualTypeOf<Repository>();
    expectTypeOf<InitRepositoryOptions['backend']>().toEqualTypeOf<StorageBackend>();
    expectTypeOf<InitRepositoryOptions['formatVersion']>().toEqualTypeOf<1 | 2 | undefined>();
    expectTypeOf(openOrInitRepository({ backend, compression: 'gzip' })).resolves.toEqualTypeOf<Repository>();
    // @ts-expect-error no such codec
    void openOrInitRepository({ backend, compression: 'lz4' });
  });
});

describe('BackupEngine', () => {
  it('needs a client and a repository; progress has the shared shape', () => {
    expectTypeOf(BackupEngine).constructorParameters.toEqualTypeOf<[BackupEngineOptions]>();
    expectTypeOf<BackupEngineOptions['client']>().toEqualTypeOf<ZimbraClient>();
    expectTypeOf<BackupEngineOptions['repository']>().toEqualTypeOf<Repository>();
    expectTypeOf<BackupEngineOptions['onProgress']>().toEqualTypeOf<((p: BackupProgress) => void) | undefined>();
    // @ts-expect-error the repository is required
    new BackupEngine({ client });
  });

  it('run and watch resolve to a BackupResult; status is synchronous', () => {
    const engine = new BackupEngine({ client, repository });
    expectTypeOf(engine.run).returns.resolves.toEqualTypeOf<BackupResult>();
    expectTypeOf(engine.watch).returns.resolves.toEqualTypeOf<BackupResult>();
    expectTypeOf(engine.status).returns.toEqualTypeOf<EngineStatus>();
    expectTypeOf<BackupResult['failures']>().toEqualTypeOf<
      Array<{ accountId: string; itemId?: string; error: string }>
    >();
    expectTypeOf<BackupResult>().toHaveProperty('itemsNew').toEqualTypeOf<number>();
    expectTypeOf<BackupResult>().toHaveProperty('bytesStored').toEqualTypeOf<number>();
    // @ts-expect-error watch runs until aborted: the signal is required
    void engine.watch({});
  });
});

describe('restore', () => {
  it('restoreAccount, restoreItems and undelete take their options and say what they wrote', () => {
    expectTypeOf(restoreAccount).parameters.toEqualTypeOf<[RestoreAccountOptions]>();
    expectTypeOf(restoreAccount).returns.resolves.toEqualTypeOf<RestoreAccountResult>();
    expectTypeOf(restoreItems).parameters.toEqualTypeOf<[RestoreItemsOptions]>();
    expectTypeOf(restoreItems).returns.resolves.toEqualTypeOf<RestoreResult>();
    expectTypeOf(undelete).parameters.toEqualTypeOf<[UndeleteOptions]>();
    expectTypeOf(undelete).returns.resolves.toEqualTypeOf<UndeleteResult>();
    expectTypeOf<RestoreAccountResult>().toExtend<RestoreResult>();
    expectTypeOf<UndeleteResult>().toExtend<RestoreResult>();
  });

  it('takes instants as Date or epoch ms, never a zone-less string', () => {
    expectTypeOf<RestoreAccountOptions['at']>().toEqualTypeOf<Date | number>();
    expectTypeOf<UndeleteOptions['from']>().toEqualTypeOf<Date | number>();
    expectTypeOf<RestoreItemsOptions['ids']>().toEqualTypeOf<string[]>();
    // @ts-expect-error a string time is ambiguous (no zone): refused by the type
    void restoreAccount({ repository, client, account: 'a@example.test', at: '2026-01-01 10:00' });
  });
});

describe('export and import', () => {
  it('exportArchive writes to a Writable; importArchive reads a stream or a path', () => {
    expectTypeOf(exportArchive).parameters.toEqualTypeOf<[ExportArchiveOptions]>();
    expectTypeOf(exportArchive).returns.resolves.toEqualTypeOf<ExportArchiveResult>();
    expectTypeOf<ExportArchiveOptions['out']>().toEqualTypeOf<Writable>();
    expectTypeOf<ExportArchiveOptions['compression']>().toEqualTypeOf<'gzip' | 'none' | undefined>();
    expectTypeOf(importArchive).parameters.toEqualTypeOf<[ImportArchiveOptions]>();
    expectTypeOf(importArchive).returns.resolves.toEqualTypeOf<ImportArchiveResult>();
    expectTypeOf<ImportArchiveOptions['archive']>().toEqualTypeOf<Readable | string>();
    expectTypeOf(importRepository).parameters.toEqualTypeOf<[ImportRepositoryOptions]>();
    expectTypeOf(importRepository).returns.resolves.toEqualTypeOf<ImportResult>();
    expectTypeOf<ImportArchiveResult>().toExtend<ImportResult>();
  });
});

describe('maintenance', () => {
  it('checkRepository and purgeRepository', () => {
    expectTypeOf(checkRepository).parameters.toEqualTypeOf<[CheckOptions]>();
    expectTypeOf(checkRepository).returns.resolves.toEqualTypeOf<CheckResult>();
    expectTypeOf<CheckResult['ok']>().toEqualTypeOf<boolean>();
    expectTypeOf(purgeRepository).parameters.toEqualTypeOf<[PurgeOptions]>();
    expectTypeOf(purgeRepository).returns.resolves.toEqualTypeOf<PurgeResult>();
    // Retention is explicit milliseconds: no default, no unit guessing.
    expectTypeOf<PurgeOptions['retentionMs']>().toEqualTypeOf<number>();
    // @ts-expect-error a purge without a retention is refused by the type
    void purgeRepository({ repository });
    expectTypeOf(migrateRepository).parameter(0).toHaveProperty('repository').toEqualTypeOf<Repository>();
  });
});

describe('errors', () => {
  it('ZimbraBackupError carries a typed code', () => {
    expectTypeOf<ZimbraBackupError>().toExtend<Error>();
    expectTypeOf<ZimbraBackupError['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<'ZB_INVALID_ARGUMENT'>().toExtend<ErrorCode>();
    expectTypeOf<'ZB_NO_SUCH_CODE'>().not.toExtend<ErrorCode>();
  });
});
