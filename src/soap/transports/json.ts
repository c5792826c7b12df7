/**
 * The JSON SOAP transport (soap.txt "Request and Response Formats"; SoapJSProtocol.java): no
 * `Envelope` object, `{"Header":{…},"Body":{…}}`, namespaces in `_jsns`.
 * @module
 */
import { ZimbraBackupError } from '../../errors.js';
import type { SoapElement } from '../element.js';
import type { SoapContextHeader, SoapEnvelopeRequest, SoapEnvelopeResponse, SoapTransport } from './transport.js';

/** Builds the `context` header element shared by both transports (neutral model). */
export function contextElement(ctx: SoapContextHeader, format: 'js' | 'xml'): SoapElement {
  const el: SoapElement = { _jsns: 'urn:zimbra' };
  if (ctx.authToken) el['authToken'] = { _content: ctx.authToken.reveal() };
  el['nosession'] = {};
  if (ctx.account) {
    el['account'] = { by: ctx.account.by, _content: ctx.account.value };
    // On behalf of another mailbox Zimbra would qualify item ids ("<zimbraId>:<n>",
    // ItemIdFormatter.java); <noqualify/> asks for bare ids (ZimbraSoapContext.java). Handlers
    // that ignore it are covered by qualified-ids.ts.
    el['noqualify'] = {};
  }
  el['format'] = { type: format };
  el['userAgent'] =
    ctx.userAgent.version === undefined
      ? { name: ctx.userAgent.name }
      : { name: ctx.userAgent.name, version: ctx.userAgent.version };
  return el;
}

function protocolError(message: string, cause?: unknown): ZimbraBackupError {
  return new ZimbraBackupError(message, { code: 'ZB_PROTOCOL', cause, data: { transport: 'json' } });
}

function isObj(v: unknown): v is SoapElement {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON transport (the default). */
export class JsonTransport implements SoapTransport {
  readonly format = 'json' as const;
  readonly contentType = 'application/json; charset=utf-8';

  encode(req: SoapEnvelopeRequest): string {
    return JSON.stringify({
      Header: { context: contextElement(req.context, 'js') },
      Body: { [req.name]: { ...req.body, _jsns: req.namespace } },
    });
  }

  decode(body: string): SoapEnvelopeResponse {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      // The body may hold a token (AuthResponse): never quote it, only its length.
      throw protocolError(
        `response is not valid JSON (${body.length} chars)`,
        err instanceof Error ? new Error(err.name) : undefined,
      );
    }
    if (!isObj(parsed) || !isObj(parsed['Body'])) throw protocolError('response has no SOAP Body object');
    const header = isObj(parsed['Header']) ? parsed['Header'] : undefined;
    return { header, body: parsed['Body'] };
  }
}
