/**
 * SOAP 1.2 XML as Zimbra writes and reads it (`Soap12Protocol`, `Element.XMLElement`):
 * attributes stay attributes, content-disposition attributes become child text elements,
 * key/value pairs become `<a n="k">v</a>`, booleans are `1`/`0`. PROTOCOL.md sections 0 and 8.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { Element } from './element.js';
import { SoapFault } from './soap-fault.js';
import { FaultElement, type DecodedEnvelope } from './json-codec.js';

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

/** Escapes text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

function attrText(v: string | number | boolean): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

/** Serialises an element to XML, writing `xmlns` where the namespace changes. */
export function elementToXml(el: Element, parentNs: string | undefined, out: string[]): void {
  if (el instanceof FaultElement) {
    const rid = el.attrs['requestId'];
    out.push(xmlFaultBody(el.fault, el.trace, rid === undefined ? undefined : String(rid)));
    return;
  }
  out.push('<', el.name);
  if (el.ns !== undefined && el.ns !== parentNs) out.push(' xmlns="', escapeXml(el.ns), '"');
  for (const [k, v] of Object.entries(el.attrs)) out.push(' ', k, '="', escapeXml(attrText(v)), '"');
  const ns = el.ns ?? parentNs;
  const textKeys = Object.keys(el.textAttrs);
  if (textKeys.length === 0 && el.kv.length === 0 && el.children.length === 0 && el.content === undefined) {
    out.push('/>');
    return;
  }
  out.push('>');
  for (const k of textKeys) out.push('<', k, '>', escapeXml(attrText(el.textAttrs[k] ?? '')), '</', k, '>');
  for (const [k, v] of el.kv) out.push('<a n="', escapeXml(k), '">', escapeXml(v), '</a>');
  if (el.content !== undefined) out.push(escapeXml(el.content));
  for (const c of el.children) elementToXml(c, ns, out);
  out.push('</', el.name, '>');
}

/** Serialises a SOAP 1.2 response envelope. */
export function encodeXmlEnvelope(context: Element | undefined, body: Element): string {
  const out: string[] = [`<soap:Envelope xmlns:soap="${SOAP12}">`];
  if (context) {
    out.push('<soap:Header>');
    elementToXml(context, undefined, out);
    out.push('</soap:Header>');
  }
  out.push('<soap:Body>');
  elementToXml(body, undefined, out);
  out.push('</soap:Body></soap:Envelope>');
  return out.join('');
}

/** Serialises a SOAP 1.2 fault envelope exactly as `Soap12Protocol.soapFault` does. */
export function encodeXmlFault(
  context: Element | undefined,
  fault: SoapFault,
  trace: string,
  requestId?: string,
): string {
  const out: string[] = [`<soap:Envelope xmlns:soap="${SOAP12}">`];
  if (context) {
    out.push('<soap:Header>');
    elementToXml(context, undefined, out);
    out.push('</soap:Header>');
  }
  out.push('<soap:Body>', xmlFaultBody(fault, trace, requestId), '</soap:Body></soap:Envelope>');
  return out.join('');
}

/** The `<soap:Fault>` element alone (used inside BatchResponse too). */
export function xmlFaultBody(fault: SoapFault, trace: string, requestId?: string): string {
  const args = fault.args.map((a) => `<a n="${escapeXml(a.n)}" t="${a.t}">${escapeXml(a.value)}</a>`).join('');
  const rid = requestId === undefined ? '' : ` requestId="${escapeXml(requestId)}"`;
  return (
    `<soap:Fault${rid}><soap:Code><soap:Value>${fault.sender ? 'soap:Sender' : 'soap:Receiver'}</soap:Value></soap:Code>` +
    `<soap:Reason><soap:Text>${escapeXml(fault.reason)}</soap:Text></soap:Reason>` +
    `<soap:Detail><Error xmlns="urn:zimbra"><Code>${escapeXml(fault.code)}</Code><Trace>${escapeXml(trace)}</Trace>${args}</Error></soap:Detail></soap:Fault>`
  );
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
});

type Node = Record<string, unknown>;

function localName(q: string): string {
  const i = q.indexOf(':');
  return i < 0 ? q : q.slice(i + 1);
}

function toElement(node: Node, parentNs: string | undefined): Element | undefined {
  const tag = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
  if (tag === undefined) return undefined;
  const attrs = (node[':@'] ?? {}) as Record<string, string>;
  const el = new Element(localName(tag), attrs['xmlns'] ?? parentNs);
  for (const [k, v] of Object.entries(attrs)) if (k !== 'xmlns' && !k.startsWith('xmlns:')) el.attrs[localName(k)] = v;
  let text = '';
  for (const child of (node[tag] ?? []) as Node[]) {
    if ('#text' in child) text += String(child['#text']);
    else {
      const c = toElement(child, el.ns);
      if (c) el.children.push(c);
    }
  }
  if (el.children.length === 0) {
    if (text !== '') el.content = text;
  } else if (text.trim() !== '') el.content = text.trim();
  // `<a n="k">v</a>` children are also key/value pairs (contact fields, prefs)
  return el;
}

/** Parses an XML SOAP envelope (SOAP 1.1 or 1.2); malformed input raises `service.PARSE_ERROR`. */
export function decodeXmlEnvelope(text: string): DecodedEnvelope {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new SoapFault('service.PARSE_ERROR', `parse error: ${valid.err.msg}`);
  let nodes: Node[];
  try {
    nodes = parser.parse(text) as Node[];
  } catch (err) {
    throw new SoapFault('service.PARSE_ERROR', `parse error: ${(err as Error).message}`);
  }
  const root = nodes.map((n) => toElement(n, undefined)).find((e) => e !== undefined);
  if (!root || root.name !== 'Envelope') throw new SoapFault('service.PARSE_ERROR', 'parse error: no SOAP Envelope');
  const body = root.child('Body')?.children[0];
  if (!body) throw new SoapFault('service.INVALID_REQUEST', 'invalid request: empty Body');
  const header = root.child('Header')?.child('context');
  return { header, body };
}
