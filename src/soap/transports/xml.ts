/**
 * The XML SOAP 1.2 transport (Soap12Protocol.java; envelope namespace
 * `http://www.w3.org/2003/05/soap-envelope`). Responses are parsed with fast-xml-parser into the
 * neutral model: attributes become string properties, every child element becomes an array, text
 * becomes `_content`. Parsers coerce (`"1"`/`"0"` booleans, numeric strings).
 * @module
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ZimbraBackupError } from '../../errors.js';
import type { SoapElement } from '../element.js';
import { contextElement } from './json.js';
import type { SoapEnvelopeRequest, SoapEnvelopeResponse, SoapTransport } from './transport.js';

/** The SOAP 1.2 envelope namespace. */
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** XML booleans are `1`/`0` (Element.XMLElement). */
function scalarText(v: string | number | boolean): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

/** Serialises one neutral element as XML. `_attrs` becomes `<a n="k">v</a>`, `_jsns` becomes `xmlns`. */
export function elementToXml(name: string, el: SoapElement): string {
  let attrs = '';
  let inner = '';
  for (const [key, value] of Object.entries(el)) {
    if (value === undefined || value === null) continue;
    if (key === '_content') inner += escapeText(scalarText(value as string));
    else if (key === '_jsns') attrs += ` xmlns="${escapeAttr(String(value))}"`;
    else if (key === '_attrs') {
      for (const [n, v] of Object.entries(value as Record<string, unknown>)) {
        for (const one of Array.isArray(v) ? v : [v]) inner += `<a n="${escapeAttr(n)}">${escapeText(String(one))}</a>`;
      }
    } else if (isScalar(value)) attrs += ` ${key}="${escapeAttr(scalarText(value))}"`;
    else {
      for (const item of Array.isArray(value) ? value : [value]) {
        inner += isScalar(item)
          ? `<${key}>${escapeText(scalarText(item))}</${key}>`
          : elementToXml(key, item as SoapElement);
      }
    }
  }
  return inner === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${inner}</${name}>`;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  textNodeName: '_content',
  alwaysCreateTextNode: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (_name, _jpath, _leaf, isAttribute) => !isAttribute,
});

/** Drops whitespace-only text between child elements (pretty-printed XML) and `xmlns` attributes. */
function normalise(node: unknown): SoapElement {
  if (typeof node !== 'object' || node === null) return { _content: String(node ?? '') };
  const out: SoapElement = {};
  let hasChildren = false;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    if (Array.isArray(v)) {
      hasChildren = true;
      out[k] = v.map((c) => normalise(c));
    } else out[k] = v as string;
  }
  const t = out['_content'];
  if (typeof t === 'string' && (t === '' || (hasChildren && t.trim() === ''))) delete out['_content'];
  return out;
}

function protocolError(message: string): ZimbraBackupError {
  return new ZimbraBackupError(message, { code: 'ZB_PROTOCOL', data: { transport: 'xml' } });
}

/** The XML (SOAP 1.2) transport. */
export class XmlTransport implements SoapTransport {
  readonly format = 'xml' as const;
  readonly contentType = 'application/soap+xml; charset=utf-8';

  encode(req: SoapEnvelopeRequest): string {
    const header = elementToXml('context', contextElement(req.context, 'xml'));
    const body = elementToXml(req.name, { ...req.body, _jsns: req.namespace });
    return `<soap:Envelope xmlns:soap="${SOAP12_NS}"><soap:Header>${header}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;
  }

  decode(body: string): SoapEnvelopeResponse {
    // Zimbra never sends a DTD; refusing one rules out entity-expansion bombs from a hostile server.
    if (/<!DOCTYPE/i.test(body)) throw protocolError('response contains a DOCTYPE');
    // The validator gives a clean error on truncated input; its message quotes no content.
    const valid = XMLValidator.validate(body);
    if (valid !== true) throw protocolError(`response is not well-formed XML (line ${valid.err.line})`);
    let doc: Record<string, unknown>;
    try {
      doc = parser.parse(body) as Record<string, unknown>;
    } catch {
      throw protocolError(`response is not well-formed XML (${body.length} chars)`);
    }
    const env = (doc['Envelope'] as unknown[] | undefined)?.[0];
    if (!env) throw protocolError('response has no SOAP Envelope');
    const e = normalise(env);
    const b = (e['Body'] as SoapElement[] | undefined)?.[0];
    if (!b) throw protocolError('response has no SOAP Body');
    return { header: (e['Header'] as SoapElement[] | undefined)?.[0], body: b };
  }
}
