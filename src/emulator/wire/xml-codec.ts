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
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';

/** The SOAP version of an XML envelope; the answer uses the request's version (`ZimbraSoapContext`). */
export type SoapVersion = '1.1' | '1.2';

/** Escapes text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

function attrText(v: string | number | boolean): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

/** Serialises an element to XML, writing `xmlns` where the namespace changes. */
export function elementToXml(
  el: Element,
  parentNs: string | undefined,
  out: string[],
  soap: SoapVersion = '1.2',
): void {
  if (el instanceof FaultElement) {
    const rid = el.attrs['requestId'];
    out.push(xmlFaultBody(el.fault, el.trace, rid === undefined ? undefined : String(rid), soap));
    return;
  }
  out.push('<', el.name);
  if (el.ns !== undefined && el.ns !== parentNs) out.push(' xmlns="', escapeXml(el.ns), '"');
  for (const [k, v] of Object.entries(el.attrs)) out.push(' ', k, '="', escapeXml(attrText(v)), '"');
  const ns = el.ns ?? parentNs;
  const textKeys = Object.keys(el.textAttrs);
  if (
    textKeys.length === 0 &&
    el.kv.length === 0 &&
    el.kvAttrs.length === 0 &&
    el.children.length === 0 &&
    el.content === undefined
  ) {
    out.push('/>');
    return;
  }
  out.push('>');
  for (const k of textKeys) out.push('<', k, '>', escapeXml(attrText(el.textAttrs[k] ?? '')), '</', k, '>');
  const { el: kvEl, key: kvKey } = el.kvXml;
  for (const [k, v] of el.kv) out.push('<', kvEl, ' ', kvKey, '="', escapeXml(k), '">', escapeXml(v), '</', kvEl, '>');
  for (const [k, a] of el.kvAttrs) {
    out.push('<a n="', escapeXml(k), '"');
    for (const [ak, av] of Object.entries(a)) out.push(' ', ak, '="', escapeXml(attrText(av)), '"');
    out.push('/>');
  }
  if (el.content !== undefined) out.push(escapeXml(el.content));
  for (const c of el.children) elementToXml(c, ns, out, soap);
  out.push('</', el.name, '>');
}

const envelopeNs = (soap: SoapVersion): string => (soap === '1.1' ? SOAP11 : SOAP12);

/** Serialises a response envelope in the request's SOAP version (1.2 unless told). */
export function encodeXmlEnvelope(context: Element | undefined, body: Element, soap: SoapVersion = '1.2'): string {
  const out: string[] = [`<soap:Envelope xmlns:soap="${envelopeNs(soap)}">`];
  if (context) {
    out.push('<soap:Header>');
    elementToXml(context, undefined, out, soap);
    out.push('</soap:Header>');
  }
  out.push('<soap:Body>');
  elementToXml(body, undefined, out, soap);
  out.push('</soap:Body></soap:Envelope>');
  return out.join('');
}

/** Serialises a fault envelope exactly as `Soap12Protocol.soapFault` (or `Soap11Protocol`) does. */
export function encodeXmlFault(
  context: Element | undefined,
  fault: SoapFault,
  trace: string,
  requestId?: string,
  soap: SoapVersion = '1.2',
): string {
  const out: string[] = [`<soap:Envelope xmlns:soap="${envelopeNs(soap)}">`];
  if (context) {
    out.push('<soap:Header>');
    elementToXml(context, undefined, out);
    out.push('</soap:Header>');
  }
  out.push('<soap:Body>', xmlFaultBody(fault, trace, requestId, soap), '</soap:Body></soap:Envelope>');
  return out.join('');
}

/**
 * The `<soap:Fault>` element alone (used inside BatchResponse too). SOAP 1.1 uses unqualified
 * `faultcode`/`faultstring`/`detail` with `soap:Client`/`soap:Server` (`Soap11Protocol.soapFault`).
 */
