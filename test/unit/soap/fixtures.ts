// Loads SOAP fixtures and decodes them with the matching transport (shared by the unit tests).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { child, type SoapElement } from '../../../src/soap/element.js';
import { JsonTransport } from '../../../src/soap/transports/json.js';
import { XmlTransport } from '../../../src/soap/transports/xml.js';

const dir = fileURLToPath(new URL('../../fixtures/soap/', import.meta.url));

/** Raw fixture text. */
export function fixture(name: string): string {
  return readFileSync(dir + name, 'utf8');
}

/** Decodes `<name>.json` or `<name>.xml` and returns the Body child `element`. */
export function bodyElement(file: string, element: string): SoapElement {
  const t = file.endsWith('.xml') ? new XmlTransport() : new JsonTransport();
  const env = t.decode(fixture(file));
  const el = child(env.body, element);
  if (!el) throw new Error(`no ${element} in ${file}`);
  return el;
}
