/**
 * Creating a note (MailItem.Type.NOTE) as Mailbox.createNote and Note.create do: the text with
 * invalid control characters removed and refused when empty, the bounds parsed as
 * Note.Rectangle does, the colour as Color(byte) keeps it, no blob.
 */
import { faults } from '../wire/soap-fault.js';
import { FOLDER, type MailItem } from './item.js';
import { resolveFolder, type FolderRef } from './folder-ops.js';
import type { Mailbox } from './mailbox.js';

/** What a new note holds. */
export interface NewNote {
  /** Its folder. */
  folder: FolderRef;
  /** Its text. */
  text: string;
  /** `x,y[,width,height]`, as CreateNoteRequest's `pos`. */
  bounds?: string | undefined;
  /** Colour index as sent (Color.setColor maps anything outside 0..9 to 9). */
  color?: number | undefined;
}

/**
 * StringUtil.stripControlCharacters: drops C0 controls other than tab, LF and CR, U+FFFE/U+FFFF
 * and unpaired surrogates.
 */
export function stripControlCharacters(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) continue;
    if (c === 0xfffe || c === 0xffff) continue;
    if (c >= 0xdc00 && c <= 0xdfff) continue; // a low surrogate without its high one
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) continue;
      out += s[i]! + s[i + 1]!;
      i++;
      continue;
    }
    out += s[i]!;
  }
  return out;
}

function parseJavaInt(s: string): number {
  // Integer.parseInt: optional sign, decimal digits, 32-bit range; anything else throws
  // NumberFormatException, which reaches the client as a generic failure.
  const n = /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n > 2147483647 || n < -2147483648)
    throw faults.failure(`NumberFormatException: For input string: "${s}"`);
  return n;
}

/**
 * Note.Rectangle(String): `x,y` or `x,y,width,height` (String.split drops trailing empty parts);
 * any other number of parts leaves 0,0,0,0. Written back as `x,y,width,height`.
 */
export function normalizeBounds(bounds: string | undefined): string {
  if (bounds === undefined) return '0,0,0,0';
  const parts = bounds.split(',');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  const r = [0, 0, 0, 0];
  if (parts.length === 2 || parts.length === 4) parts.forEach((p, i) => (r[i] = parseJavaInt(p)));
  return r.join(',');
}

/** Color(byte): the value cast to a byte, then anything outside 0..9 becomes 9 (orange). */
export function noteColor(color: number | undefined): number {
  if (color === undefined) return 0;
  const b = ((Math.trunc(color) % 256) + 256) % 256;
  const signed = b > 127 ? b - 256 : b;
  return signed > 9 || signed < 0 ? 9 : signed;
}

/**
 * Mailbox.createNote + Note.create: `service.INVALID_REQUEST` for an empty text,
 * `mail.NO_SUCH_FOLDER` for a missing folder, `mail.CANNOT_CONTAIN` for Tags (8) and
 * Conversations (9) (Folder.canContain).
 */
export function createNote(mbox: Mailbox, n: NewNote): MailItem {
  const text = stripControlCharacters(n.text);
  if (text === '') throw faults.invalidRequest('note content may not be empty');
  const folder = resolveFolder(mbox, n.folder);
  if (folder.id === FOLDER.TAGS || folder.id === FOLDER.CONVERSATIONS) throw faults.cannotContain();
  const bounds = normalizeBounds(n.bounds);
  const color = noteColor(n.color);
  return mbox.transaction((txn) =>
    txn.create({
      type: 'note',
      folderId: folder.id,
      subject: text,
      size: Buffer.byteLength(text),
      bounds,
      ...(color !== 0 ? { color } : {}),
    }),
  );
}
