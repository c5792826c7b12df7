/**
 * The pack file encoding of format v2 (docs/FORMAT.md "Pack files"). A pack is written once and
 * never modified; it describes itself, so it can be read and verified without any index:
 *
 * ```
 * header   8 bytes    "ZBPK", version 1, 3 reserved zero bytes
 * blobs    ...        one v1 blob object per blob ("ZBLB" header + encoded payload), back to back
 * entries  64 x N     digest 32 | offset u64 | length u64 | raw size u64 | codec u8 | 7 zero bytes
 * footer   16 bytes   entry count u32 | crc32 of the entries u32 | "ZBPT" | version 1 | 3 zero bytes
 * ```
 * All integers are big-endian. `offset`/`length` locate the blob object inside the pack, so one
 * ranged read of `[offset, offset + length)` returns a complete v1 blob object.
 *
 * Encrypted repositories write version 2 packs (docs/FORMAT.md "Encryption", "Packs"): the header
 * and footer carry version 2, each blob object is sealed on its own (nonce | AES-256-GCM of the v1
 * blob object | tag, AAD naming the blob id), and the entry table is sealed as one value (AAD naming
 * the pack id), so the table is `64 x N + 28` bytes; the CRC covers the sealed table.
 * @module
 */
import { crc32 } from 'node:zlib';
import { ZimbraBackupError } from '../../errors.js';
import type { Compression } from '../blob-codec.js';
import { SEAL_OVERHEAD, aad, type RepositoryCipher } from '../crypto/cipher.js';

/** The keys of an encrypted pack: the repository's cipher and the pack's id (for the AAD). */
export interface PackSealing {
  /** The repository's cipher. */
  cipher: RepositoryCipher;
  /** Id of the pack (32 hex). */
  packId: string;
}

/** Bytes of the pack header. */
export const PACK_HEADER_SIZE = 8;
/** Bytes of one trailer entry. */
export const PACK_ENTRY_SIZE = 64;
/** Bytes of the pack footer. */
export const PACK_FOOTER_SIZE = 16;

const HEADER_MAGIC = Buffer.from('ZBPK', 'latin1');
const FOOTER_MAGIC = Buffer.from('ZBPT', 'latin1');
const VERSION = 1;
const ENCRYPTED_VERSION = 2;
const CODECS: readonly Compression[] = ['none', 'gzip', 'zstd'];

/** Where one blob lives inside a pack. */
export interface PackEntry {
  /** Hex SHA-256 (or keyed MAC) naming the blob. */
  digest: string;
  /** Offset of the blob object in the pack. */
  offset: number;
  /** Length of the blob object (header + encoded payload). */
  length: number;
  /** Uncompressed size of the blob. */
  rawSize: number;
  /** Codec of the payload. */
  codec: Compression;
}

/** The fixed pack header (version 2 when `encrypted`). */
export function encodePackHeader(encrypted = false): Buffer {
  const b = Buffer.alloc(PACK_HEADER_SIZE);
  HEADER_MAGIC.copy(b, 0);
  b[4] = encrypted ? ENCRYPTED_VERSION : VERSION;
  return b;
}

/**
 * Checks a pack header (version 2 in an encrypted repository, 1 otherwise).
 * @throws `ZB_REPOSITORY_CORRUPT` naming `key`.
 */
export function checkPackHeader(b: Buffer, key: string, encrypted = false): void {
  if (b.length < PACK_HEADER_SIZE || !b.subarray(0, 4).equals(HEADER_MAGIC)) throw corrupt(key, 'bad pack magic');
  if (b[4] !== (encrypted ? ENCRYPTED_VERSION : VERSION)) throw corrupt(key, `unexpected pack version ${b[4]}`);
}

