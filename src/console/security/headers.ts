/**
 * Response headers that keep the console's pages from being framed, sniffed or made to load
 * anything from elsewhere, and the stricter policy of rendered message bodies.
 * @module
 */
import { createHash } from 'node:crypto';

/** CSP `'sha256-…'` source of an inline script's exact text. */
export function scriptHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The console page's policy: only its own scripts (plus the inline import map, by hash). */
export function appCsp(importMapHash: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' ${importMapHash}`,
    // uPlot positions its cursor and legend through style attributes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * A message body's policy: no script, no remote image, stylesheet, font or form target, no
 * navigation; the `sandbox` directive gives it an opaque origin even when opened outside the frame.
 */
export const MESSAGE_CSP = [
  "default-src 'none'",
  'img-src data:',
  "style-src 'unsafe-inline'",
  "font-src 'none'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
  'sandbox allow-popups allow-popups-to-escape-sandbox',
].join('; ');

/** Headers sent on every response. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};
