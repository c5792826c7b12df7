/**
 * CreateContactRequest (urn:zimbraMail). The request carries fields as `a[{n,_content}]` (the
 * handler reads `listElements("a")`), the response as `_attrs` (PROTOCOL.md 5b).
 * @module
 */
import { children, toAttrList, type SoapElement, type ZimbraAttrs } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { encodeTagNames } from '../tag-names.js';
import { parseContact, type ContactInfo } from './items.js';

/** Params of {@link CreateContact}. */
export interface CreateContactParams {
  /** Contact fields (`firstName`, `email`...); an array repeats the field. */
  attrs: ZimbraAttrs;
  /** Target folder id (default: Contacts). */
  folderId?: string;
  /** Tag names. */
  tagNames?: string[];
  /** Ask for the full contact in the response. Default true. */
  verbose?: boolean;
  /** Files to attach (the photo is field `image`), each uploaded first: `<a n="field" aid="…"/>` (CreateContact.java). */
  attachments?: Array<{ field: string; uploadId: string }>;
  /** Contact-group members: `<m type="C|G|I" value="…"/>` (CreateContact.java `E_CONTACT_GROUP_MEMBER`). */
  members?: Array<{ type: string; value: string }>;
}

/** CreateContactRequest; resolves to the new contact. */
export const CreateContact: SoapRequestDefinition<CreateContactParams, ContactInfo> = {
  name: 'CreateContactRequest',
  namespace: 'urn:zimbraMail',
  idempotent: false,
  build: (p) => {
    const cn: SoapElement = {};
    if (p.folderId !== undefined) cn['l'] = p.folderId;
    if (p.tagNames?.length) cn['tn'] = encodeTagNames(p.tagNames);
    cn['a'] = [...toAttrList(p.attrs), ...(p.attachments ?? []).map((a) => ({ n: a.field, aid: a.uploadId }))];
    if (p.members?.length) cn['m'] = p.members.map((m) => ({ type: m.type, value: m.value }));
    return { verbose: p.verbose === false ? 0 : 1, cn };
  },
  parse: (r) => parseContact(children(r, 'cn')[0] ?? {}),
};
