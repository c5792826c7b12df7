/**
 * The shape of a SOAP request module: each file in this folder exports one definition object
 * (name, namespace, builder, parser) plus its `XxxParams`/`XxxResult` types.
 * @module
 */
import type { SoapElement } from '../element.js';
import type { AccountSelector } from '../transports/transport.js';

/** A typed SOAP request: how to build its element and how to read its response element. */
export interface SoapRequestDefinition<P, R> {
  /** Request element name, e.g. `SyncRequest`. */
  readonly name: string;
  /** Request namespace, e.g. `urn:zimbraMail`. */
  readonly namespace: string;
  /** True for urn:zimbraAdmin commands (sent to the admin URL with the admin token). */
  readonly admin?: boolean;
  /** True for requests sent without a token (AuthRequest). */
  readonly noAuth?: boolean;
  /** False for requests that create something: not retried after the request may have reached the server. Default true. */
  readonly idempotent?: boolean;
  /** Response element name; default: `name` with `Request` replaced by `Response`. */
  readonly responseName?: string;
  /** Builds the request element (neutral model, without `_jsns`). */
  build(params: P): SoapElement;
  /** Reads the response element; throws `ZB_PROTOCOL` on a wrong shape. */
  parse(response: SoapElement, params: P): R;
  /** Smallest HTTP deadline this call needs, in ms (long polls). */
  minTimeoutMs?(params: P): number | undefined;
}

/** Any request definition (for registries and batches). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parameter and result types vary per request; `unknown` would refuse every concrete definition (function parameters are contravariant)
export type AnySoapRequestDefinition = SoapRequestDefinition<any, any>;

/** The response element name of a definition. */
export function responseNameOf(def: AnySoapRequestDefinition): string {
  return def.responseName ?? def.name.replace(/Request$/, 'Response');
}

/** Accepts an account as a selector or a string (containing `@`: a name, otherwise a zimbraId). */
export function toSelector(account: string | AccountSelector): AccountSelector {
  if (typeof account !== 'string') return account;
  return account.includes('@') ? { by: 'name', value: account } : { by: 'id', value: account };
}

/** The `<account by="…">value</account>` element. */
export function selectorElement(account: string | AccountSelector): SoapElement {
  const s = toSelector(account);
  return { by: s.by, _content: s.value };
}
