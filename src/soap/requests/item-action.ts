/**
 * ItemActionRequest (urn:zimbraMail): move, trash, delete, flag, tag, update, rename, recover...
 * With `op: 'update'` the given flags and tags are set and all others unset.
 * @module
 */
import { attrIdList, attrStr, children, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { encodeTagNames } from '../tag-names.js';

/** Operations (a leading `!` negates, e.g. `!flag`). */
export type ItemActionOp =
  | 'move'
  | 'trash'
  | 'delete'
  | 'read'
  | '!read'
  | 'flag'
  | '!flag'
  | 'tag'
  | '!tag'
  | 'update'
  | 'rename'
  | 'color'
  | 'recover'
  | 'dumpsterdelete';

/** Params of {@link ItemAction}. */
export interface ItemActionParams {
  /** Item ids. */
  ids: string[];
  /** Operation. */
  op: ItemActionOp;
  /** Target folder (move, recover, update). */
  folderId?: string;
  /** Flag letters (update). */
  flags?: string;
  /** Tag names (tag, update). */
  tagNames?: string[];
  /** Colour index (color, update). */
  color?: number;
  /** New name (rename). */
  name?: string;
}

/** Result of {@link ItemAction}. */
export interface ItemActionResult {
  /** Ids acted on. */
  ids: string[];
  /** The operation echoed by the server. */
  op: string | undefined;
}

/** ItemActionRequest. */
export const ItemAction: SoapRequestDefinition<ItemActionParams, ItemActionResult> = {
  name: 'ItemActionRequest',
  namespace: 'urn:zimbraMail',
  // A repeated move/flag/update converges; delete of a deleted item faults cleanly.
  build: (p) => {
    const a: SoapElement = { id: p.ids.join(','), op: p.op };
    if (p.folderId !== undefined) a['l'] = p.folderId;
    if (p.flags !== undefined) a['f'] = p.flags;
    // op=tag takes one raw name; update takes an encoded list (ItemAction.java, TagUtil.parseTags)
    if (p.tagNames !== undefined)
      a['tn'] = p.op === 'tag' || p.op === '!tag' ? p.tagNames.join(',') : encodeTagNames(p.tagNames);
    if (p.color !== undefined) a['color'] = p.color;
    if (p.name !== undefined) a['name'] = p.name;
    return { action: a };
  },
  parse: (r) => {
    const a = children(r, 'action')[0];
    return { ids: attrIdList(a, 'id'), op: attrStr(a, 'op') };
  },
};
