/**
 * Reads the `X-Zimbra-*` headers of a REST item download (NativeFormatter, SyncFormatter;
 * PROTOCOL.md 4b) into readable fields.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Item metadata from `X-Zimbra-*` headers (`fmt=sync` sends the full set). */
export interface ItemHeaders {
  /** `X-Zimbra-ItemId`. */
  itemId?: string;
  /** `X-Zimbra-ItemType`. */
  itemType?: string;
  /** `X-Zimbra-FolderId`. */
  folderId?: string;
  /** `X-Zimbra-Flags` (flag letters). */
  flags?: string;
  /** `X-Zimbra-Tags` (tag ids). */
  tagIds?: string[];
  /** `X-Zimbra-Tag-Names`. */
  tagNames?: string[];
  /** `X-Zimbra-Received`: received date in ms. */
  receivedMs?: number;
  /** `X-Zimbra-Modified`: last change time in ms. */
  modifiedMs?: number;
  /** `X-Zimbra-Change`: modified sequence (`ms`). */
  change?: number;
  /** `X-Zimbra-Revision`: saved sequence (`rev`). */
  revision?: number;
  /** `X-Zimbra-Conv`: conversation id. */
  conversationId?: string;
  /** `X-Zimbra-Version`: document version. */
  version?: number;
}

function one(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined ? undefined : s;
}

function num(s: string | undefined): number | undefined {
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

function list(s: string | undefined): string[] | undefined {
  if (s === undefined) return undefined;
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** Parses the `X-Zimbra-*` item headers present in `h` (absent ones stay `undefined`). */
export function parseItemHeaders(h: IncomingHttpHeaders): ItemHeaders {
  const out: ItemHeaders = {};
  const set = <K extends keyof ItemHeaders>(k: K, v: ItemHeaders[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('itemId', one(h, 'x-zimbra-itemid'));
  set('itemType', one(h, 'x-zimbra-itemtype'));
  set('folderId', one(h, 'x-zimbra-folderid'));
  set('flags', one(h, 'x-zimbra-flags'));
  set('tagIds', list(one(h, 'x-zimbra-tags')));
  const names = one(h, 'x-zimbra-tag-names');
  set('tagNames', list(names === undefined ? undefined : safeDecode(names)));
  set('receivedMs', num(one(h, 'x-zimbra-received')));
  set('modifiedMs', num(one(h, 'x-zimbra-modified')));
  set('change', num(one(h, 'x-zimbra-change')));
  set('revision', num(one(h, 'x-zimbra-revision')));
  set('conversationId', one(h, 'x-zimbra-conv'));
  set('version', num(one(h, 'x-zimbra-version')));
  return out;
}

/** Header values are ASCII; names with other characters may arrive percent-encoded. */
function safeDecode(s: string): string {
  try {
    return /%[0-9a-f]{2}/i.test(s) ? decodeURIComponent(s) : s;
  } catch {
    return s;
  }
}
