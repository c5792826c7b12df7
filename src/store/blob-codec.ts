/**
 * The blob object encoding (docs/FORMAT.md "Blob objects"): a 16-byte header, then the payload in
 * the codec the header names. The codec is per blob, so one repository can mix codecs and a change
 * of the repository's compression never rewrites old blobs.
 *
 * ```
 * offset  size  field
 * 0       4     magic "ZBLB"
 * 4       1     header version (1)
 * 5       1     codec: 0 none, 1 gzip, 2 zstd
 * 6       2     reserved, zero
 * 8       8     uncompressed size, uint64 big-endian; all ones when unknown at write time
 * ```
 * @module
 */
import { createGunzip, createGzip } from 'node:zlib';
import type { Transform } from 'node:stream';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- imported for a TSDoc {@link} (typedoc resolves it through the import)
import type { ReplayableBody } from './backends/backend.js';
import { ZimbraBackupError } from '../errors.js';

/** Compression of new blobs. `zstd` needs the optional `zstd-napi` package. */
export type Compression = 'none' | 'gzip' | 'zstd';

/** Length of the blob header, in bytes. */
export const BLOB_HEADER_SIZE = 16;

const MAGIC = Buffer.from('ZBLB', 'latin1');
const HEADER_VERSION = 1;
const UNKNOWN_SIZE = 0xffffffffffffffffn;
const CODEC_IDS: Record<Compression, number> = { none: 0, gzip: 1, zstd: 2 };
const CODEC_NAMES: readonly Compression[] = ['none', 'gzip', 'zstd'];

/** A parsed blob header. */
export interface BlobHeader {
  /** Codec of the payload. */
  codec: Compression;
  /** Uncompressed size in bytes, when it was known at write time. */
  size: number | undefined;
}

/** Encodes a blob header. */
export function encodeBlobHeader(codec: Compression, size: number | undefined): Buffer {
  const buf = Buffer.alloc(BLOB_HEADER_SIZE);
  MAGIC.copy(buf, 0);
  buf[4] = HEADER_VERSION;
  buf[5] = CODEC_IDS[codec];
  buf.writeBigUInt64BE(size === undefined ? UNKNOWN_SIZE : BigInt(size), 8);
  return buf;
}

/**
 * Decodes a blob header.
 * @throws `ZB_REPOSITORY_CORRUPT` for a wrong magic, version, codec id or reserved bytes.
 */
export function decodeBlobHeader(buf: Buffer, key: string): BlobHeader {
  if (buf.length < BLOB_HEADER_SIZE || !buf.subarray(0, 4).equals(MAGIC)) throw corrupt(key, 'bad magic');
  if (buf[4] !== HEADER_VERSION) throw corrupt(key, `unknown blob header version ${buf[4]}`);
  const codec = CODEC_NAMES[buf[5] ?? 255];
  if (codec === undefined) throw corrupt(key, `unknown codec id ${buf[5]}`);
  if (buf[6] !== 0 || buf[7] !== 0) throw corrupt(key, 'reserved header bytes are not zero');
  const raw = buf.readBigUInt64BE(8);
  if (raw !== UNKNOWN_SIZE && raw > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(key, 'size out of range');
  return { codec, size: raw === UNKNOWN_SIZE ? undefined : Number(raw) };
}

/** Patches the size field of an encoded header in place (spooling learns the size at the end). */
export function headerSizeField(size: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(BigInt(size));
  return buf;
}

/** Offset of the size field inside the header. */
export const HEADER_SIZE_OFFSET = 8;

/** Minimal shape of the optional `zstd-napi` module that we use. */
interface ZstdModule {
  CompressStream: new (params?: Record<string, unknown>) => Transform;
  DecompressStream: new () => Transform;
}

let zstdPromise: Promise<ZstdModule | undefined> | undefined;

/** Loads `zstd-napi` once; undefined when it is not installed (it builds from source, so it is optional). */
export function loadZstd(): Promise<ZstdModule | undefined> {
  // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
  const name = 'zstd-napi';
  zstdPromise ??= import(name).then(
    (m: { default?: ZstdModule } & Partial<ZstdModule>) => {
      const mod = (m.CompressStream ? m : m.default) as ZstdModule | undefined;
      return mod && typeof mod.CompressStream === 'function' ? mod : undefined;
    },
    () => undefined,
  );
  return zstdPromise;
}

/**
 * Checks that `codec` can be used on this installation.
 * @throws `ZB_UNSUPPORTED` for zstd without `zstd-napi`.
 */
export async function assertCodecAvailable(codec: Compression): Promise<void> {
  if (codec === 'zstd' && !(await loadZstd())) {
    throw new ZimbraBackupError('zstd compression needs the optional package zstd-napi (npm install zstd-napi)', {
      code: 'ZB_UNSUPPORTED',
      data: { codec },
    });
  }
}

/**
 * A synchronous factory of compressing transforms for `codec` (undefined for `none`); async itself
 * only because zstd is loaded on demand. Sync factories let a {@link ReplayableBody} `open()` build
 * its pipeline without awaiting.
 * @throws `ZB_UNSUPPORTED` for zstd without `zstd-napi`.
 */
export async function encoderFactory(codec: Compression, gzipLevel: number): Promise<() => Transform | undefined> {
  if (codec === 'none') return () => undefined;
  if (codec === 'gzip') return () => createGzip({ level: gzipLevel });
  await assertCodecAvailable(codec);
  const zstd = (await loadZstd()) as ZstdModule;
  return () => new zstd.CompressStream();
}

/** A decompressing transform for `codec`, or undefined for `none`. */
export async function createDecoder(codec: Compression): Promise<Transform | undefined> {
  if (codec === 'none') return undefined;
  if (codec === 'gzip') return createGunzip();
  await assertCodecAvailable(codec);
  const zstd = (await loadZstd()) as ZstdModule;
  return new zstd.DecompressStream();
}

/** True for a known compression name. */
export function isCompression(value: unknown): value is Compression {
  return value === 'none' || value === 'gzip' || value === 'zstd';
}

function corrupt(key: string, why: string): ZimbraBackupError {
  return new ZimbraBackupError(`corrupt blob object ${key}: ${why}`, {
    code: 'ZB_REPOSITORY_CORRUPT',
    data: { key, reason: why },
  });
}
