/**
 * {@link writeCorpusAsFiles}: every account's messages as `.eml` files in folder directories, the input of file
 * based baselines (restic), written one message at a time.
 * @module
 */
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep, isAbsolute } from 'node:path';
import { ZimbraBackupError, throwIfAborted } from '../../errors.js';
import type { Corpus } from './corpus-types.js';

/** Options of {@link writeCorpusAsFiles}. */
export interface WriteCorpusAsFilesOptions {
  signal?: AbortSignal;
  /** Called after each file, with files written so far and the total number of deliveries. */
  onProgress?: (done: number, total: number) => void;
  /** Set each file's mtime to the message's received date, so reruns give identical trees. Default true. */
  setMtime?: boolean;
}

/** What {@link writeCorpusAsFiles} wrote. */
export interface WriteCorpusAsFilesResult {
  files: number;
  /** Total bytes written. */
  bytes: number;
}

/**
 * One path segment from a name that is data (account or folder name): separators, NUL and control characters
 * become `_`, and `.`/`..`/empty become `_`-prefixed, so no name can leave the output directory.
 */
export function safePathSegment(name: string): string {
  const cleaned = name.replace(/[/\\\u0000-\u001f\u007f]/g, '_');
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? `_${cleaned}` : cleaned;
}

/**
 * Writes `<dir>/<account>/<folder path>/<NNNNNN>.eml` for every delivery of every account (a list post appears
 * once per recipient, as on the server's disk). Messages are built and written one at a time.
 * @param corpus - the corpus to lay out.
 * @param dir - output directory (created if missing).
 * @throws ZimbraBackupError `ZB_ABORTED` when `signal` aborts; `ZB_UNSAFE_PATH` if a path would leave `dir`.
 * @example
 * ```ts
 * const { files, bytes } = await writeCorpusAsFiles(buildCorpus({ seed: 1, accounts: 2, messagesPerAccount: 10 }), '/tmp/corpus');
 * ```
 */
export async function writeCorpusAsFiles(
  corpus: Corpus,
  dir: string,
  opts: WriteCorpusAsFilesOptions = {},
): Promise<WriteCorpusAsFilesResult> {
  const root = resolve(dir);
  const total = corpus.accounts.reduce((n, a) => n + a.messages.length, 0);
  const made = new Set<string>();
  let files = 0;
  let bytes = 0;
  for (const account of corpus.accounts) {
    const accountDir = join(root, safePathSegment(account.name));
    for (let i = 0; i < account.messages.length; i++) {
      throwIfAborted(opts.signal);
      const m = account.messages[i];
      if (m === undefined) continue;
      const folderDir = join(
        accountDir,
        ...m.folderPath
          .split('/')
          .filter((s) => s !== '')
          .map(safePathSegment),
      );
      const rel = relative(root, folderDir);
      if (rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) {
        throw new ZimbraBackupError('writeCorpusAsFiles: folder path leaves the output directory', {
          code: 'ZB_UNSAFE_PATH',
          data: { folderPath: m.folderPath },
        });
      }
      if (!made.has(folderDir)) {
        await mkdir(folderDir, { recursive: true });
        made.add(folderDir);
      }
      const file = join(folderDir, `${String(i + 1).padStart(6, '0')}.eml`);
      const raw = await m.raw();
      try {
        await writeFile(file, raw, opts.signal === undefined ? undefined : { signal: opts.signal });
      } catch (err) {
        throwIfAborted(opts.signal);
        throw err;
      }
      if (opts.setMtime !== false) {
        const t = new Date(m.receivedMs);
        await utimes(file, t, t);
      }
      files++;
      bytes += raw.length;
      opts.onProgress?.(files, total);
    }
  }
  return { files, bytes };
}
