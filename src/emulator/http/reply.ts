/**
 * A transport-neutral HTTP answer, so the server can apply truncation faults uniformly.
 */
import type { Readable } from 'node:stream';

/** An HTTP answer. */
export interface HttpReply {
  status: number;
  headers: Record<string, string | number>;
  body: Buffer | Readable;
}

/** A short plain-text answer (errors). */
export function textReply(status: number, text: string, contentType = 'text/plain; charset=utf-8'): HttpReply {
  const body = Buffer.from(text, 'utf8');
  return { status, headers: { 'Content-Type': contentType, 'Content-Length': body.length }, body };
}

/** Reads one cookie from a Cookie header. */
export function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
