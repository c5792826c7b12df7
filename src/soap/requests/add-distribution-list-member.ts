/**
 * AddDistributionListMemberRequest (urn:zimbraAdmin).
 * @module
 */
import type { SoapRequestDefinition } from './definition.js';

/** Params of {@link AddDistributionListMember}. */
export interface AddDistributionListMemberParams {
  /** The list's zimbraId. */
  id: string;
  /** Member addresses to add. */
  members: string[];
}

/** AddDistributionListMemberRequest (adding an existing member is a no-op server-side). */
export const AddDistributionListMember: SoapRequestDefinition<AddDistributionListMemberParams, void> = {
  name: 'AddDistributionListMemberRequest',
  namespace: 'urn:zimbraAdmin',
  admin: true,
  build: (p) => ({ id: p.id, dlm: p.members.map((m) => ({ _content: m })) }),
  parse: () => undefined,
};
