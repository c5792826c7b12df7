/**
 * The envelope of a message (subject, sender, recipients, date, Message-ID), recorded in the
 * journal as `meta.envelope` so `ls` and the console can show and search messages without
 * reading blobs (docs/FORMAT.md, "Message envelopes").
 *
 * Zimbra's GetMsgMetadataRequest sends no subject or addresses (zm-mailbox
 * service/mail/GetMsgMetadata.java asks ToXML.encodeMessageSummary for SUMMARY_FIELDS, which has
 * no Change.CONTENT, so `<su>` and `<e>` are never written). Rather than a second request per
 * batch, the header block is taken from the download capture already makes: a pass-through tap
 * keeps the bytes up to the first blank line (at most 32 KiB) while the blob streams to storage.
 * @module
 */
import { Transform, type TransformCallback } from 'node:stream';
import type PostalMimeType from 'postal-mime';
import type { JsonValue } from '../journal/types.js';
import { fieldsBlock, plainEnvelope, plainFields } from './plain-envelope.js';

/** postal-mime, loaded with the first message to parse: a run that stores no message never pays for it. */
let postalMime: Promise<typeof PostalMimeType> | undefined;

/** The header block is at most this long; a longer one is cut (the envelope is then best effort). */
export const HEADER_LIMIT = 32 * 1024;

/** What the journal records of a message's headers (every field optional: headers may be absent). */
export interface MessageEnvelope {
  /** Decoded Subject (RFC 2047), at most 998 characters. */
  subject?: string;
  /** Decoded From: `Name <address>` or the address. */
  from?: string;
  /** Decoded To and Cc addresses, at most 50. */
  to?: string[];
  /** The Date header, ms since the epoch (the server's received date is the record's `dateMs`). */
  sentMs?: number;
  /** Message-ID without angle brackets. */
  messageId?: string;
}

/** A pass-through stream that keeps the message's header block. */
export class HeaderTap extends Transform {
  #chunks: Buffer[] = [];
  #length = 0;
  #done = false;

  /** The header block seen so far (complete once the stream ended or the blank line passed). */
  get head(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.#done) {
      const take = chunk.subarray(0, HEADER_LIMIT - this.#length);
      this.#chunks.push(take);
      this.#length += take.length;
      const head = this.head;
      const end = blankLine(head);
      if (end >= 0) {
        this.#chunks = [head.subarray(0, end)];
        this.#length = end;
        this.#done = true;
      } else if (this.#length >= HEADER_LIMIT) this.#done = true;
    }
    cb(null, chunk);
  }
}

/** The header block of a whole message: what a {@link HeaderTap} keeps of the same bytes. */
export function headerBlock(bytes: Buffer): Buffer {
  const first = bytes.subarray(0, HEADER_LIMIT);
  const end = blankLine(first);
  return end >= 0 ? first.subarray(0, end) : first;
}

function blankLine(b: Buffer): number {
  const crlf = b.indexOf('\r\n\r\n');
  const lf = b.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
  return lf >= 0 ? lf + 2 : -1;
}

/**
 * Parses a header block into an envelope; undefined when it holds none of the fields.
 * `wholeBlock` hands the whole block to postal-mime even when plain-envelope.ts could do with less (tests).
 */
export async function parseEnvelope(
  head: Buffer,
  opts: { wholeBlock?: boolean } = {},
): Promise<MessageEnvelope | undefined> {
  if (head.length === 0) return undefined;
  const PostalMime = await (postalMime ??= import('postal-mime').then((m) => m.default));
  let email: Awaited<ReturnType<typeof PostalMimeType.parse>>;
  try {
    // Only the headers (postal-mime sees a message with an empty body), and of those only the
    // envelope's fields when that gives the same result; plain values need no postal-mime at all
    // (plain-envelope.ts).
    const fields = opts.wholeBlock ? undefined : plainFields(head);
    if (fields) {
      const plain = plainEnvelope(fields);
      if (plain !== null) return plain;
    }
    const block = fields ? fieldsBlock(fields) : head;
    email = await PostalMime.parse(blankLine(block) >= 0 ? block : Buffer.concat([block, Buffer.from('\r\n\r\n')]));
  } catch {
    return undefined;
  }
  const fmt = (a: { name?: string; address?: string } | undefined): string | undefined => {
    if (!a) return undefined;
    const s = a.name && a.address ? `${a.name} <${a.address}>` : (a.address ?? a.name ?? '');
    return s === '' ? undefined : s.slice(0, 998);
  };
  const env: MessageEnvelope = {};
  if (email.subject) env.subject = email.subject.slice(0, 998);
  const from = fmt(email.from as { name?: string; address?: string } | undefined);
  if (from) env.from = from;
  const to = [...(email.to ?? []), ...(email.cc ?? [])]
    .flatMap((a) => ('group' in a && Array.isArray(a.group) ? a.group : [a]))
    .map((a) => fmt(a as { name?: string; address?: string }))
    .filter((s): s is string => s !== undefined)
    .slice(0, 50);
  if (to.length > 0) env.to = to;
  const sent = email.date ? Date.parse(email.date) : NaN;
  if (Number.isFinite(sent)) env.sentMs = sent;
  if (email.messageId) env.messageId = email.messageId.replace(/^<|>$/g, '').slice(0, 998);
  return Object.keys(env).length > 0 ? env : undefined;
}

/** The envelope as journal metadata (`meta.envelope`). */
export function envelopeMeta(env: MessageEnvelope): { envelope: { [k: string]: JsonValue } } {
  return { envelope: { ...env } as { [k: string]: JsonValue } };
}

/** Reads `meta.envelope` of a record; undefined for records written before envelopes existed. */
export function envelopeOf(meta: { [k: string]: JsonValue } | undefined): MessageEnvelope | undefined {
  const e = meta?.['envelope'];
  if (!e || typeof e !== 'object' || Array.isArray(e)) return undefined;
  const o = e as { [k: string]: JsonValue };
  const str = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const out: MessageEnvelope = {};
  const subject = str('subject');
  if (subject !== undefined) out.subject = subject;
  const from = str('from');
  if (from !== undefined) out.from = from;
  if (Array.isArray(o['to'])) out.to = o['to'].filter((s): s is string => typeof s === 'string');
  if (typeof o['sentMs'] === 'number') out.sentMs = o['sentMs'];
  const mid = str('messageId');
  if (mid !== undefined) out.messageId = mid;
  return out;
}
