/**
 * JSON SOAP as Zimbra writes and reads it (`Element.JSONElement`, `SoapJSProtocol`):
 * no Envelope object, `_jsns` only where the namespace changes, `_content` for text,
 * `_attrs` for key/value pairs, arrays for every non-unique child. PROTOCOL.md section 0.
 */
import { Element } from './element.js';
import { SoapFault } from './soap-fault.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Converts an element to Zimbra's JSON form; `parentNs` decides whether `_jsns` is written. */
export function elementToJson(el: Element, parentNs?: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(el.attrs)) out[k] = v;
  for (const [k, v] of Object.entries(el.textAttrs)) out[k] = v;
  if (el.kv.length > 0 || el.kvAttrs.length > 0) {
    const attrs: Record<string, Json> = {};
    const put = (k: string, v: Json): void => {
      const prev = attrs[k];
      attrs[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    };
    for (const [k, v] of el.kv) put(k, v);
    for (const [k, a] of el.kvAttrs) put(k, { ...a });
    out['_attrs'] = attrs;
  }
  const ns = el.ns ?? parentNs;
  for (const child of el.children) {
    const encoded = elementToJson(child, ns);
    if (child.unique) {
      out[child.name] = encoded;
    } else {
      const list = (out[child.name] as Json[] | undefined) ?? [];
      list.push(encoded);
      out[child.name] = list;
    }
  }
  if (el.content !== undefined) out['_content'] = el.content;
  if (el.ns !== undefined && el.ns !== parentNs) out['_jsns'] = el.ns;
  return out;
}

/** Builds an element from a JSON object leniently (numbers, booleans and strings all accepted). */
export function jsonToElement(name: string, value: Json, parentNs?: string): Element {
  const el = new Element(name, parentNs);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (value !== null) el.content = String(value);
    return el;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k === '_jsns') {
      el.ns = String(v);
    } else if (k === '_content') {
      el.content = v === null ? undefined : String(v);
    } else if (k === '_attrs' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [ak, av] of Object.entries(v)) {
        for (const one of Array.isArray(av) ? av : [av]) el.pair(ak, String(one));
      }
    } else if (Array.isArray(v)) {
      for (const item of v) el.children.push(jsonToElement(k, item, el.ns));
    } else if (v !== null && typeof v === 'object') {
      el.children.push(jsonToElement(k, v, el.ns));
    } else if (v !== null) {
      el.attrs[k] = v;
    }
  }
  // children parsed before `_jsns` was seen inherit the element's namespace
  for (const c of el.children) c.ns ??= el.ns;
  return el;
}

/** A decoded SOAP envelope. */
export interface DecodedEnvelope {
  header: Element | undefined;
  body: Element;
  /** The SOAP version of an XML request; absent for JSON. */
  soap?: '1.1' | '1.2' | undefined;
}

/** Parses a JSON SOAP request body; malformed input raises `service.PARSE_ERROR`. */
export function decodeJsonEnvelope(text: string): DecodedEnvelope {
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch (err) {
    throw new SoapFault('service.PARSE_ERROR', `parse error: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new SoapFault('service.PARSE_ERROR', 'parse error: not a JSON object');
  const body = parsed['Body'];
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new SoapFault('service.INVALID_REQUEST', 'invalid request: no Body');
  const entries = Object.entries(body).filter(([k]) => k !== '_jsns');
  const first = entries[0];
  if (!first) throw new SoapFault('service.INVALID_REQUEST', 'invalid request: empty Body');
  const headerJson = parsed['Header'];
  let header: Element | undefined;
  if (headerJson && typeof headerJson === 'object' && !Array.isArray(headerJson)) {
    const ctx = headerJson['context'];
    if (ctx !== undefined) header = jsonToElement('context', Array.isArray(ctx) ? (ctx[0] ?? {}) : ctx, 'urn:zimbra');
  }
  return { header, body: jsonToElement(first[0], first[1], undefined) };
}

/** Serialises a response envelope: header context (may be absent) and body element. */
export function encodeJsonEnvelope(context: Element | undefined, body: Element): string {
  const out: Record<string, Json> = {};
  if (context) out['Header'] = { context: elementToJson(context, 'urn:zimbraSoap') };
  out['Body'] = { [body.name]: elementToJson(body, 'urn:zimbraSoap') };
  out['_jsns'] = 'urn:zimbraSoap';
  return JSON.stringify(out);
}

/** A fault as an element: JSON writes its children, XML writes `<soap:Fault>` from `fault`. */
export class FaultElement extends Element {
  constructor(
    readonly fault: SoapFault,
    readonly trace: string,
  ) {
    super('Fault');
  }
}

/** The JSON `Fault` element of `SoapJSProtocol.soapFault` as a neutral element. */
export function faultElement(fault: SoapFault, trace: string): FaultElement {
  const f = new FaultElement(fault, trace);
  f.unique = true;
  f.addUnique('Code').attr('Value', fault.sender ? 'soap:Sender' : 'soap:Receiver');
  f.addUnique('Reason').attr('Text', fault.reason);
  const err = f.addUnique('Detail').addUnique('Error', 'urn:zimbra');
  err.attr('Code', fault.code).attr('Trace', trace);
  for (const a of fault.args) err.add('a').attr('n', a.n).attr('t', a.t).setContent(a.value);
  return f;
}
