/**
 * Every blob a journal record references: its content (`digest`) and, for a contact, the files
 * attached to it (`meta.attachments[].digest`: the photo and other contact parts, see
 * docs/FORMAT.md). Garbage collection, check and export must all use this one list, or an
 * attached photo would be collected as unreferenced.
 * @module
 */
import type { JournalRecord, JsonValue } from './types.js';

/** The blob digests a record references, content first; `[]` for records without blobs. */
export function recordDigests(r: JournalRecord): string[] {
  if (r.type !== 'item') return [];
  const out: string[] = r.digest !== undefined ? [r.digest] : [];
  const files = (r.meta as { [k: string]: JsonValue } | undefined)?.['attachments'];
  if (Array.isArray(files))
    for (const f of files) {
      const d = typeof f === 'object' && f !== null && !Array.isArray(f) ? f['digest'] : undefined;
      if (typeof d === 'string') out.push(d);
    }
  return out;
}

/** The size recorded for `digest` in a record (content size, or the attached file's size). */
export function recordDigestSize(r: JournalRecord, digest: string): number | undefined {
  if (r.type !== 'item') return undefined;
  if (r.digest === digest) return r.size;
  const files = (r.meta as { [k: string]: JsonValue } | undefined)?.['attachments'];
  if (!Array.isArray(files)) return undefined;
  for (const f of files)
    if (
      typeof f === 'object' &&
      f !== null &&
      !Array.isArray(f) &&
      f['digest'] === digest &&
      typeof f['size'] === 'number'
    )
      return f['size'];
  return undefined;
}
