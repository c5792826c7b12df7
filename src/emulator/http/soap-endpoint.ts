/**
 * One SOAP POST: detect JSON or XML from the body's first character, decode, authenticate,
 * dispatch, and answer in the same format (or the one `context/format/@type` asks for), with
 * `text/javascript; charset=utf-8` for JSON and HTTP 500 on a fault (PROTOCOL.md 10.1).
 */
import { findHandler } from '../handlers/registry.js';
import { claims, targetAccount, type EmulatorState, type SoapContext } from '../handlers/context.js';
import { qualifyResponseIds } from '../handlers/item-ids.js';
import { faultTrace } from '../handlers/batch.js';
import { Element } from '../wire/element.js';
import { decodeJsonEnvelope, encodeJsonEnvelope, faultElement, type DecodedEnvelope } from '../wire/json-codec.js';
import { SoapFault, faults } from '../wire/soap-fault.js';
import { decodeXmlEnvelope, encodeXmlEnvelope, encodeXmlFault } from '../wire/xml-codec.js';

/** An HTTP answer to write. */
export interface SoapReply {
  status: number;
  contentType: string;
  body: string;
  /** `Set-Cookie` value (AuthResponse sets the auth cookie, as the real server does). */
  setCookie?: string | undefined;
}

/** What the server learned from the body before dispatch (for fault matching and stats). */
export interface ParsedSoap {
  json: boolean;
  envelope: DecodedEnvelope | undefined;
  error: SoapFault | undefined;
}

/**
 * Decodes a request body, keeping a decode failure to answer with later. As
 * `SoapEngine.dispatch` does, a body is XML only when its very first byte is `<`; anything else
 * (leading whitespace, a byte-order mark) goes to the JSON parser, so a BOM before an XML
 * envelope is a `service.PARSE_ERROR` answered in JSON, as the real server answers it.
 */
export function parseSoap(text: string): ParsedSoap {
  const json = !text.startsWith('<');
  try {
    return { json, envelope: json ? decodeJsonEnvelope(text) : decodeXmlEnvelope(text), error: undefined };
  } catch (err) {
    return { json, envelope: undefined, error: err instanceof SoapFault ? err : faults.parseError(String(err)) };
  }
}

/** Options of one dispatch. */
export interface DispatchOptions {
  state: EmulatorState;
  port: 'mail' | 'admin';
  cookieToken: string | undefined;
  expireAuth: boolean;
  /** A fault to answer instead of running the handler (fault injection). */
  injectedFault?: SoapFault | undefined;
}

function responseContext(ctx: SoapContext): Element {
  const context = new Element('context', 'urn:zimbra');
  context.unique = true;
  try {
    const c = claims(ctx);
    const acct = ctx.state.directory.findAccount(c.accountId);
    if (acct) context.addUnique('change').attr('token', acct.mailbox.lastChangeId);
  } catch {
    // unauthenticated responses carry no change token
  }
  return context;
}

/**
 * SoapEngine.java: a non-admin command on behalf of another account fails with
 * account.ACCOUNT_INACTIVE when that account is in maintenance (for a non-admin token: not active).
 */
function checkTargetActive(req: Element, ctx: SoapContext): void {
  const spec = ctx.header?.child('account');
  if (!spec || spec.content === undefined || req.ns === 'urn:zimbraAdmin') return;
  let target;
  let admin: boolean;
  try {
    admin = claims(ctx).admin;
    target = targetAccount(ctx);
  } catch {
    return; // the handler reports auth and permission faults itself
  }
  const status = (target.attrs['zimbraAccountStatus']?.[0] ?? 'active').toLowerCase();
  if (status === 'maintenance' || (!admin && status !== 'active'))
    throw new SoapFault('account.ACCOUNT_INACTIVE', `account is not active: ${target.name}`);
}

/** Item ids on behalf of another mailbox come back qualified, as ItemIdFormatter.java writes them. */
function qualifyIds(body: Element, ctx: SoapContext): void {
  let auth: string;
  let owner: string;
  try {
    auth = claims(ctx).accountId;
    owner = targetAccount(ctx).id;
  } catch {
    return; // unauthenticated (AuthRequest) or no mailbox: nothing to qualify
  }
  const noqualify = ctx.header?.child('noqualify') !== undefined && ctx.state.ignoreNoQualify !== true;
  qualifyResponseIds(body, auth, owner, noqualify);
}

/** Runs a parsed SOAP request and renders the reply. */
export async function handleSoap(parsed: ParsedSoap, opts: DispatchOptions): Promise<SoapReply> {
  const header = parsed.envelope?.header;
  const token = header?.get('authToken') ?? opts.cookieToken;
  const ctx: SoapContext = {
    state: opts.state,
    port: opts.port,
    header,
    token,
    expireAuth: opts.expireAuth,
    dispatch: async (req) => findHandler(req, opts.port, opts.state).handle(req, ctx),
  };
  const formatType = header?.child('format')?.get('type');
  const json = formatType === 'js' ? true : formatType === 'xml' ? false : parsed.json;
  // an XML request is answered in its own SOAP version; JSON asking for XML gets SOAP 1.2
  const soap = parsed.envelope?.soap ?? '1.2';
  let body: Element;
  const status = 200;
  try {
    if (parsed.error) throw parsed.error;
    if (opts.injectedFault) throw opts.injectedFault;
    checkTargetActive(parsed.envelope!.body, ctx);
    body = await ctx.dispatch(parsed.envelope!.body);
    qualifyIds(body, ctx);
  } catch (err) {
    const fault = err instanceof SoapFault ? err : faults.failure(err instanceof Error ? err.message : String(err));
    const context = responseContext(ctx);
    const trace = faultTrace();
    if (json)
      return {
        status: 500,
        contentType: 'text/javascript; charset=utf-8',
        body: encodeJsonEnvelope(context, faultElement(fault, trace)),
      };
    return {
      status: 500,
      contentType: 'text/xml; charset=utf-8',
      body: encodeXmlFault(context, fault, trace, undefined, soap),
    };
  }
  const context = responseContext(ctx);
  const issued = body.name === 'AuthResponse' ? body.child('authToken')?.content : undefined;
  const setCookie = issued
    ? `${body.ns === 'urn:zimbraAdmin' ? 'ZM_ADMIN_AUTH_TOKEN' : 'ZM_AUTH_TOKEN'}=${issued}; Path=/; HttpOnly`
    : undefined;
  if (json)
    return {
      status,
      contentType: 'text/javascript; charset=utf-8',
      body: encodeJsonEnvelope(context, body),
      setCookie,
    };
  return { status, contentType: 'text/xml; charset=utf-8', body: encodeXmlEnvelope(context, body, soap), setCookie };
}
