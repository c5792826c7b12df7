/**
 * GetItemRequest (urn:zimbraMail; soap.txt): one item of any type by id, answered with one
 * element named for its type (`m`, `doc`, `cn`, `appt`, `folder`...). Missing item:
 * `mail.NO_SUCH_ITEM`.
 * @module
 */
import { ZimbraBackupError } from '../../errors.js';
import { children, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseItem, WIRE_ITEM_TYPES, type ItemSummary } from './items.js';

/** Params of {@link GetItem}. */
export interface GetItemParams {
  /** Item id. */
  id: string;
}

/** Result of {@link GetItem}. */
export interface GetItemResult {
  /** The item's common fields, typed from the element name. */
  item: ItemSummary;
}

/** GetItemRequest. */
export const GetItem: SoapRequestDefinition<GetItemParams, GetItemResult> = {
  name: 'GetItemRequest',
  namespace: 'urn:zimbraMail',
  build: (p) => ({ item: { id: p.id } }),
  parse: (r: SoapElement) => {
    for (const [wire, type] of Object.entries(WIRE_ITEM_TYPES)) {
      const el = children(r, wire)[0];
      if (el) return { item: parseItem(el, type) };
    }
    throw new ZimbraBackupError('malformed GetItemResponse: no item element', {
      code: 'ZB_PROTOCOL',
      data: { request: 'GetItemRequest' },
    });
  },
};