/** Entries + footer: the trailer appended after the last blob (the entries sealed when `sealing`). */
export function encodePackTrailer(entries: readonly PackEntry[], sealing?: PackSealing): Buffer {
  const plain = encodePlainTrailer(entries);
  if (!sealing) return plain;
  const table = sealing.cipher.seal(
    plain.subarray(0, entries.length * PACK_ENTRY_SIZE),
    aad.packEntries(sealing.packId),
  );
  const footer = Buffer.alloc(PACK_FOOTER_SIZE);
  footer.writeUInt32BE(entries.length, 0);
  footer.writeUInt32BE(crc32(table), 4);
  FOOTER_MAGIC.copy(footer, 8);
  footer[12] = ENCRYPTED_VERSION;
  return Buffer.concat([table, footer]);
}

/** Bytes of the entry table of `count` entries as stored. */
export function packTableSize(count: number, encrypted = false): number {
  return count * PACK_ENTRY_SIZE + (encrypted ? SEAL_OVERHEAD : 0);
}

function encodePlainTrailer(entries: readonly PackEntry[]): Buffer {
  const out = Buffer.alloc(entries.length * PACK_ENTRY_SIZE + PACK_FOOTER_SIZE);
  entries.forEach((e, i) => {
    const at = i * PACK_ENTRY_SIZE;
    out.write(e.digest, at, 32, 'hex');
    out.writeBigUInt64BE(BigInt(e.offset), at + 32);
    out.writeBigUInt64BE(BigInt(e.length), at + 40);
    out.writeBigUInt64BE(BigInt(e.rawSize), at + 48);
    out[at + 56] = CODECS.indexOf(e.codec);
  });
  const f = entries.length * PACK_ENTRY_SIZE;
  out.writeUInt32BE(entries.length, f);
  out.writeUInt32BE(crc32(out.subarray(0, f)), f + 4);
  FOOTER_MAGIC.copy(out, f + 8);
  out[f + 12] = VERSION;
  return out;
}

/**
 * Reads the entry count from a footer.
 * @throws `ZB_REPOSITORY_CORRUPT`.
 */
export function decodePackFooter(
  b: Buffer,
  key: string,
  packSize: number,
  encrypted = false,
): { count: number; crc: number } {
  if (b.length !== PACK_FOOTER_SIZE || !b.subarray(8, 12).equals(FOOTER_MAGIC)) throw corrupt(key, 'bad pack footer');
  if (b[12] !== (encrypted ? ENCRYPTED_VERSION : VERSION))
    throw corrupt(key, `unexpected pack footer version ${b[12]}`);
  const count = b.readUInt32BE(0);
  if (PACK_HEADER_SIZE + packTableSize(count, encrypted) + PACK_FOOTER_SIZE > packSize)
    throw corrupt(key, 'entry count exceeds the pack size');
  return { count, crc: b.readUInt32BE(4) };
}

/**
 * Decodes the entries of a trailer and checks them against the footer and the pack size.
 * @throws `ZB_REPOSITORY_CORRUPT`.
 */
export function decodePackEntries(
  b: Buffer,
  footer: { count: number; crc: number },
  key: string,
  packSize: number,
  sealing?: PackSealing,
): PackEntry[] {
  if (b.length !== packTableSize(footer.count, sealing !== undefined) || crc32(b) !== footer.crc)
    throw corrupt(key, 'pack entries fail their checksum');
  const end = packSize - b.length - PACK_FOOTER_SIZE;
  if (sealing) b = sealing.cipher.open(b, aad.packEntries(sealing.packId), key);
  const out: PackEntry[] = [];
  for (let i = 0; i < footer.count; i++) {
    const at = i * PACK_ENTRY_SIZE;
    const offset = Number(b.readBigUInt64BE(at + 32));
    const length = Number(b.readBigUInt64BE(at + 40));
    const codec = CODECS[b[at + 56] ?? 255];
    if (!codec || offset < PACK_HEADER_SIZE || offset + length > end) throw corrupt(key, `entry ${i} is out of range`);
    out.push({
      digest: b.toString('hex', at, at + 32),
      offset,
      length,
      rawSize: Number(b.readBigUInt64BE(at + 48)),
      codec,
    });
  }
  return out;
}

function corrupt(key: string, why: string): ZimbraBackupError {
  return new ZimbraBackupError(`corrupt pack ${key}: ${why}`, {
    code: 'ZB_REPOSITORY_CORRUPT',
    data: { key, reason: why },
  });
}
