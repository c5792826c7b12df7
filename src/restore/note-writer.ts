/**
 * Restoring notes (MailItem.Type.NOTE): CreateNoteRequest with the backed-up text, bounds and
 * colour (CreateNote.java), then ItemActionRequest `update` for flags and tags, which CreateNote
 * does not take (ItemAction.java serves every item type and is always registered).
 *
 * A server registers CreateNote only when its localconfig has `notes_enabled=true`
 * (MailService.java; LC.java defaults it to false) and otherwise answers
 * `service.UNKNOWN_DOCUMENT` (SoapEngine.java). {@link probeNotes} asks once, with a request
 * that has no `<note>`: a server that knows the command refuses it as `service.INVALID_REQUEST`
 * before touching the mailbox (CreateNote.handle reads the element first), one that does not
 * answers `service.UNKNOWN_DOCUMENT`. Nothing is written either way.
 * @module
 */
import { ZimbraBackupError } from '../errors.js';
import { faultCodeOf } from '../internal/fault-code.js';
import type { ItemRecord } from '../journal/types.js';
import type { AccountSelector } from '../soap/transports/transport.js';
import type { ZimbraClient } from '../soap/zimbra-client.js';
import { CreateNote } from '../soap/requests/create-note.js';
import { ItemAction } from '../soap/requests/item-action.js';
import { noteKey, type TargetMailbox } from './target-mailbox.js';

/** Whether the target server creates notes: known after a probe or a first CreateNote. */
export type NoteSupport = 'enabled' | 'disabled' | 'unknown';

/** What to tell the user when the server has notes disabled. */
export const NOTES_DISABLED_HINT =
  'the target server does not offer CreateNoteRequest (service.UNKNOWN_DOCUMENT): notes are disabled in its localconfig. ' +
  'Enable them with `zmlocalconfig -e notes_enabled=true` and `zmmailboxdctl restart`, then run the same restore again to add the notes';

/** The error a note gets when the server cannot create notes (nothing was written for it). */
export function notesDisabledError(rec: ItemRecord): ZimbraBackupError {
  // short: a restore of many notes lists one per note; the result's warning carries the whole hint
  return new ZimbraBackupError(
    `note ${rec.id} not restored: the target server has notes disabled (zmlocalconfig -e notes_enabled=true)`,
    {
      code: 'ZB_UNSUPPORTED',
      data: { itemId: rec.id, kind: 'note', faultCode: 'service.UNKNOWN_DOCUMENT' },
    },
  );
}

type CallOpts = { account?: string | AccountSelector; signal?: AbortSignal };

/**
 * Asks the server whether it serves CreateNoteRequest, writing nothing (see the module note).
 * `unknown` when the answer is neither of the two expected faults (an outage, a proxy).
 */
export async function probeNotes(client: ZimbraClient, opts: CallOpts): Promise<NoteSupport> {
  const empty = { ...CreateNote, build: () => ({}) };
  try {
    await client.send(empty, { folderId: '', content: '' }, opts);
    return 'unknown'; // a server that accepted an empty request: not a Zimbra we know
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    const code = faultCodeOf(err);
    if (code === 'service.UNKNOWN_DOCUMENT') return 'disabled';
    if (code === 'service.INVALID_REQUEST') return 'enabled';
    return 'unknown';
  }
}

/** What {@link writeNote} needs. */
export interface NoteWriteContext {
  client: ZimbraClient;
  account: string | AccountSelector;
  signal?: AbortSignal;
  /** Shared by the run: set to `disabled` by the first refusal, so later notes are not sent. */
  notes: { support: NoteSupport };
  /** The target's existing content: a note already in the folder (same text, bounds, colour) is not written twice. */
  target?: Pick<TargetMailbox, 'takeNote'>;
}

function noteMeta(rec: ItemRecord): { content: string; bounds?: string; color?: number } {
  const m = rec.meta ?? {};
  const content = m['content'];
  if (typeof content !== 'string' || content === '')
    throw new ZimbraBackupError(`note ${rec.id} has no text in the backup`, {
      code: 'ZB_NOT_FOUND',
      data: { itemId: rec.id, kind: 'note' },
    });
  return {
    content,
    ...(typeof m['bounds'] === 'string' ? { bounds: m['bounds'] } : {}),
    ...(typeof m['color'] === 'number' ? { color: m['color'] } : {}),
  };
}

/**
 * Creates one note in `folderId` (at `path`) and sets its flags and tags, unless the folder already
 * holds the same note (`present`). When the tags or flags cannot be
 * set, the new note is deleted again and the error thrown, so a failed note leaves nothing behind.
 * @throws `ZB_UNSUPPORTED` when the server has notes disabled (see {@link NOTES_DISABLED_HINT}).
 */
export async function writeNote(
  ctx: NoteWriteContext,
  rec: ItemRecord,
  path: string,
  folderId: string,
): Promise<{ newId: string; bytes: number } | { present: true }> {
  const meta = noteMeta(rec);
  if (await ctx.target?.takeNote(path, noteKey(meta.content, meta.bounds, meta.color))) return { present: true };
  if (ctx.notes.support === 'disabled') throw notesDisabledError(rec);
  const opts: CallOpts = ctx.signal ? { account: ctx.account, signal: ctx.signal } : { account: ctx.account };
  let id: string;
  try {
    ({ id } = await ctx.client.send(CreateNote, { folderId, ...meta }, opts));
  } catch (err) {
    if (faultCodeOf(err) !== 'service.UNKNOWN_DOCUMENT') throw err;
    ctx.notes.support = 'disabled';
    throw notesDisabledError(rec);
  }
  ctx.notes.support = 'enabled';
  const flags = rec.flags ?? '';
  const tags = rec.tags ?? [];
  if (flags !== '' || tags.length > 0) {
    try {
      await ctx.client.send(
        ItemAction,
        { ids: [id], op: 'update', ...(flags ? { flags } : {}), ...(tags.length ? { tagNames: tags } : {}) },
        opts,
      );
    } catch (err) {
      await ctx.client.send(ItemAction, { ids: [id], op: 'delete' }, opts).catch(() => undefined);
      throw err;
    }
  }
  return { newId: id, bytes: Buffer.byteLength(meta.content) };
}
