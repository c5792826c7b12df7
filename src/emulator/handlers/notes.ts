/**
 * CreateNoteRequest (store/src/java/com/zimbra/cs/service/mail/CreateNote.java): served only when
 * the server's localconfig has `notes_enabled` true. MailService.java registers GetNote, CreateNote
 * and NoteAction under `LC.notes_enabled` (LC.java default false), so a stock server answers
 * `service.UNKNOWN_DOCUMENT` (SoapEngine.java, no handler); see `findHandler`.
 *
 * Request `<note l content [color] [pos]/>` (soap/.../mail/type/NewNoteSpec.java; `content` is read
 * with Element.getAttribute, so an attribute or a child element of that name); response
 * `<CreateNoteResponse><note …/></CreateNoteResponse>` (ToXML.encodeNote).
 */
import { faults } from '../wire/soap-fault.js';
import { createNote } from '../model/notes.js';
import { encodeNote } from './encode-items.js';
import { NS, response, targetAccount, type EmulatorState, type HandlerSpec } from './context.js';

const notesEnabled = (state: EmulatorState): boolean => state.notesEnabled === true;

/** ItemIdentifier(String): an optional `<accountId>:` prefix, then the decimal id. */
function folderIdOf(l: string | undefined): number {
  if (l === undefined) throw faults.invalidRequest('missing required attribute: l');
  if (l === '') throw faults.invalidRequest('empty/missing item ID');
  const local = l.slice(l.indexOf(':') + 1);
  if (!/^-?\d+$/.test(local)) throw faults.invalidRequest(`malformed item ID: ${l}`);
  return Number(local);
}

/** The note commands (CreateNote only: a restore sets tags and flags with ItemActionRequest). */
export const noteHandlers: HandlerSpec[] = [
  {
    name: 'CreateNoteRequest',
    ns: NS.mail,
    enabled: notesEnabled,
    handle(req, ctx) {
      const mbox = targetAccount(ctx).mailbox;
      const n = req.child('note');
      if (!n) throw faults.invalidRequest('missing required element: note');
      const folder = folderIdOf(n.get('l'));
      const text = n.get('content');
      if (text === undefined) throw faults.invalidRequest('missing required attribute: content');
      const rawColor = n.get('color');
      const color = rawColor === undefined ? undefined : Number(rawColor);
      // Element.getAttributeLong: a non-integer is refused
      if (rawColor !== undefined && !/^[+-]?\d+$/.test(rawColor))
        throw faults.invalidRequest(`invalid long value '${rawColor}' for attribute: color`);
      const note = createNote(mbox, { folder, text, bounds: n.get('pos'), color });
      const r = response(req, NS.mail);
      encodeNote(r, mbox, note);
      return r;
    },
  },
];
