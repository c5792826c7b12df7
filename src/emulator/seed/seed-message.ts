/**
 * The message objects of a built corpus: small metadata records whose bytes are produced only by `raw()`, from
 * a real dataset file or by composing, so 50,000 of them cost a few megabytes and no disk reads.
 * @module
 */
import { composeMessage, type ComposedPlan, type SeedAttachment } from './compose-message.js';
import type { CorpusMessage } from './corpus-types.js';
import { hash32 } from './prng.js';
import type { RealMessageSource } from './spam-assassin.js';

/** The bytes behind one or more deliveries (a list post shares one content between accounts). */
export interface MessageContent {
  readonly origin: 'real' | 'composed';
  /** Byte length, known once built (or from the start when the source knows it). */
  size: number | undefined;
  readonly attachments: SeedAttachment[] | undefined;
  bytes(): Promise<Buffer>;
}

/** The delivery this corpus adds in front of a real message, as the receiving MTA would. */
export interface DeliveryTrace {
  /** Mail domain of the corpus (the receiving host is `mail.<domain>`). */
  domain: string;
  /** Envelope recipient (an account, or a list address for a shared post). */
  recipient: string;
  receivedMs: number;
  /** 32-bit key of the queue id. */
  key: number;
}

/** RFC 5322 date-time in UTC, e.g. `Sat, 05 Apr 2025 16:28:46 +0000`. */
function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/**
 * A message read from a {@link RealMessageSource}, with a `Received:` trace field prepended (RFC 5321 §4.4):
 * the body and the original header are untouched, and each delivery gets distinct bytes, so 50,000 deliveries
 * drawn from a 6,046-message pool do not deduplicate unrealistically (only list posts share bytes).
 */
export class RealContent implements MessageContent {
  readonly origin = 'real';
  readonly attachments = undefined;
  size: number | undefined = undefined;
  private readonly source: RealMessageSource;
  private readonly trace: DeliveryTrace;
  /** Position of the message in the source. */
  readonly index: number;

  constructor(source: RealMessageSource, index: number, trace: DeliveryTrace) {
    this.source = source;
    this.index = index;
    this.trace = trace;
  }

  async bytes(): Promise<Buffer> {
    const original = await this.source.read(this.index);
    const nl = original.indexOf(0x0a);
    // Keep the message's own line-ending style so the header block stays consistent.
    const eol = nl > 0 && original[nl - 1] === 0x0d ? '\r\n' : '\n';
    const { domain, recipient, receivedMs, key } = this.trace;
    const queueId =
      (key >>> 0).toString(16).toUpperCase().padStart(8, '0') + (hash32(key, 'q') >>> 20).toString(16).toUpperCase();
    const received =
      `Received: from mx1.${domain} (mx1.${domain} [192.0.2.${(key % 250) + 1}])${eol}` +
      `\tby mail.${domain} (Postfix) with ESMTP id ${queueId}${eol}\tfor <${recipient}>; ${rfc5322Date(receivedMs)}${eol}`;
    const buf = Buffer.concat([Buffer.from(received, 'latin1'), original]);
    this.size = buf.length;
    return buf;
  }
}

/** A message composed from a {@link ComposedPlan}. */
export class ComposedContent implements MessageContent {
  readonly origin = 'composed';
  size: number | undefined = undefined;
  /** The plan the bytes are built from. */
  readonly plan: ComposedPlan;

  constructor(plan: ComposedPlan) {
    this.plan = plan;
  }

  get attachments(): SeedAttachment[] | undefined {
    return this.plan.attachments.length > 0 ? this.plan.attachments : undefined;
  }

  async bytes(): Promise<Buffer> {
    const buf = await composeMessage(this.plan);
    this.size = buf.length;
    return buf;
  }
}

/** One delivery of a message into one account's folder. */
export class SeedMessage implements CorpusMessage {
  folderPath: string;
  flags: string;
  tags: string[];
  receivedMs: number;
  sharedId: string | undefined;
  private readonly content: MessageContent;

  constructor(
    content: MessageContent,
    folderPath: string,
    flags: string,
    tags: string[],
    receivedMs: number,
    sharedId?: string,
  ) {
    this.content = content;
    this.folderPath = folderPath;
    this.flags = flags;
    this.tags = tags;
    this.receivedMs = receivedMs;
    this.sharedId = sharedId;
  }

  /** Byte length of `raw()`: undefined until the bytes were built once (by any delivery of the same content). */
  get size(): number | undefined {
    return this.content.size;
  }

  set size(value: number | undefined) {
    this.content.size = value;
  }

  /** `real` for a dataset message, `composed` otherwise. */
  get origin(): 'real' | 'composed' {
    return this.content.origin;
  }

  /** Attachments of a composed message (undefined for real messages and for composed ones without). */
  get attachments(): SeedAttachment[] | undefined {
    return this.content.attachments;
  }

  /** The RFC822 bytes: identical on every call and in every process for the same corpus options. */
  raw(): Promise<Buffer> {
    return this.content.bytes();
  }
}
