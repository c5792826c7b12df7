/**
 * Shared reader for admin directory objects (account, cos, domain, server, dl): `{name, id, a[]}`
 * (service/admin/ToXML.encodeAttr). Attribute values are strings; multi-valued ones repeat.
 * @module
 */
import { attrBool, attrStr, children, readAttrs, requireStr, type SoapElement, type ZimbraAttrs } from '../element.js';

/** An admin directory object. */
export interface DirectoryObject {
  /** zimbraId. */
  id: string;
  /** Name (account/dl address, domain name, cos name, server hostname). */
  name: string;
  /** LDAP attributes; a multi-valued one is an array. */
  attrs: ZimbraAttrs;
}

/** A distribution list (static or dynamic). */
export interface DistributionListInfo extends DirectoryObject {
  /** True for a dynamic group. */
  dynamic: boolean;
  /** Member addresses (`dlm`), when the response carries them. */
  members: string[];
}

/** Reads one directory object element. */
export function parseDirectoryObject(el: SoapElement, what: string): DirectoryObject {
  return { id: requireStr(el, 'id', what), name: requireStr(el, 'name', what), attrs: readAttrs(el) };
}

/** Reads a `dl` element, with `dlm` members if present. */
export function parseDistributionList(el: SoapElement): DistributionListInfo {
  return {
    ...parseDirectoryObject(el, 'dl'),
    dynamic: attrBool(el, 'dynamic') === true,
    members: children(el, 'dlm')
      .map((m) => attrStr(m, '_content') ?? '')
      .filter((m) => m !== ''),
  };
}

/** Reads the first child element `name` as a directory object, or throws `ZB_PROTOCOL`. */
export function parseOne(resp: SoapElement, name: string): DirectoryObject {
  const el = children(resp, name)[0];
  return parseDirectoryObject(el ?? {}, name);
}
