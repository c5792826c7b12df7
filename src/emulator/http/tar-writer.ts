/**
 * The tar stream Zimbra's archive formatters write (TarArchiveOutputStream.java over zm-common's
 * `com.zimbra.common.util.tar.TarOutputStream`, an Ant-derived writer set to `LONGFILE_GNU`):
 *
 * ```text
 * per entry: [././@LongLink 'L' header + name\0, padded]   when the name is 100 bytes or more
 *            header (ustar magic, mode 0100644 or 0100444 when unread, uname "zimbra",
 *                    gname = item type name, devmajor = item type byte, mtime = item date)
 *            data, zero-padded to 512
 * end:       two zero blocks, then zero padding to the 10240-byte record (Ant's TarBuffer)
 * ```
 * tar-stream's packer writes PAX headers for long names instead, which a client must not be
 * allowed to depend on; hence this small writer.
 * @module
 */
const BLOCK = 512;
const RECORD = 20 * BLOCK;

/** One entry's header fields. */
export interface TarHeader {
  name: string;
  size: number;
  /** Seconds since the epoch. */
  mtimeSec: number;
  /** Permission and type bits (Ant TarEntry: 0100644 for files). */
  mode: number;
  gname: string;
  devmajor: number;
  /** Entry type flag: `0` file, `L` GNU long name. */
  typeflag?: string;
}

function octal(buf: Buffer, value: number, offset: number, width: number): void {
  // Ant TarHeader.getOctalBytes: width-1 octal digits (zero-padded) and a terminating NUL/space.
  const s = Math.max(0, Math.floor(value))
    .toString(8)
    .padStart(width - 1, '0');
  buf.write(s.slice(-(width - 1)), offset, 'ascii');
}

function headerBlock(h: TarHeader, name: Buffer): Buffer {
  const b = Buffer.alloc(BLOCK);
  name.copy(b, 0, 0, Math.min(name.length, 100));
  octal(b, h.mode, 100, 8);
  octal(b, 0, 108, 8);
  octal(b, 0, 116, 8);
  octal(b, h.size, 124, 12);
  octal(b, h.mtimeSec, 136, 12);
  b.fill(0x20, 148, 156); // checksum computed with its field as spaces
  b.write(h.typeflag ?? '0', 156, 'ascii');
  b.write('ustar', 257, 'ascii');
  b.write('zimbra', 265, 'ascii');
  Buffer.from(h.gname, 'utf8').copy(b, 297, 0, 31);
  octal(b, h.devmajor, 329, 8);
  octal(b, 0, 337, 8);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return b;
}

function padding(size: number): Buffer | undefined {
  const rest = size % BLOCK;
  return rest === 0 ? undefined : Buffer.alloc(BLOCK - rest);
}

/** The blocks of one entry (GNU long-name entry first when needed), data included. */
export function tarEntry(h: TarHeader, data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const name = Buffer.from(h.name, 'utf8');
  if (name.length >= 100) {
    const long = Buffer.concat([name, Buffer.alloc(1)]);
    out.push(
      headerBlock({ ...h, name: '././@LongLink', size: long.length, typeflag: 'L' }, Buffer.from('././@LongLink')),
    );
    out.push(long);
    const pad = padding(long.length);
    if (pad) out.push(pad);
  }
  out.push(headerBlock(h, name), data);
  const pad = padding(data.length);
  if (pad) out.push(pad);
  return out;
}

/** The end of the archive for `written` bytes so far: two zero blocks, then up to a full record. */
export function tarEnd(written: number): Buffer {
  const total = written + 2 * BLOCK;
  const rest = total % RECORD;
  return Buffer.alloc(2 * BLOCK + (rest === 0 ? 0 : RECORD - rest));
}
