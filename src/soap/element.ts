/**
 * The neutral element model shared by both transports, and the lenient readers every parser uses.
 *
 * The model is Zimbra's JSON shape (soap.txt, `Element.JSONElement`): attributes are properties,
 * child elements are objects or arrays of objects, text is `_content`, the namespace is `_jsns`.
 * The XML transport produces the same shape, except that every attribute is a string and every
 * child element is an array, so readers coerce and never rely on one-vs-many.
 * @module
 */
import { ZimbraBackupError } from '../errors.js';

/** A scalar attribute value as it may appear on the wire. */
export type SoapScalar = string | number | boolean;

/** One SOAP element in the neutral (JSON-shaped) model. */
export interface SoapElement {
  [key: string]: SoapScalar | SoapElement | SoapElement[] | Record<string, unknown> | undefined;
}

/** Zimbra key/value attributes (`_attrs` or `a[{n,_content}]`): one value or several per name. */
export type ZimbraAttrs = Record<string, string | string[]>;

/** Returns `value` as an array: `undefined` gives `[]`, one element gives `[element]`. */
export function asArray<T>(value: T | T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function isObject(v: unknown): v is SoapElement {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The child elements called `name` (zero or more), whichever of object/array the wire used. */
export function children(el: SoapElement | undefined, name: string): SoapElement[] {
  if (!el) return [];
  return asArray(el[name] as SoapElement | SoapElement[] | undefined).filter(isObject);
}

/** The first child element called `name`, if any. */
export function child(el: SoapElement | undefined, name: string): SoapElement | undefined {
  return children(el, name)[0];
}

/** The text content of an element (`_content`), if any. */
export function text(el: SoapElement | undefined): string | undefined {
  const v = el?.['_content'];
  if (v === undefined || v === null) return undefined;
  return typeof v === 'object' ? undefined : String(v);
}

/**
 * Reads attribute `name` as a string. Like Zimbra's `Element.getAttribute`, it falls back to a
 * child element of that name and its text, which is how XML carries content-disposition attributes
 * (`<su>`, `<lifetime>`) that JSON writes as plain properties.
 */
export function attrStr(el: SoapElement | undefined, name: string): string | undefined {
  if (!el) return undefined;
  const v = el[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const first = asArray(v as SoapElement | SoapElement[])[0];
  return isObject(first) ? text(first) : undefined;
}

/** Reads attribute `name` as a finite number (JSON number or numeric string); `undefined` otherwise. */
export function attrNum(el: SoapElement | undefined, name: string): number | undefined {
  const s = attrStr(el, name);
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** Reads attribute `name` as a boolean: JSON `true/false`, XML `"1"/"0"`, or `"true"/"false"`/`"TRUE"`. */
export function attrBool(el: SoapElement | undefined, name: string): boolean | undefined {
  const s = attrStr(el, name);
  if (s === undefined) return undefined;
  const l = s.toLowerCase();
  if (l === '1' || l === 'true') return true;
  if (l === '0' || l === 'false' || l === '') return false;
  return undefined;
}

/** Reads a comma-separated id list (`ids="1,2,3"`); empty or absent gives `[]`. */
export function attrIdList(el: SoapElement | undefined, name: string): string[] {
  const s = attrStr(el, name);
  if (!s) return [];
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

/** Like {@link attrStr} but throws `ZB_PROTOCOL` when the attribute is missing. */
export function requireStr(el: SoapElement | undefined, name: string, where: string): string {
  const v = attrStr(el, name);
  if (v === undefined) {
    throw new ZimbraBackupError(`malformed ${where}: missing "${name}"`, {
      code: 'ZB_PROTOCOL',
      data: { element: where, attribute: name },
    });
  }
  return v;
}

function addValue(out: ZimbraAttrs, key: string, value: string): void {
  const prev = out[key];
  if (prev === undefined) out[key] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else out[key] = [prev, value];
}

/**
 * Reads key/value attributes in either wire form: JSON `"_attrs": {k: v | v[]}` (contacts, prefs)
 * or `a: [{n, _content}]` (admin objects, and every XML response). Repeated names become arrays.
 */
export function readAttrs(el: SoapElement | undefined): ZimbraAttrs {
  const out: ZimbraAttrs = {};
  if (!el) return out;
  const kv = el['_attrs'];
  if (isObject(kv)) {
    for (const [k, v] of Object.entries(kv)) {
      for (const one of asArray(v as unknown)) if (one !== undefined && one !== null) addValue(out, k, String(one));
    }
  }
  for (const a of children(el, 'a')) {
    const n = attrStr(a, 'n');
    // `pd="1"`: permission denied, no value (service/admin/ToXML); leave it out rather than report "".
    if (n === undefined || attrBool(a, 'pd') === true) continue;
    addValue(out, n, text(a) ?? '');
  }
  return out;
}

/** All values of one key/value attribute (`[]` when absent). */
export function attrValues(attrs: ZimbraAttrs, name: string): string[] {
  return asArray(attrs[name]);
}

/** The first value of one key/value attribute. */
export function attrValue(attrs: ZimbraAttrs, name: string): string | undefined {
  return attrValues(attrs, name)[0];
}

/** Builds the request form `a: [{n, _content}]` from key/value attributes (multi-values repeat `n`). */
export function toAttrList(attrs: ZimbraAttrs | undefined): SoapElement[] {
  const out: SoapElement[] = [];
  for (const [n, v] of Object.entries(attrs ?? {})) for (const one of asArray(v)) out.push({ n, _content: one });
  return out;
}

/** Throws `ZB_PROTOCOL` unless `value` is an element object. */
export function expectElement(value: unknown, where: string): SoapElement {
  if (!isObject(value)) {
    throw new ZimbraBackupError(`malformed response: ${where} is not an element`, {
      code: 'ZB_PROTOCOL',
      data: { element: where },
    });
  }
  return value;
}

/** Drops `undefined` properties so builders can pass optional params straight through. */
export function compact(el: Record<string, unknown>): SoapElement {
  const out: SoapElement = {};
  for (const [k, v] of Object.entries(el)) if (v !== undefined) out[k] = v as SoapElement[string];
  return out;
}
