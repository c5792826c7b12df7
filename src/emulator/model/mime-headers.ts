/**
 * Just enough RFC 5322 header parsing for the emulator's metadata (subject, sender, threading):
 * the header block is unfolded and RFC 2047 encoded-words are decoded. Bodies are never parsed.
 */

/** Header fields by lower-case name (all occurrences, in order). */
export type Headers = Map<string, string[]>;

/** Parses the header block of a raw message (up to the first empty line). */
export function parseHeaders(raw: Buffer): Headers {
  const limit = Math.min(raw.length, 256 * 1024);
  let end = raw.indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0 || end > limit) end = raw.indexOf('\n\n', 0, 'latin1');
  if (end < 0 || end > limit) end = limit;
  const text = raw.subarray(0, end).toString('utf8');
  const out: Headers = new Map();
  let current: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && current !== undefined) {
      current += ' ' + line.trim();
      continue;
    }
    if (current !== undefined) addField(out, current);
    current = line;
  }
  if (current !== undefined) addField(out, current);
  return out;
}

function addField(out: Headers, line: string): void {
  const i = line.indexOf(':');
  if (i <= 0) return;
  const name = line.slice(0, i).trim().toLowerCase();
  const list = out.get(name) ?? [];
  list.push(decodeWords(line.slice(i + 1).trim()));
  out.set(name, list);
}

/** Decodes RFC 2047 encoded-words (`=?utf-8?B?...?=`, `=?iso-8859-1?Q?...?=`). */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (whole, charset: string, enc: string, data: string) => {
      try {
        const bytes =
          enc.toUpperCase() === 'B'
            ? Buffer.from(data, 'base64')
            : Buffer.from(
                data
                  .replace(/_/g, ' ')
                  .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
                'latin1',
              );
        return new TextDecoder(charset.toLowerCase().split('*')[0]).decode(bytes);
      } catch {
        return whole;
      }
    });
}

/** First value of a header. */
export function header(h: Headers, name: string): string | undefined {
  return h.get(name)?.[0];
}

/** Message-ids (`<...>`) found in a header value. */
export function messageIdsIn(value: string | undefined): string[] {
  return value ? (value.match(/<[^<>\s]+>/g) ?? []) : [];
}
