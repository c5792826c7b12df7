/**
 * The REST UserServlet subset (`rest.txt`, PROTOCOL.md 4b): `/service/home/<~|name>/[path]`
 * with `id`, `fmt` (native, sync, tgz; `raw` is 501 as on a real server), `part`, `nohdr`,
 * authenticated by the `ZM_AUTH_TOKEN` cookie (`ZM_ADMIN_AUTH_TOKEN` on the admin port).
 */
import type { AccountEntry } from '../model/directory.js';
import type { EmulatorState } from '../handlers/context.js';
import type { MailItem } from '../model/item.js';
import { tagNames } from '../model/folder-ops.js';
import { convIdOf } from '../handlers/encode-items.js';
import { SoapFault } from '../wire/soap-fault.js';
import { textReply, type HttpReply } from './reply.js';
import { tgzExport } from './tgz-export.js';
import { vcard } from './vcard.js';
import { decodedBody, findPart, mimeTree } from '../model/mime-parts.js';
import { defaultFormat, htmlItem, icsItem, nativeItem, originalDoc, vcfItem, type ItemFormat } from './rest-formats.js';

/** Formats the emulator serves (`FormatterFactory.FormatType` subset). */
const FORMATS = new Set(['native', 'sync', 'tgz', 'tar', 'ics', 'vcf']);

/** X-Zimbra-* headers of the native formatter. */
function nativeHeaders(item: MailItem): Record<string, string | number> {
  return {
    'X-Zimbra-ItemId': item.id,
    'X-Zimbra-Version': 1,
    'X-Zimbra-Modified': item.changeDate,
    'X-Zimbra-Change': item.modifiedSequence,
    'X-Zimbra-Revision': item.savedSequence,
    'X-Zimbra-ItemType': item.type,
  };
}

/** SyncFormatter headers, in order. */
function syncHeaders(acct: AccountEntry, item: MailItem): Array<[string, string]> {
  return [
    ['X-Zimbra-ItemId', String(item.id)],
    ['X-Zimbra-FolderId', String(item.folderId)],
    ['X-Zimbra-Tags', item.tagIds.join(',')],
    ['X-Zimbra-Tag-Names', tagNames(acct.mailbox, item)],
    ['X-Zimbra-Flags', item.flags],
    ['X-Zimbra-Received', String(item.date)],
    ['X-Zimbra-Modified', String(item.changeDate)],
    ['X-Zimbra-Change', String(item.modifiedSequence)],
    ['X-Zimbra-Revision', String(item.savedSequence)],
    ...(item.type === 'message' ? ([['X-Zimbra-Conv', convIdOf(item)]] as Array<[string, string]>) : []),
  ];
}

/**
 * UserServlet.java `checkTargetAccountStatus`: nobody reads an account in maintenance
 * (AccountServiceException.MAINTENANCE_MODE); an account in any other status but `active` only an
 * admin or a delegated token (ACCOUNT_INACTIVE). Undefined when the account may be read.
 */
function inactiveMessage(acct: AccountEntry, adminOrDelegated: boolean): string | undefined {
  const status = (acct.attrs['zimbraAccountStatus']?.[0] ?? 'active').toLowerCase();
  if (status === 'maintenance') return 'account is in maintenance mode';
  if (status !== 'active' && !adminOrDelegated) return `account is not active:${acct.name}`;
  return undefined;
}

