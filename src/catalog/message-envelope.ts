/**
 * Subject, sender and date of a stored message, read from the first bytes of its blob (headers
 * only) and cached by digest: content is immutable, so a cached envelope never goes stale. Used
 * for item lists until the journal records carry envelopes themselves.
 * @module
 */
import PostalMime from 'postal-mime';
import type { Repository } from '../repository/repository.js';
import { parseDigest } from '../store/digest.js';

/** What a list line shows of a message. */
export interface MessageEnvelope {
  subject: string;
  from: string;
  to: string;
}

const HEAD_BYTES = 32 * 1024;

/** A digest-keyed LRU cache of envelopes. */
export class EnvelopeCache {
  readonly #cache = new Map<string, MessageEnvelope>();
  readonly #max: number;

  constructor(maxEntries = 50_000) {
    this.#max = maxEntries;
  }

  /** The envelope of the blob `digest` (reads at most its first 32 KiB). */
  async get(repository: Repository, digest: string, signal?: AbortSignal): Promise<MessageEnvelope> {
    const hit = this.#cache.get(digest);
    if (hit) {
      this.#cache.delete(digest);
      this.#cache.set(digest, hit);
      return hit;
    }
    const env = await readEnvelope(repository, digest, signal);
    this.#cache.set(digest, env);
    if (this.#cache.size > this.#max) this.#cache.delete(this.#cache.keys().next().value as string);
    return env;
  }
}

async function readEnvelope(repository: Repository, digest: string, signal?: AbortSignal): Promise<MessageEnvelope> {
  const stream = await repository.blobs.get(parseDigest(digest), signal ? { signal } : {});
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      total += (chunk as Buffer).length;
      if (total >= HEAD_BYTES || Buffer.concat(chunks).includes('\r\n\r\n') || Buffer.concat(chunks).includes('\n\n'))
        break;
    }
  } finally {
    stream.destroy();
  }
  const head = Buffer.concat(chunks).subarray(0, HEAD_BYTES);
  const end = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') + 4 : head.indexOf('\n\n') + 2;
  const headers = end > 1 ? head.subarray(0, end) : head;
  const email = await PostalMime.parse(headers);
  // Calendar blobs may be bare iCalendar: their title is the first SUMMARY property.
  const summary = email.subject ? undefined : /^SUMMARY[^:\r\n]*:(.*)$/m.exec(head.toString('utf8'))?.[1]?.trim();
  const fmt = (a: { name?: string; address?: string } | undefined): string =>
    a ? (a.name && a.address ? `${a.name} <${a.address}>` : (a.address ?? a.name ?? '')) : '';
  return {
    subject: email.subject ?? summary ?? '',
    from: fmt(email.from as { name?: string; address?: string } | undefined),
    to: (email.to ?? []).map((a) => fmt(a as { name?: string; address?: string })).join(', '),
  };
}

/** A contact's display name from its recorded fields (`meta.fields`): file-as, full name, company or email. */
export function contactTitle(meta: { [k: string]: unknown } | undefined): string {
  const f = (meta?.['fields'] ?? {}) as Record<string, unknown>;
  const one = (k: string): string =>
    typeof f[k] === 'string' ? (f[k] as string) : Array.isArray(f[k]) ? String((f[k] as unknown[])[0] ?? '') : '';
  const full = [one('firstName'), one('lastName')].filter(Boolean).join(' ');
  return one('fileAs') || one('fullName') || full || one('company') || one('email') || one('nickname');
}
