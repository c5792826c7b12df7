/**
 * Which REST formatter answers `?id=N` and what it sends, as the real UserServlet does:
 *
 * ```text
 * no fmt: UserServlet.defaultFormat   part -> native; appointment, task -> ics; contact -> vcf;
 *                                      document of type x-zimbra-doc/slides/xls -> html; else native
 * native (NativeFormatter)            message: text/plain, Content-Length, the raw RFC 822
 *                                      appointment/task: text/plain, the item's MIME, no length
 *                                      contact: 400 "body not found" without an attached file
 *                                      document, part: its own type; scriptable types (html, svg,
 *                                      xml...) are defanged unless disp=a (sendbackOriginalDoc)
 * ics (IcsFormatter)                  text/calendar (text/plain with noAttach=1), UTF-8, no length
 * ```
 * @module
 */
import { Readable } from 'node:stream';
import type { MailItem } from '../model/item.js';
import { textReply, type HttpReply } from './reply.js';
import { vcard } from './vcard.js';

/** FormatterFactory.FormatType names this module answers for `?id=N`. */
export type ItemFormat = 'native' | 'ics' | 'vcf' | 'html' | 'sync';

/** application/x-zimbra-* documents render through the HTML formatter (UserServlet.ZIMBRA_DOC_CONTENT_TYPE). */
const ZIMBRA_DOC_TYPES = new Set([
  'application/x-zimbra-doc',
  'application/x-zimbra-slides',
  'application/x-zimbra-xls',
]);

/** NativeFormatter.SCRIPTABLE_CONTENT_TYPES (MimeConstants values). */
const SCRIPTABLE = new Set([
  'text/html',
  'application/xhtml+xml',
  'text/xml',
  'application/x-zimbra-doc',
  'application/x-zimbra-slides',
  'application/x-zimbra-xls',
  'image/svg+xml',
  'application/xml',
]);

function baseType(ct: string | undefined): string {
  return (ct ?? '').split(';')[0]!.trim().toLowerCase();
}

/** UserServlet.defaultFormat: the formatter used when the request names none. */
export function defaultFormat(item: MailItem, hasPart: boolean): ItemFormat {
  if (hasPart) return 'native';
  switch (item.type) {
    case 'appointment':
    case 'task':
      return 'ics';
    case 'contact':
      return 'vcf';
    case 'document':
      return ZIMBRA_DOC_TYPES.has(baseType(item.contentType)) ? 'html' : 'native';
    default:
      return 'native';
  }
}

/** True when `disp` asks for inline display (absent, or starting with `i`: NativeFormatter). */
export function inlineDisposition(disp: string | null): boolean {
  return disp === null || disp.toLowerCase().startsWith('i');
}

/**
 * What BrowserDefang does to scriptable content shown inline, reduced to what a test can see:
 * scripts and event-handler attributes removed, so the bytes are no longer the original ones.
 */
