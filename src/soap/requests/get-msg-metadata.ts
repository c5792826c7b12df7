/**
 * GetMsgMetadataRequest (urn:zimbraMail): cheap per-message `id f tn s d l cid rev md ms`, in bulk.
 * @module
 */
import { children } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseItem, type ItemSummary } from './items.js';

/** Params of {@link GetMsgMetadata}. */
export interface GetMsgMetadataParams {
  /** Message ids. */
  ids: string[];
}

/** Result of {@link GetMsgMetadata}. */
export interface GetMsgMetadataResult {
  /** One summary per message that exists (missing ids are left out). */
  messages: ItemSummary[];
}

/** GetMsgMetadataRequest. */
export const GetMsgMetadata: SoapRequestDefinition<GetMsgMetadataParams, GetMsgMetadataResult> = {
  name: 'GetMsgMetadataRequest',
  namespace: 'urn:zimbraMail',
  build: (p) => ({ m: { ids: p.ids.join(',') } }),
  // ToXML.encodeMessageCommon writes a chat (MailItem.Type.CHAT) as <chat>, not <m>
  parse: (r) => ({
    messages: [
      ...children(r, 'm').map((m) => parseItem(m, 'message')),
      ...children(r, 'chat').map((m) => parseItem(m, 'chat')),
    ],
  }),
};
