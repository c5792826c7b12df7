/**
 * A backed-up message made safe to show: parsed with postal-mime, its HTML sanitized (no script,
 * no form, no event handler, no remote resource: only inline `cid:` images, as `data:` URIs),
 * its attachments listed and fetchable one by one. Messages are parsed whole, so a size limit
 * applies; larger ones can still be downloaded raw.
 * @module
 */
import type { Readable } from 'node:stream';
import PostalMime, { type Address, type Attachment, type Email } from 'postal-mime';
import sanitizeHtml from 'sanitize-html';
import { ZimbraBackupError } from '../errors.js';

/** One attachment of a {@link MessagePreview}. */
export interface PreviewAttachment {
  /** Position in the message, for {@link messageAttachment}. */
  index: number;
  filename: string;
  mimeType: string;
  size: number;
  inline: boolean;
}

/** A parsed, sanitized message. */
export interface MessagePreview {
  subject: string;
  from: string;
  to: string;
  cc: string;
  /** The Date header as an ISO time, when it parses. */
  date?: string;
  messageId?: string;
  /** Sanitized HTML body (safe to render in a sandboxed frame), or undefined for text-only mail. */
  html?: string;
  /** Plain-text body. */
  text: string;
  attachments: PreviewAttachment[];
  /** True when the HTML referenced remote resources that were removed. */
  remoteContentBlocked: boolean;
}

/** Default largest message parsed for a preview, bytes. */
export const MAX_PREVIEW_BYTES = 25 * 1024 * 1024;
const MAX_INLINE_IMAGE_BYTES = 2 * 1024 * 1024;

/** Reads a stream into one buffer, refusing more than `maxBytes`. */
async function readBounded(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      stream.destroy();
      throw new ZimbraBackupError(`message larger than ${maxBytes} bytes: download it instead`, {
        code: 'ZB_TOO_LARGE',
        data: { maxBytes },
      });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a message from its content stream. */
export async function parseMessage(content: Readable, maxBytes = MAX_PREVIEW_BYTES): Promise<Email> {
  const raw = await readBounded(content, maxBytes);
  return PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
}

function addresses(list: Address[] | Address | undefined): string {
  if (!list) return '';
  const flat = (a: Address): string[] =>
    'group' in a && Array.isArray(a.group)
      ? a.group.flatMap(flat)
      : [a.name && a.address ? `${a.name} <${a.address}>` : (a.address ?? a.name ?? '')];
  return (Array.isArray(list) ? list : [list]).flatMap(flat).filter(Boolean).join(', ');
}

function bytesOf(a: Attachment): Uint8Array {
  const c = a.content;
  if (typeof c === 'string') return Buffer.from(c, a.encoding === 'base64' ? 'base64' : 'utf8');
  return c instanceof Uint8Array ? c : new Uint8Array(c);
}

function cidKey(id: string | undefined): string | undefined {
  return id?.trim().replace(/^<|>$/g, '').toLowerCase();
}

/** Sanitizes message HTML; `cid:` images become `data:` URIs, everything remote is dropped. */
export function sanitizeMessageHtml(
  html: string,
  attachments: readonly Attachment[] = [],
): { html: string; remoteBlocked: boolean } {
  const inline = new Map<string, Attachment>();
  for (const a of attachments) {
    const key = cidKey(a.contentId);
    if (key && a.mimeType.startsWith('image/') && bytesOf(a).length <= MAX_INLINE_IMAGE_BYTES) inline.set(key, a);
  }
  let remoteBlocked = false;
  const clean = sanitizeHtml(html, {
    allowedTags: sanitizeHtml.defaults.allowedTags.concat(['img', 'font', 'center', 'span', 'style']),
    allowedAttributes: {
      '*': ['style', 'align', 'valign', 'width', 'height', 'bgcolor', 'color', 'border', 'cellpadding', 'cellspacing'],
      a: ['href', 'title', 'target', 'rel'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      font: ['face', 'size', 'color'],
      td: ['colspan', 'rowspan', 'style', 'align', 'valign', 'width', 'bgcolor'],
      th: ['colspan', 'rowspan', 'style', 'align', 'valign', 'width', 'bgcolor'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['cid', 'data'] },
    allowVulnerableTags: true, // <style>: harmless under the frame's CSP (no url() fetch allowed)
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' },
      }),
      img: (tagName, attribs) => {
        const src = attribs['src'] ?? '';
        if (/^cid:/i.test(src)) {
          const a = inline.get(cidKey(src.slice(4)) ?? '');
          if (a)
            return {
              tagName,
              attribs: { ...attribs, src: `data:${a.mimeType};base64,${Buffer.from(bytesOf(a)).toString('base64')}` },
            };
        }
        if (/^(https?:)?\/\//i.test(src)) remoteBlocked = true;
        if (!/^data:image\//i.test(src))
          return { tagName, attribs: { ...attribs, src: '', alt: attribs['alt'] ?? '[image blocked]' } };
        return { tagName, attribs };
      },
    },
    allowedClasses: {},
  });
  return { html: clean, remoteBlocked: remoteBlocked || /url\(\s*['"]?\s*(https?:)?\/\//i.test(clean) };
}

/** Parses and sanitizes a message for display. */
export async function messagePreview(content: Readable, maxBytes = MAX_PREVIEW_BYTES): Promise<MessagePreview> {
  const email = await parseMessage(content, maxBytes);
  const sanitized = email.html !== undefined ? sanitizeMessageHtml(email.html, email.attachments) : undefined;
  const date = email.date && !Number.isNaN(Date.parse(email.date)) ? new Date(email.date).toISOString() : undefined;
  return {
    subject: email.subject ?? '',
    from: addresses(email.from),
    to: addresses(email.to),
    cc: addresses(email.cc),
    ...(date ? { date } : {}),
    ...(email.messageId ? { messageId: email.messageId } : {}),
    ...(sanitized ? { html: sanitized.html } : {}),
    text: email.text ?? '',
    attachments: email.attachments.map((a, index) => ({
      index,
      filename: a.filename ?? `attachment-${index + 1}`,
      mimeType: a.mimeType,
      size: bytesOf(a).length,
      inline: a.disposition === 'inline' || a.related === true,
    })),
    remoteContentBlocked: sanitized?.remoteBlocked ?? false,
  };
}

/**
 * One attachment's bytes.
 * @throws `ZB_NOT_FOUND` when the message has no attachment at `index`.
 */
export async function messageAttachment(
  content: Readable,
  index: number,
  maxBytes = MAX_PREVIEW_BYTES,
): Promise<{ filename: string; mimeType: string; bytes: Uint8Array }> {
  const email = await parseMessage(content, maxBytes);
  const a = Number.isSafeInteger(index) ? email.attachments[index] : undefined;
  if (!a) throw new ZimbraBackupError(`no attachment ${index}`, { code: 'ZB_NOT_FOUND', data: { index } });
  return { filename: a.filename ?? `attachment-${index + 1}`, mimeType: a.mimeType, bytes: bytesOf(a) };
}
