/**
 * CreateFolderRequest (urn:zimbraMail). `fetchIfExists` (`fie=1`, default on) returns the existing
 * folder instead of `mail.ALREADY_EXISTS`, which makes restores re-runnable.
 * @module
 */
import { children, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseFolder, type FolderInfo } from './items.js';

/** Params of {@link CreateFolder}. */
export interface CreateFolderParams {
  /** Folder name, or a full path when `parentId` is unset. */
  name: string;
  /** Parent folder id. */
  parentId?: string;
  /** Default item type: message, contact, appointment, task, document... */
  view?: string;
  /** Colour index. */
  color?: number;
  /** RGB colour `#rrggbb`. */
  rgb?: string;
  /** Flag letters. */
  flags?: string;
  /** Remote feed URL. */
  url?: string;
  /** Return the existing folder instead of failing. Default true. */
  fetchIfExists?: boolean;
}

/** CreateFolderRequest; resolves to the (new or existing) folder. */
export const CreateFolder: SoapRequestDefinition<CreateFolderParams, FolderInfo> = {
  name: 'CreateFolderRequest',
  namespace: 'urn:zimbraMail',
  build: (p) => {
    const f: SoapElement = { name: p.name, fie: p.fetchIfExists === false ? 0 : 1 };
    if (p.parentId !== undefined) f['l'] = p.parentId;
    if (p.view !== undefined) f['view'] = p.view;
    if (p.color !== undefined) f['color'] = p.color;
    if (p.rgb !== undefined) f['rgb'] = p.rgb;
    if (p.flags !== undefined) f['f'] = p.flags;
    if (p.url !== undefined) f['url'] = p.url;
    return { folder: f };
  },
  parse: (r) => parseFolder(children(r, 'folder')[0] ?? {}, 'folder'),
};
