/**
 * AddMsgRequest (urn:zimbraMail): adds a raw message to a folder (restore path). The server assigns
 * a new id; create tags first to keep them.
 * @module
 */
import { ZimbraBackupError } from '../../errors.js';
import { children, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { encodeTagNames } from '../tag-names.js';
import { parseItem, type ItemSummary } from './items.js';

/** Params of {@link AddMsg}: give `uploadId` (preferred) or small `content`. */
export interface AddMsgParams {
  /** Target folder id or absolute path. */
  folderId: string;
  /** Flag letters. */
  flags?: string;
  /** Tag names (comma-joined on the wire). */
  tagNames?: string[];
  /** Received date in ms. */
  dateMs?: number;
  /** Upload id (aid) from the upload servlet. */
  uploadId?: string;
  /** Inline raw RFC822 text (small messages only). */
  content?: string;
  /** Do not process iCalendar parts. */
  noICal?: boolean;
}

/** AddMsgRequest; resolves to the new message. */
export const AddMsg: SoapRequestDefinition<AddMsgParams, ItemSummary> = {
  name: 'AddMsgRequest',
  namespace: 'urn:zimbraMail',
  idempotent: false,
  build: (p) => {
    if ((p.uploadId === undefined) === (p.content === undefined)) {
      throw new ZimbraBackupError('AddMsg needs exactly one of uploadId and content', {
        code: 'ZB_INVALID_ARGUMENT',
        data: { field: 'uploadId' },
      });
    }
    const m: SoapElement = { l: p.folderId };
    if (p.flags !== undefined) m['f'] = p.flags;
    if (p.tagNames?.length) m['tn'] = encodeTagNames(p.tagNames);
    if (p.dateMs !== undefined) m['d'] = p.dateMs;
    if (p.uploadId !== undefined) m['aid'] = p.uploadId;
    if (p.content !== undefined) m['content'] = { _content: p.content };
    // noICal belongs on <m> (store/src/java/com/zimbra/cs/service/mail/AddMsg.java reads it from the
    // message element; soap AddMsgSpec): on the request it is ignored and an invite changes the calendar.
    if (p.noICal) m['noICal'] = 1;
    return { m };
  },
  parse: (r) => parseItem(children(r, 'm')[0] ?? {}, 'message'),
};
