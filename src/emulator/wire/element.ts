/**
 * A format-neutral SOAP element, modelled on Zimbra's `Element`: the same tree serialises to
 * JSON (`SoapJSProtocol`) and to XML (`Soap12Protocol`). What differs between the two is decided
 * here by the kind of each property: attributes, content-disposition attributes (`su`, `fr`),
 * key/value pairs (`_attrs` vs `<a n>`), unique children (JSON objects) and non-unique children
 * (JSON arrays, even with one member).
 */

/** An attribute value; numbers and booleans keep their JSON type (XML writes `1`/`0` for booleans). */
export type AttrValue = string | number | boolean;

/** One element of a SOAP request or response. */
export class Element {
  /** Plain attributes, in insertion order. */
  readonly attrs: Record<string, AttrValue> = {};
  /** Content-disposition attributes: XML child text (`<su>x</su>`), plain JSON properties. */
  readonly textAttrs: Record<string, AttrValue> = {};
  /** Key/value pairs (`_attrs` in JSON, `<a n="k">v</a>` in XML); a key may repeat. */
  readonly kv: Array<[string, string]> = [];
  /**
   * Key/value pairs that carry attributes instead of a value (Element.java `KeyValuePair.addAttribute`,
   * e.g. a contact's photo): an object under `_attrs` in JSON, `<a n="k" part=…/>` in XML.
   */
  readonly kvAttrs: Array<[string, Record<string, AttrValue>]> = [];
  /** Child elements in order. */
  readonly children: Element[] = [];
  /** Text content (`_content`). */
  content: string | undefined;
  /** Unique elements become JSON objects; all others become arrays. */
  unique = false;
  /**
   * How key/value pairs are written in XML: `<a n="k">` by default, `<attr name="k">` where a
   * handler calls `addKeyValuePair(k, v, "attr", "name")` (JSON always uses `_attrs`).
   */
  kvXml: { el: string; key: string } = { el: 'a', key: 'n' };

  constructor(
    readonly name: string,
    public ns?: string,
  ) {}

  /** Sets an attribute unless the value is undefined. */
  attr(name: string, value: AttrValue | undefined | null): this {
    if (value !== undefined && value !== null) this.attrs[name] = value;
    return this;
  }

  /** Sets a content-disposition attribute unless the value is undefined. */
  text(name: string, value: AttrValue | undefined | null): this {
    if (value !== undefined && value !== null) this.textAttrs[name] = value;
    return this;
  }

  /** Adds a key/value pair. */
  pair(key: string, value: string): this {
    this.kv.push([key, value]);
    return this;
  }

  /** Adds a key/value pair with attributes and no value. */
  pairWithAttrs(key: string, attrs: Record<string, AttrValue>): this {
    this.kvAttrs.push([key, attrs]);
    return this;
  }

  /** Sets the text content. */
  setContent(value: string | undefined): this {
    this.content = value;
    return this;
  }

  /** Adds and returns a non-unique child (a JSON array member). */
  add(name: string, ns?: string): Element {
    const child = new Element(name, ns);
    this.children.push(child);
    return child;
  }

  /** Adds and returns a unique child (a JSON object). */
  addUnique(name: string, ns?: string): Element {
    const child = this.add(name, ns);
    child.unique = true;
    return child;
  }

  /** Appends an existing element. */
  append(child: Element): Element {
    this.children.push(child);
    return child;
  }

  /** The first child with that name. */
  child(name: string): Element | undefined {
    return this.children.find((c) => c.name === name);
  }

  /** All children with that name. */
  all(name: string): Element[] {
    return this.children.filter((c) => c.name === name);
  }

  /**
   * Reads an attribute leniently, as Zimbra's `getAttribute` does: an attribute, a
   * content-disposition attribute, or the text of a child element of that name.
   */
  get(name: string): string | undefined {
    const a = this.attrs[name];
    if (a !== undefined) return typeof a === 'boolean' ? (a ? '1' : '0') : String(a);
    const t = this.textAttrs[name];
    if (t !== undefined) return String(t);
    const c = this.child(name);
    return c?.content;
  }

  /** Reads a boolean attribute (`1`, `true`). */
  getBool(name: string, dflt = false): boolean {
    const v = this.get(name);
    if (v === undefined) return dflt;
    return v === '1' || v.toLowerCase() === 'true';
  }

  /** Reads an integer attribute; NaN when present but not a number. */
  getInt(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined || v === '') return undefined;
    return Number(v);
  }
}