function claimsDelegated(state: EmulatorState, token: string | undefined): boolean {
  try {
    return token !== undefined && state.tokens.verify(token).adminId !== undefined;
  } catch {
    return false;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * `HttpServletResponse.sendError(status, message)` as Jetty 9.4's default ErrorHandler renders it
 * (UserServlet.java `sendError` for a cookie-authenticated GET): an HTML page carrying the message;
 * the service webapp's web.xml maps no error page of its own.
 */
function jettyError(status: number, message: string, uri: string): HttpReply {
  const m = escapeHtml(message);
  const html =
    '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n' +
    `<title>Error ${status} ${m}</title>\n</head>\n<body><h2>HTTP ERROR ${status} ${m}</h2>\n<table>\n` +
    `<tr><th>URI:</th><td>${escapeHtml(uri)}</td></tr>\n<tr><th>STATUS:</th><td>${status}</td></tr>\n` +
    `<tr><th>MESSAGE:</th><td>${m}</td></tr>\n<tr><th>SERVLET:</th><td>UserServlet</td></tr>\n</table>\n\n</body>\n</html>\n`;
  return textReply(status, html, 'text/html;charset=utf-8');
}

/** Options of one REST request. */
export interface RestRequest {
  state: EmulatorState;
  method: string;
  url: URL;
  /** Token from the cookie or `zauthtoken`. */
  token: string | undefined;
  expireAuth: boolean;
}

/** Handles `/service/home/...`. */
export function handleRest(r: RestRequest): HttpReply {
  const { state, url } = r;
  const rest = url.pathname.replace(/^\/(service\/)?home\//, '');
  const slash = rest.indexOf('/');
  const who = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
  const folderPath = slash < 0 ? '' : decodeURIComponent(rest.slice(slash + 1));
  let auth: AccountEntry;
  let admin: boolean;
  try {
    if (!r.token) return textReply(401, 'must authenticate');
    const claims = state.tokens.verify(r.token);
    if (r.expireAuth) return textReply(401, 'auth credentials have expired');
    const a = state.directory.findAccount(claims.accountId);
    if (!a) return textReply(401, 'must authenticate');
    auth = a;
    admin = claims.admin && a.isAdmin;
  } catch (err) {
    return textReply(401, err instanceof SoapFault ? err.reason : 'must authenticate');
  }
  const acct = who === '~' || who === '' ? auth : state.directory.findAccount(who);
  if (!acct) return textReply(404, `no such account: ${who}`);
  const inactive = inactiveMessage(acct, admin || claimsDelegated(state, r.token));
  if (inactive !== undefined) return jettyError(404, inactive, url.pathname);
  if (acct !== auth && !admin) return textReply(403, 'permission denied');
  if (r.method !== 'GET' && r.method !== 'HEAD') return textReply(405, 'method not allowed');
  const fmt = (url.searchParams.get('fmt') ?? '').toLowerCase();
  if (fmt === 'raw') return textReply(501, 'not implemented: unsupported format raw');
  if (fmt !== '' && !FORMATS.has(fmt)) return textReply(400, `unsupported format: ${fmt}`);
  if (fmt === 'tgz' || fmt === 'tar') return tgzExport(acct, url, folderPath, fmt === 'tgz');
  const idParam = url.searchParams.get('id');
  if (idParam === null) return textReply(400, 'item id required');
  const item = /^\d+$/.test(idParam) ? acct.mailbox.get(Number(idParam)) : undefined;
  if (!item || item.type === 'folder' || item.type === 'tag' || item.type === 'conversation')
    return textReply(404, `no such item: ${idParam}`);
  const part = url.searchParams.get('part');
  const disp = url.searchParams.get('disp');
  const format = (fmt === '' ? defaultFormat(item, part !== null) : fmt) as ItemFormat;
  if (part !== null && format === 'native') {
    let p = item.type === 'contact' ? item.parts?.[Number(part) - 1] : undefined;
    if (item.type === 'message' && item.blob) {
      const mp = findPart(mimeTree(item.blob), part);
      if (mp && mp.children.length === 0)
        p = {
          field: part,
          bytes: decodedBody(mp),
          contentType: mp.contentType,
          filename: mp.filename ?? `part${part}`,
        };
    }
    // NativeFormatter.handleMessagePart: 400 "part not found"; else sendbackOriginalDoc
    if (!p) return textReply(400, 'part not found');
    return originalDoc(p.bytes, p.contentType, p.filename, disp);
  }
  switch (format) {
    case 'sync':
      return syncItem(acct, item, url.searchParams.get('nohdr') === '1');
    case 'ics': {
      const noAttach = /^(1|true)$/i.test(url.searchParams.get('noAttach') ?? '');
      return icsItem(item, noAttach, folderPath);
    }
    case 'vcf':
      return vcfItem(item);
    case 'html':
      return htmlItem(item);
    default:
      return nativeItem(item, disp, nativeHeaders(item));
  }
}

/** SyncFormatter: the metadata headers (also prepended to the body unless `nohdr=1`), the item's own bytes. */
function syncItem(acct: AccountEntry, item: MailItem, nohdr: boolean): HttpReply {
  const hdrs = syncHeaders(acct, item);
  const c = syncContent(item);
  const body = nohdr
    ? c.bytes
    : Buffer.concat([Buffer.from(hdrs.map(([k, v]) => `${k}: ${v}\r\n`).join(''), 'utf8'), c.bytes]);
  // header values go out as UTF-8 bytes (Node writes header strings as latin1)
  const wire = hdrs.map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('latin1')]);
  return {
    status: 200,
    headers: { 'Content-Type': c.type, 'Content-Length': body.length, ...Object.fromEntries(wire) },
    body,
  };
}

function syncContent(item: MailItem): { bytes: Buffer; type: string } {
  switch (item.type) {
    case 'contact':
      return { bytes: Buffer.from(vcard(item), 'utf8'), type: 'text/x-vcard; charset=utf-8' };
    case 'appointment':
    case 'task':
      return { bytes: item.blob ?? Buffer.alloc(0), type: 'text/calendar; charset=utf-8' };
    case 'document':
      return { bytes: item.blob ?? Buffer.alloc(0), type: item.contentType ?? 'application/octet-stream' };
    default:
      return { bytes: item.blob ?? Buffer.alloc(0), type: 'message/rfc822' };
  }
}
