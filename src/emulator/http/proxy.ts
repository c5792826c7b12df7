/**
 * Proxying to an account's home server, as a Zimbra cluster does: a SOAP request for a mailbox
 * that lives on another server is re-sent there (DocumentHandler.proxyIfNecessary), and so is a
 * REST request for another server's account (UserServlet.proxyIfRemoteTargetAccount). Admin
 * commands are executed where they arrive, except the ones that name an account whose mailbox
 * they read (AdminDocumentHandler.getProxiedAccountPath / getProxiedAccountElementPath); WaitSet
 * requests are never proxied (WaitSets are local to one server). When the home server does not
 * answer, SOAP gets `service.PROXY_ERROR` (ServiceException.PROXY_ERROR, a receiver's fault) and
 * REST an HTTP 500 (the servlet container's answer to UserServlet's ServletException).
 */
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Element } from '../wire/element.js';

/** Where one account's requests are served. */
export interface HomeServer {
  /** The server's name (`zimbraServiceHostname`). */
  name: string;
  /** True when it is the server that received the request. */
  local: boolean;
  /** Its base URLs and whether it is up. */
  mailUrl: string;
  adminUrl: string;
  running: boolean;
}

/** Resolves an account (name or zimbraId) to its home server; undefined when unknown. */
export type HomeResolver = (account: string) => HomeServer | undefined;

/** Admin requests that run on the home server of the account they name, and where they name it. */
const ADMIN_PROXIED: Record<string, (req: Element) => string | undefined> = {
  GetMailboxRequest: (req) => req.child('mbox')?.get('id'),
  PurgeMessagesRequest: (req) => req.child('mbox')?.get('id'),
};

/**
 * The account a SOAP request must be executed for on its home server, or undefined when it runs
 * where it arrived. `targetAccount` is the context header's `<account>` value, `authAccount` the
 * token's account id.
 */
export function soapProxyAccount(
  body: Element,
  targetAccount: string | undefined,
  authAccount: string | undefined,
): string | undefined {
  if (body.ns === 'urn:zimbraAdmin') {
    const pick = ADMIN_PROXIED[body.name];
    return pick ? pick(body) : undefined;
  }
  if (body.name === 'AuthRequest' || body.name === 'BatchRequest') return undefined;
  return targetAccount ?? authAccount;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

function forwardHeaders(headers: IncomingHttpHeaders, bodyLength: number): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  out['content-length'] = String(bodyLength);
  return out;
}

/**
 * Re-sends a request to `base` and streams the answer back. Resolves false, having answered
 * nothing, when the target cannot be reached, so the caller answers with the proxy error of
 * its protocol.
 */
export function forward(base: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const url = new URL(req.url ?? '/', base);
    const out = request(
      url,
      { method: req.method ?? 'GET', headers: forwardHeaders(req.headers, body.length) },
      (answer) => {
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(answer.headers))
          if (v !== undefined && k !== 'connection' && k !== 'keep-alive') headers[k] = v;
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
        answer.on('error', () => res.socket?.destroy());
        answer.on('end', () => resolve(true));
      },
    );
    out.on('error', () => (res.headersSent ? (res.socket?.destroy(), resolve(true)) : resolve(false)));
    out.end(body);
  });
}