export function xmlFaultBody(fault: SoapFault, trace: string, requestId?: string, soap: SoapVersion = '1.2'): string {
  const args = fault.args.map((a) => `<a n="${escapeXml(a.n)}" t="${a.t}">${escapeXml(a.value)}</a>`).join('');
  const rid = requestId === undefined ? '' : ` requestId="${escapeXml(requestId)}"`;
  const error = `<Error xmlns="urn:zimbra"><Code>${escapeXml(fault.code)}</Code><Trace>${escapeXml(trace)}</Trace>${args}</Error>`;
  if (soap === '1.1')
    return (
      `<soap:Fault${rid}><faultcode>${fault.sender ? 'soap:Client' : 'soap:Server'}</faultcode>` +
      `<faultstring>${escapeXml(fault.reason)}</faultstring><detail>${error}</detail></soap:Fault>`
    );
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
type Scope = ReadonlyMap<string, string>;

function localName(q: string): string {
  const i = q.indexOf(':');
  return i < 0 ? q : q.slice(i + 1);
}

function prefixOf(q: string): string {
  const i = q.indexOf(':');
  return i < 0 ? '' : q.slice(0, i);
}

/** The element tag of a parsed node; `?xml` declarations, processing instructions and comments are not elements. */
function tagOf(node: Node): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text' && k !== '#comment' && !k.startsWith('?'));
}

/**
 * Builds an element, resolving namespace prefixes the way a namespace-aware DOM does: `xmlns`
 * sets the default namespace, `xmlns:p` binds a prefix, both inherited by descendants.
 */
function toElement(node: Node, scope: Scope): Element | undefined {
  const tag = tagOf(node);
  if (tag === undefined) return undefined;
  const attrs = (node[':@'] ?? {}) as Record<string, string>;
  let inner: Map<string, string> | undefined;
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'xmlns') (inner ??= new Map(scope)).set('', v);
    else if (k.startsWith('xmlns:')) (inner ??= new Map(scope)).set(k.slice(6), v);
  }
  const here = inner ?? scope;
  const el = new Element(localName(tag), here.get(prefixOf(tag)));
  for (const [k, v] of Object.entries(attrs)) if (k !== 'xmlns' && !k.startsWith('xmlns:')) el.attrs[localName(k)] = v;
  let text = '';
  for (const child of (node[tag] ?? []) as Node[]) {
    if ('#text' in child) text += String(child['#text']);
    else {
      const c = toElement(child, here);
      if (c) el.children.push(c);
    }
  }
  if (el.children.length === 0) {
    if (text !== '') el.content = text;
  } else if (text.trim() !== '') el.content = text.trim();
  // `<a n="k">v</a>` children are also key/value pairs (contact fields, prefs)
  return el;
}

/** The SOAP version of an envelope namespace (`SoapProtocol.determineProtocol`). */
function soapVersion(ns: string | undefined): SoapVersion | undefined {
  return ns === SOAP12 ? '1.2' : ns === SOAP11 ? '1.1' : undefined;
}

/**
 * Parses an XML SOAP envelope. As `SoapEngine.dispatch` does: an XML declaration, comments and
 * processing instructions around the envelope are allowed; malformed XML is
 * `service.PARSE_ERROR`; a root that is not a SOAP 1.1 or 1.2 Envelope is
 * `service.INVALID_REQUEST` "unable to determine SOAP version"; an empty Body is "No SOAP body".
 */
export function decodeXmlEnvelope(text: string): DecodedEnvelope {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new SoapFault('service.PARSE_ERROR', `parse error: ${valid.err.msg}`);
  let nodes: Node[];
  try {
    nodes = parser.parse(text) as Node[];
  } catch (err) {
    throw new SoapFault('service.PARSE_ERROR', `parse error: ${(err as Error).message}`);
  }
  const root = nodes.map((n) => toElement(n, new Map())).find((e) => e !== undefined);
  const soap = root?.name === 'Envelope' ? soapVersion(root.ns) : undefined;
  if (!root || !soap)
    throw new SoapFault('service.INVALID_REQUEST', 'invalid request: unable to determine SOAP version');
  const inSoap = (e: Element, name: string): boolean => e.name === name && e.ns === root.ns;
  const body = root.children.find((c) => inSoap(c, 'Body'))?.children[0];
  if (!body) throw new SoapFault('service.INVALID_REQUEST', 'invalid request: No SOAP body');
  const header = root.children.find((c) => inSoap(c, 'Header'))?.child('context');
  return { header, body, soap };
}
