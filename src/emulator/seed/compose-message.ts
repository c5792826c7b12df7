/**
 * Composed seed messages: nodemailer's mail-composer with every source of randomness pinned (Message-ID, Date,
 * multipart boundary, attachment bytes), so `raw()` gives the same bytes on every call and in every process.
 * @module
 */
import type MailComposerClass from 'nodemailer/lib/mail-composer';
import { ZimbraBackupError } from '../../errors.js';
import { ATTACHMENT_TYPES, attachmentBytes, type AttachmentKind } from './attachment-bytes.js';
import type { CorpusAttachment } from './corpus-types.js';
import { Rng, hash32 } from './prng.js';
import { paragraphs, subjectLine, type Person } from './vocabulary.js';

/** An attachment whose bytes are rebuilt from `(kind, key, size)` on demand. */
export class SeedAttachment implements CorpusAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  /** The imitated file type. */
  readonly kind: AttachmentKind;
  private readonly key: number;

  constructor(kind: AttachmentKind, key: number, size: number, baseName: string) {
    this.kind = kind;
    this.key = key;
    this.size = size;
    this.contentType = ATTACHMENT_TYPES[kind].contentType;
    this.filename = `${baseName}.${ATTACHMENT_TYPES[kind].ext}`;
  }

  /** The attachment's bytes (exactly `size` of them). */
  async content(): Promise<Buffer> {
    return this.bytes();
  }

  /** Synchronous form of {@link SeedAttachment.content}, for the composer. */
  bytes(): Buffer {
    return attachmentBytes(this.kind, this.key, this.size);
  }
}

/** What is fixed when the corpus is built; subject, body and ids are derived from `key` only when composing. */
export interface ComposedPlan {
  /** 32-bit key of this message's random stream. */
  key: number;
  /** Value of the Date header, ms since the epoch (a whole second). */
  dateMs: number;
  from: Person;
  to: Person[];
  cc: Person[];
  /** Set on mailing-list posts: the list address, which also becomes `List-Id`. */
  list?: string;
  attachments: SeedAttachment[];
}

let composerLoad: Promise<typeof MailComposerClass> | undefined;

/** Loads mail-composer once; it ships with nodemailer, which a production install may lack. */
function loadComposer(): Promise<typeof MailComposerClass> {
  composerLoad ??= import('nodemailer/lib/mail-composer').then(
    (m) => m.default,
    (cause: unknown) => {
      composerLoad = undefined;
      throw new ZimbraBackupError(
        'seed corpus: composing messages needs the "nodemailer" package (npm install nodemailer)',
        { code: 'ZB_UNSUPPORTED', cause },
      );
    },
  );
  return composerLoad;
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const addr = (p: Person): { name: string; address: string } => ({ name: p.name, address: p.address });

/**
 * Builds the RFC822 bytes of a composed message (CRLF line endings, as on the wire).
 * @throws ZimbraBackupError `ZB_UNSUPPORTED` when nodemailer is not installed.
 */
export async function composeMessage(plan: ComposedPlan): Promise<Buffer> {
  const MailComposer = await loadComposer();
  const rng = new Rng(plan.key, 'compose');
  const subject =
    plan.list === undefined ? subjectLine(rng) : `[${plan.list.split('@')[0] ?? 'list'}] ${subjectLine(rng)}`;
  const paras = paragraphs(rng, rng.int(1, 5));
  const greeting = `Hi ${plan.to[0]?.firstName ?? 'all'},`;
  const signature = `-- \n${plan.from.name}`;
  const text = [greeting, ...paras, signature].join('\n\n') + '\n';
  const withHtml = rng.chance(0.4);
  const senderDomain = plan.from.address.split('@')[1] ?? 'example.test';
  const headers: Record<string, string> = {};
  if (plan.list !== undefined) {
    const [local, domain] = plan.list.split('@');
    headers['List-Id'] = `<${local}.${domain}>`;
    headers['Precedence'] = 'list';
  }
  const composer = new MailComposer({
    from: addr(plan.from),
    to: plan.to.map(addr),
    ...(plan.cc.length > 0 ? { cc: plan.cc.map(addr) } : {}),
    subject,
    date: new Date(plan.dateMs),
    messageId: `<${rng.hex(16)}.${(plan.key >>> 0).toString(36)}@${senderDomain}>`,
    // Pinned, or nodemailer draws it from crypto.randomBytes and the bytes change on every build.
    baseBoundary: rng.hex(16),
    newline: 'windows',
    headers,
    text,
    ...(withHtml
      ? {
          html: `<html><body>${[greeting, ...paras].map((p) => `<p>${escapeHtml(p)}</p>`).join('')}<p>-- <br>${escapeHtml(plan.from.name)}</p></body></html>`,
        }
      : {}),
    attachments: plan.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.bytes(),
    })),
  });
  return composer.compile().build();
}

/** Derives the key of a composed message from the corpus seed and its coordinates. */
export function composedKey(seed: number, ...coords: Array<number | string>): number {
  return hash32(seed, 'composed', ...coords);
}
