/**
 * CreateTagRequest (urn:zimbraMail).
 * @module
 */
import { children, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseTag, type TagInfo } from './items.js';

/** Params of {@link CreateTag}. */
export interface CreateTagParams {
  /** Tag name. */
  name: string;
  /** Colour index. */
  color?: number;
  /** RGB colour `#rrggbb`. */
  rgb?: string;
}

/** CreateTagRequest; fails with `mail.ALREADY_EXISTS` when the name is taken. */
export const CreateTag: SoapRequestDefinition<CreateTagParams, TagInfo> = {
  name: 'CreateTagRequest',
  namespace: 'urn:zimbraMail',
  idempotent: false,
  build: (p) => {
    const t: SoapElement = { name: p.name };
    if (p.color !== undefined) t['color'] = p.color;
    if (p.rgb !== undefined) t['rgb'] = p.rgb;
    return { tag: t };
  },
  parse: (r) => parseTag(children(r, 'tag')[0] ?? {}),
};
