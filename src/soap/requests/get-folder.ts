/**
 * GetFolderRequest (urn:zimbraMail): one root folder with its nested folders, links and searches.
 * @module
 */
import { ZimbraBackupError } from '../../errors.js';
import { children, type SoapElement } from '../element.js';
import type { SoapRequestDefinition } from './definition.js';
import { parseFolder, type FolderInfo } from './items.js';

/** Params of {@link GetFolder}. */
export interface GetFolderParams {
  /** Root folder id (default: the user root). */
  folderId?: string;
  /** Root folder path, instead of `folderId`. */
  path?: string;
  /** Levels below the root (default: all). */
  depth?: number;
  /** Include folders the user can see but does not own. */
  visible?: boolean;
  /** Only folders of this view. */
  view?: string;
}

/** Result of {@link GetFolder}. */
export interface GetFolderResult {
  /** The root folder and its tree. */
  root: FolderInfo;
}

/** GetFolderRequest. */
export const GetFolder: SoapRequestDefinition<GetFolderParams, GetFolderResult> = {
  name: 'GetFolderRequest',
  namespace: 'urn:zimbraMail',
  build: (p) => {
    const el: SoapElement = {};
    if (p.depth !== undefined) el['depth'] = p.depth;
    if (p.visible !== undefined) el['visible'] = p.visible;
    if (p.view !== undefined) el['view'] = p.view;
    if (p.folderId !== undefined || p.path !== undefined) {
      el['folder'] = p.folderId !== undefined ? { l: p.folderId } : { path: p.path as string };
    }
    return el;
  },
  parse: (r) => {
    const kinds = ['folder', 'link', 'search'] as const;
    for (const k of kinds) {
      const el = children(r, k)[0];
      if (el) return { root: parseFolder(el, k) };
    }
    throw new ZimbraBackupError('malformed GetFolderResponse: no folder', {
      code: 'ZB_PROTOCOL',
      data: { request: 'GetFolderRequest' },
    });
  },
};
