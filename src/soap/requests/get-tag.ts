/**
 * GetTagRequest (urn:zimbraMail): every tag of the mailbox.
 * @module
 */
import { children } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseTag, type TagInfo } from './items.js';

/** Result of {@link GetTag}. */
export interface GetTagResult {
  /** Tags. */
  tags: TagInfo[];
}

/** GetTagRequest. */
export const GetTag: SoapRequestDefinition<Record<string, never>, GetTagResult> = {
  name: 'GetTagRequest',
  namespace: 'urn:zimbraMail',
  build: () => ({}),
  parse: (r) => ({ tags: children(r, 'tag').map(parseTag) }),
};