export function defang(bytes: Buffer): Buffer {
  const text = bytes
    .toString('utf8')
    .replace(/<script\b[\s\S]*?<\/script\s*>/gi, '')
    .replace(/\s+on[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, '');
  return Buffer.from(text, 'utf8');
}

/**
 * NativeFormatter.sendbackOriginalDoc: the item's or part's own content type; inline scriptable
 * content is defanged (with a Content-Length of the defanged text); `disp=a` sends it unchanged
 * as an attachment.
 */
export function originalDoc(
  bytes: Buffer,
  contentType: string,
  filename: string | undefined,
  disp: string | null,
  extra: Record<string, string | number> = {},
): HttpReply {
  const inline = inlineDisposition(disp);
  const body = inline && SCRIPTABLE.has(baseType(contentType)) ? defang(bytes) : bytes;
  const name = (filename ?? '').replace(/["\\\r\n]/g, '_');
  return {
    status: 200,
    headers: {
      'Content-Type': contentType,
      'Content-Length': body.length,
      ...(name ? { 'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename="${name}"` } : {}),
      ...extra,
    },
    body,
  };
}

/** A calendar item's stored MIME (Zimbra keeps the invites as a MIME message; the emulator wraps its iCalendar). */
function calendarMime(item: MailItem): Buffer {
  const head = 'MIME-Version: 1.0\r\nContent-Type: text/calendar; charset=utf-8; method=PUBLISH\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'utf8'), item.blob ?? Buffer.alloc(0)]);
}

/**
 * The answer of the native formatter for a whole item (no part), NativeFormatter.formatCallback.
 * `undefined` for item types it cannot handle (UserServletException.notImplemented: 501).
 */
export function nativeItem(item: MailItem, disp: string | null, extra: Record<string, string | number>): HttpReply {
  switch (item.type) {
    case 'message':
    case 'chat': {
      // handleMessage: text/plain with the message's size as Content-Length, whatever the MIME type
      const bytes = item.blob ?? Buffer.alloc(0);
      return {
        status: 200,
        headers: { 'Content-Type': 'text/plain', 'Content-Length': bytes.length, ...extra },
        body: bytes,
      };
    }
    case 'appointment':
    case 'task': {
      // handleCalendarItem: text/plain, getRawMessage() copied without a length
      return {
        status: 200,
        headers: { 'Content-Type': 'text/plain', ...extra },
        body: Readable.from([calendarMime(item)]),
      };
    }
    case 'contact':
      if (!item.parts?.length) return textReply(400, 'body not found');
      return {
        status: 200,
        headers: { 'Content-Type': 'text/plain', ...extra },
        body: Buffer.concat(item.parts.map((p) => p.bytes)),
      };
    case 'document':
      return originalDoc(
        item.blob ?? Buffer.alloc(0),
        item.contentType ?? 'application/octet-stream',
        item.name,
        disp,
        extra,
      );
    default:
      return textReply(501, 'can only handle messages/appointments/tasks/documents');
  }
}

/** IcsFormatter for one calendar item: UTF-8 iCalendar, `text/calendar` unless `noAttach=1`, no Content-Length. */
export function icsItem(item: MailItem, noAttach: boolean, filename: string): HttpReply {
  if (item.type !== 'appointment' && item.type !== 'task')
    // the formatter iterates calendar items only: anything else gives an empty calendar
    return icsReply(Buffer.from('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n', 'utf8'), noAttach, filename);
  return icsReply(item.blob ?? Buffer.alloc(0), noAttach, filename);
}

function icsReply(bytes: Buffer, noAttach: boolean, filename: string): HttpReply {
  const name = `${filename.replace(/^\W/, '').replace(/["\\\r\n]/g, '_') || 'contacts'}`;
  return {
    status: 200,
    headers: {
      'Content-Type': `${noAttach ? 'text/plain' : 'text/calendar'}; charset=utf-8`,
      ...(noAttach
        ? {}
        : { 'Content-Disposition': `attachment; filename="${name.endsWith('.ics') ? name : `${name}.ics`}"` }),
    },
    // a stream: the formatter writes through a buffered writer, so no Content-Length is known
    body: Readable.from([bytes]),
  };
}

/** VcfFormatter for one contact. */
export function vcfItem(item: MailItem): HttpReply {
  const bytes = Buffer.from(item.type === 'contact' ? vcard(item) : '', 'utf8');
  return {
    status: 200,
    headers: { 'Content-Type': 'text/x-vcard; charset=utf-8', 'Content-Length': bytes.length },
    body: bytes,
  };
}

/** HtmlFormatter for a Zimbra document: a page rendering it, never the stored bytes. */
export function htmlItem(item: MailItem): HttpReply {
  const title = (item.name ?? '').replace(/[<>&"]/g, '_');
  return textReply(
    200,
    `<html><head><title>${title}</title></head><body>document ${item.id}</body></html>\n`,
    'text/html; charset=utf-8',
  );
}
