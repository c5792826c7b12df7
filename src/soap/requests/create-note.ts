/**
 * CreateNoteRequest (urn:zimbraMail; store/src/java/com/zimbra/cs/service/mail/CreateNote.java,
 * soap/src/java/com/zimbra/soap/mail/type/NewNoteSpec.java). A server registers it only when its
 * localconfig has `notes_enabled=true` (MailService.java; LC.java defaults it to false); elsewhere
 * the answer is the fault `service.UNKNOWN_DOCUMENT`.
 * @module
 */
import { children, requireStr, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';

/** Params of {@link CreateNote}. */
export interface CreateNoteParams {
  /** Folder id (`l`). */
  folderId: string;
  /** The note's text (`content`). */
  content: string;
  /** Colour index 0..9 (`color`; the server maps anything else to 9). */
  color?: number;
  /** Bounds `x,y[,width,height]` (`pos`). */
  bounds?: string;
}

/** CreateNoteRequest: creates a note; resolves to its id. Not idempotent (a retry could make two). */
export const CreateNote: SoapRequestDefinition<CreateNoteParams, { id: string }> = {
  name: 'CreateNoteRequest',
  namespace: 'urn:zimbraMail',
  idempotent: false,
  build: (p) => {
    // `content` is an attribute in NewNoteSpec; the XML transport escapes line breaks in attributes.
    const n: SoapElement = { l: p.folderId, content: p.content };
    if (p.color !== undefined) n['color'] = p.color;
    if (p.bounds !== undefined) n['pos'] = p.bounds;
    return { note: n };
  },
  parse: (r) => ({ id: requireStr(children(r, 'note')[0] ?? {}, 'id', 'CreateNoteResponse') }),
};
