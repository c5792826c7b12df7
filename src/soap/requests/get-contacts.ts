/**
 * GetContactsRequest (urn:zimbraMail): contacts with their fields (`_attrs` in JSON, `<a n>` in XML).
 * @module
 */
import { children, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseContact, type ContactInfo } from './items.js';

/** Params of {@link GetContacts}. */
export interface GetContactsParams {
  /** Contact ids (default: all contacts of `folderId`, or all). */
  ids?: string[];
  /** Only contacts in this folder. */
  folderId?: string;
  /** Return modified-sequence/revision fields (`sync=1`). Default true. */
  sync?: boolean;
  /** Only these fields. */
  fields?: string[];
  /** Also return hidden fields. */
  returnHiddenAttrs?: boolean;
}

/** Result of {@link GetContacts}. */
export interface GetContactsResult {
  /** Contacts. */
  contacts: ContactInfo[];
}

/** GetContactsRequest. */
export const GetContacts: SoapRequestDefinition<GetContactsParams, GetContactsResult> = {
  name: 'GetContactsRequest',
  namespace: 'urn:zimbraMail',
  build: (p) => {
    const el: SoapElement = { sync: p.sync === false ? 0 : 1 };
    if (p.folderId !== undefined) el['l'] = p.folderId;
    if (p.returnHiddenAttrs) el['returnHiddenAttrs'] = 1;
    if (p.ids?.length) el['cn'] = p.ids.map((id) => ({ id }));
    if (p.fields?.length) el['a'] = p.fields.map((n) => ({ n }));
    return el;
  },
  parse: (r) => ({ contacts: children(r, 'cn').map(parseContact) }),
};
