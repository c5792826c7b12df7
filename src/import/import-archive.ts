/**
 * `importArchive`: validates an export archive into a staging repository in a work directory,
 * then imports it like a repository (`importRepository`). Nothing reaches the target server
 * before the whole archive has been read and checked.
 * @module
 */
import type { Secret } from '../internal/secret.js';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open as openFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ZimbraBackupError, isZimbraBackupError } from '../errors.js';
import { initRepository, openRepository, type Repository } from '../repository/repository.js';
import { LocalBackend } from '../store/backends/local.js';
import { ENCRYPTED_ARCHIVE_MAGIC, decryptArchiveStream, type ArchiveManifest } from '../export/index.js';
import { readArchiveManifest, stageArchive } from './archive-reader.js';
import { importRepository, type ImportOptions, type ImportResult } from './import-repository.js';

/** Options of {@link importArchive}. */
export interface ImportArchiveOptions extends ImportOptions {
  /** The archive: a path, or a stream of its bytes (tar or tar.gz). */
  archive: Readable | string;
  /**
   * Work directory for the staging repository and the import's bookkeeping (id maps). Default: a
   * new directory in `os.tmpdir()`, removed after a complete import and kept (named in the result
   * or error as `workDir`) otherwise, so the import can be resumed.
   */
  workDir?: string;
  /** Reuse the staging in `workDir` (the same archive, checked by its manifest digest) and resume. Default false: `workDir` must be empty. */
  resume?: boolean;
  /** Largest archive member accepted, in bytes. Default 4 GiB. */
  maxMemberBytes?: number;
  /**
   * Password of an encrypted archive (`export --encrypt`). The staging repository in `workDir` is
   * then encrypted with it too, so the archive's contents never rest on disk in the clear.
   */
  password?: string | Secret;
}

/** Result of {@link importArchive}. */
export interface ImportArchiveResult extends ImportResult {
  /** The archive's manifest. */
  manifest: ArchiveManifest;
  /** The work directory, when it was kept (the import is not complete, or the caller chose it). */
  workDir?: string;
}

const MARKER = 'staged.json';

/** True when the file starts like an encrypted archive. */
async function isEncryptedArchive(path: string): Promise<boolean> {
  const fh = await openFile(path, 'r').catch(() => undefined);
  if (!fh) return false; // the staging reports the unreadable file as it always did
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return bytesRead === 4 && head.equals(ENCRYPTED_ARCHIVE_MAGIC);
  } finally {
    await fh.close();
  }
}

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/** True when `dir` holds only what an unfinished staging leaves (`repo/`, `tmp/`). */
async function isStaleStaging(dir: string): Promise<boolean> {
  try {
    const names = await readdir(dir);
    return names.length > 0 && names.every((n) => n === 'repo' || n === 'tmp');
  } catch {
    return false;
  }
}

async function readMarker(workDir: string): Promise<{ manifestSha256: string } | undefined> {
  try {
    return JSON.parse(await readFile(join(workDir, MARKER), 'utf8')) as { manifestSha256: string };
  } catch {
    return undefined;
  }
}

/**
 * Imports an export archive into the server behind `client`: accounts, lists, domains and COS
 * through admin SOAP, then every mailbox with the restore writer.
 * @throws `ZB_ARCHIVE_INVALID` (hostile or damaged archive: nothing was written to the target),
 *   `ZB_CONFLICT` (non-empty `workDir` without `resume`, another archive staged there, or
 *   onExisting 'fail'), `ZB_ABORTED` (with `data.workDir` and `data.accounts`).
 * @example
 * ```ts
 * const r = await importArchive({ archive: 'backup.tar.gz', client: targetAdmin, workDir: '/var/tmp/import-1' });
 * if (!r.complete) console.log('rerun with resume: true to finish');
 * ```
 */
export async function importArchive(opts: ImportArchiveOptions): Promise<ImportArchiveResult> {
  const { signal } = opts;
  const password = opts.password;
  if (typeof opts.archive === 'string' && !password && (await isEncryptedArchive(opts.archive)))
    throw new ZimbraBackupError(
      'the archive is encrypted: give its password (CLI: --archive-password-file F or env ZB_ARCHIVE_PASSWORD)',
      {
        code: 'ZB_KEY_REQUIRED',
      },
    );
  const open = (): Readable => {
    const raw = typeof opts.archive === 'string' ? createReadStream(opts.archive) : opts.archive;
    if (!password) return raw;
    const plain = decryptArchiveStream(password);
    raw.on('error', (err: Error) => plain.destroy(err));
    return raw.pipe(plain);
  };
  const own = opts.workDir === undefined;
  const workDir = opts.workDir ?? (await mkdtemp(join(tmpdir(), 'zb-import-')));
  let staging: Repository;
  let manifest: ArchiveManifest;
  let imported = false;
  try {
    const backend = new LocalBackend({ root: join(workDir, 'repo'), fsync: false });
    const marker = opts.resume ? await readMarker(workDir) : undefined;
    if (marker) {
      const head = await readArchiveManifest(open(), signal);
      if (head.manifestSha256 !== marker.manifestSha256)
        throw new ZimbraBackupError(`${workDir} holds the staging of another archive`, {
          code: 'ZB_CONFLICT',
          data: { workDir },
        });
      staging = await openRepository({ backend, ...(password ? { password } : {}) });
      manifest = head.manifest;
    } else {
      if (opts.resume && (await isStaleStaging(workDir))) {
        // An earlier staging stopped before it was whole (no marker): start it over.
        await rm(join(workDir, 'repo'), { recursive: true, force: true });
        await rm(join(workDir, 'tmp'), { recursive: true, force: true });
      }
      if (!(await isEmptyDir(workDir)))
        throw new ZimbraBackupError(`work directory ${workDir} is not empty (pass resume to continue an import)`, {
          code: 'ZB_CONFLICT',
          data: { workDir },
        });
      await mkdir(join(workDir, 'tmp'), { recursive: true, mode: 0o700 });
      // Staging data can always be re-read from the archive: no fsync per blob; the marker says when it is whole.
      staging = await initRepository({
        backend,
        compression: 'none',
        ...(password ? { encryption: { password, label: 'import staging' } } : {}),
      });
      const staged = await stageArchive({
        archive: open(),
        staging,
        tmpDir: join(workDir, 'tmp'),
        ...(opts.maxMemberBytes ? { maxMemberBytes: opts.maxMemberBytes } : {}),
        ...(opts.onProgress
          ? { onProgress: (p) => opts.onProgress!({ phase: 'stage', loaded: p.loaded, unit: 'entries' }) }
          : {}),
        ...(signal ? { signal } : {}),
      });
      manifest = staged.manifest;
      await writeFile(
        join(workDir, MARKER),
        `${JSON.stringify({ manifestSha256: staged.manifestSha256, atMs: manifest.atMs })}\n`,
        { flush: true },
      );
    }
    imported = true;
    const { archive: _a, workDir: _w, resume: _r, maxMemberBytes: _m, password: _p, ...rest } = opts;
    const result = await importRepository({ ...rest, from: staging, at: manifest.atMs, stateBackend: staging.backend });
    const keep = !own || !result.complete;
    if (!keep) await rm(workDir, { recursive: true, force: true });
    return { ...result, manifest, ...(keep ? { workDir } : {}) };
  } catch (err) {
    // A failure before the target was touched leaves nothing worth resuming in a directory we made.
    if (own && !imported) await rm(workDir, { recursive: true, force: true });
    else if (isZimbraBackupError(err))
      throw new ZimbraBackupError(err.message, { code: err.code, cause: err, data: { ...err.data, workDir } });
    throw err;
  }
}
