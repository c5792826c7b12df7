/**
 * Seed Briefcase documents: small text files (notes, Markdown, CSV) and binaries (PDF, JPEG), rebuilt from a
 * key on each `content()` call.
 * @module
 */
import { attachmentBytes } from './attachment-bytes.js';
import type { CorpusDocument } from './corpus-types.js';
import { Rng, hash32 } from './prng.js';
import { fileWord, paragraphs, shortTitle } from './vocabulary.js';

type DocKind = 'txt' | 'md' | 'csv' | 'pdf' | 'jpeg';
const CONTENT_TYPES: Record<DocKind, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  pdf: 'application/pdf',
  jpeg: 'image/jpeg',
};
const EXT: Record<DocKind, string> = { txt: 'txt', md: 'md', csv: 'csv', pdf: 'pdf', jpeg: 'jpg' };

function textContent(key: number, kind: 'txt' | 'md'): Buffer {
  const rng = new Rng(key, 'doc-text');
  const title = shortTitle(rng);
  const paras = paragraphs(rng, rng.int(2, 8));
  const text =
    kind === 'md' ? `# ${title}\n\n${paras.map((p) => `- ${p}`).join('\n')}\n` : `${title}\n\n${paras.join('\n\n')}\n`;
  return Buffer.from(text, 'utf8');
}

/**
 * Builds document number `index` of an account.
 * @param seed - corpus seed; with `account` and `index` it keys the content.
 * @param folders - document folders to choose from besides `/Briefcase`.
 */
export function documentFor(seed: number, account: number, index: number, folders: readonly string[]): CorpusDocument {
  const rng = new Rng(seed, 'document', account, index);
  const kind = rng.weighted<DocKind>(['txt', 'md', 'csv', 'pdf', 'jpeg'], [25, 20, 20, 20, 15]);
  const key = hash32(seed, 'document-bytes', account, index);
  const size = rng.logInt(512, 24_576);
  // The index keeps names unique within a folder (Zimbra refuses duplicates: mail.ALREADY_EXISTS).
  const name = `${fileWord(rng)}-${String(index + 1).padStart(3, '0')}.${EXT[kind]}`;
  const folderPath = rng.chance(0.6) ? '/Briefcase' : rng.pick(folders);
  const content = async (): Promise<Buffer> =>
    kind === 'txt' || kind === 'md' ? textContent(key, kind) : attachmentBytes(kind, key, size);
  return { folderPath, name, contentType: CONTENT_TYPES[kind], content };
}
