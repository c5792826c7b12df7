/**
 * Deterministic attachment payloads of an exact size: PDF-, JPEG- and ZIP-shaped binaries (incompressible, like
 * real ones, whose streams are already compressed) and CSV text (compressible), all pure functions of a key.
 * @module
 */
import { createCipheriv } from 'node:crypto';
import { Rng, hash32 } from './prng.js';

/** The kinds of attachment the corpus composes. */
export type AttachmentKind = 'pdf' | 'jpeg' | 'zip' | 'csv';

/** MIME type and file extension per kind. */
export const ATTACHMENT_TYPES: Readonly<Record<AttachmentKind, { contentType: string; ext: string }>> = {
  pdf: { contentType: 'application/pdf', ext: 'pdf' },
  jpeg: { contentType: 'image/jpeg', ext: 'jpg' },
  zip: { contentType: 'application/zip', ext: 'zip' },
  csv: { contentType: 'text/csv', ext: 'csv' },
};

/**
 * `size` pseudo-random bytes keyed by `key`: the AES-128-CTR keystream, which is deterministic, uniform and
 * fast (GB/s), so multi-megabyte attachments cost almost nothing to rebuild.
 * @param key - any 32-bit key; equal keys give equal bytes.
 * @param size - length in bytes.
 */
export function keystreamBytes(key: number, size: number): Buffer {
  const k = Buffer.alloc(16);
  const iv = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) {
    k.writeUInt32BE(hash32(key, 'k', i), i * 4);
    iv.writeUInt32BE(hash32(key, 'iv', i), i * 4);
  }
  const cipher = createCipheriv('aes-128-ctr', k, iv);
  return cipher.update(Buffer.alloc(size));
}

/** Fills `body` between a fixed head and tail, so the file starts and ends like the real format. */
function framed(head: string, tail: string, key: number, size: number): Buffer {
  const h = Buffer.from(head, 'latin1');
  const t = Buffer.from(tail, 'latin1');
  if (size <= h.length + t.length) return Buffer.concat([h, t]).subarray(0, size);
  return Buffer.concat([h, keystreamBytes(key, size - h.length - t.length), t]);
}

const CSV_COLUMNS = 'date,region,product,units,unit_price,total\r\n';
const REGIONS = ['north', 'south', 'east', 'west', 'central'];
const PRODUCTS = ['widget', 'gadget', 'sprocket', 'gizmo', 'doohickey', 'flange'];

/** CSV text rows from a seeded generator, cut to exactly `size` bytes. */
function csvBytes(key: number, size: number): Buffer {
  const rng = new Rng(key, 'csv');
  // Rows go straight into one buffer (ASCII only): joining ~100k row strings of a 5 MB file and converting the
  // result cost more than generating them. The last row may run past `size`, so leave room for one row.
  const out = Buffer.allocUnsafe(size + 256);
  let len = out.write(CSV_COLUMNS, 0, 'latin1');
  while (len < size) {
    const units = rng.int(1, 500);
    const price = rng.int(100, 99_999) / 100;
    const row = `2024-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')},${rng.pick(REGIONS)},${rng.pick(PRODUCTS)},${units},${price.toFixed(2)},${(units * price).toFixed(2)}\r\n`;
    len += out.write(row, len, 'latin1');
  }
  return out.subarray(0, size);
}

/**
 * The content of one attachment: exactly `size` bytes, identical for equal `(kind, key, size)`.
 * @param kind - the file type to imitate.
 * @param key - 32-bit key (derive it from the corpus seed and the message coordinates).
 * @param size - length in bytes.
 */
export function attachmentBytes(kind: AttachmentKind, key: number, size: number): Buffer {
  switch (kind) {
    case 'pdf':
      return framed(
        `%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length ${size} /Filter /FlateDecode >>\nstream\n`,
        '\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
        key,
        size,
      );
    case 'jpeg':
      return framed(
        '\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00\xff\xda',
        '\xff\xd9',
        key,
        size,
      );
    case 'zip':
      return framed('PK\x03\x04\x14\x00\x00\x00\x08\x00', 'PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00', key, size);
    case 'csv':
      return csvBytes(key, size);
  }
}
