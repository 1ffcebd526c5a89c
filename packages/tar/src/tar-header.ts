/**
 * Internal: the 512-byte ustar header (POSIX.1-1988, with the POSIX.1-2001 pax and GNU extensions a reader
 * meets in the wild). Only what `docker save`, `docker load`, skopeo and OCI layout tars use is covered.
 */
import { LocalFormatError } from "@stevedore/core";

/** Size of a tar block: headers, and the unit content is padded to. */
export const blockSize = 512;
/** The size of a tar block (512 bytes): headers, and the unit content is padded to. */
export const tarBlockSize: number = blockSize;

/** The largest value an 8-byte octal field (mode, uid, gid, device numbers) holds. */
export const maxOctalId = 0o7777777;

/** The largest size the 11-digit octal field holds; bigger entries need a pax `size` record. */
export const maxOctalSize = 0o77777777777;

/** The fields of a header stevedore reads. */
export interface RawHeader {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkName: string;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  devMajor: number;
  devMinor: number;
  /** True for a POSIX ustar header ("ustar\0"), whose `prefix` field extends the name. */
  ustar: boolean;
  prefix: string;
}

/** The fields of one raw tar header block, for {@link encodeTarHeader}. */
export interface TarHeaderFields {
  /** At most 100 bytes (longer names go to a pax record or the ustar `prefix`). */
  name: string;
  mode: number;
  size: number;
  mtime: number;
  /** One character: `"0"` file, `"1"` hard link, `"2"` symbolic link, `"5"` directory, `"x"` pax, … */
  typeflag: string;
  linkName?: string;
  prefix?: string;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  devMajor?: number;
  devMinor?: number;
}

const decoder = new TextDecoder("utf-8");
const encoder = new TextEncoder();

/** True when every byte of the block is zero: one of the two blocks that end an archive. */
export function isZeroBlock(block: Uint8Array): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

/** Decodes a header block; throws `LocalFormatError` naming `where` and the offset when it is corrupt. */
export function decodeHeader(block: Uint8Array, where: string, offset: number): RawHeader {
  const stored = parseNumber(block.subarray(148, 156));
  if (stored === undefined || !checksumMatches(block, stored)) {
    throw new LocalFormatError(`${where}: not a tar archive or corrupt header at offset ${offset}`);
  }
  const size = parseNumber(block.subarray(124, 136));
  if (size === undefined || size < 0 || !Number.isSafeInteger(size)) {
    throw new LocalFormatError(`${where}: invalid entry size in header at offset ${offset}`);
  }
  const magic = text(block.subarray(257, 263));
  return {
    name: text(block.subarray(0, 100)),
    mode: parseNumber(block.subarray(100, 108)) ?? 0,
    size,
    mtime: parseNumber(block.subarray(136, 148)) ?? 0,
    typeflag: block[156] === 0 ? "0" : String.fromCharCode(block[156]!),
    linkName: text(block.subarray(157, 257)),
    uid: parseNumber(block.subarray(108, 116)) ?? 0,
    gid: parseNumber(block.subarray(116, 124)) ?? 0,
    uname: magic === "ustar" ? text(block.subarray(265, 297)) : "",
    gname: magic === "ustar" ? text(block.subarray(297, 329)) : "",
    devMajor: magic === "ustar" ? (parseNumber(block.subarray(329, 337)) ?? 0) : 0,
    devMinor: magic === "ustar" ? (parseNumber(block.subarray(337, 345)) ?? 0) : 0,
    ustar: magic === "ustar",
    prefix: magic === "ustar" ? text(block.subarray(345, 500)) : "",
  };
}

/**
 * Encodes one 512-byte ustar header block, checksum included. Low level: names must already fit their
 * fields and numbers their octal fields ({@link writeTar} moves what does not fit to pax records). Useful to
 * build archives the writer refuses to make, such as hostile ones for tests.
 *
 * @example
 * ```ts
 * const header = encodeTarHeader({ name: "../escape", mode: 0o644, size: 0, mtime: 0, typeflag: "0" });
 * ```
 */
export function encodeTarHeader(fields: TarHeaderFields): Uint8Array {
  const block = new Uint8Array(blockSize);
  writeText(block, 0, 100, fields.name);
  writeOctal(block, 100, 8, fields.mode);
  writeOctal(block, 108, 8, fields.uid ?? 0);
  writeOctal(block, 116, 8, fields.gid ?? 0);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, fields.mtime);
  block[156] = fields.typeflag.charCodeAt(0);
  writeText(block, 157, 100, fields.linkName ?? "");
  writeText(block, 257, 6, "ustar\0");
  writeText(block, 263, 2, "00");
  writeText(block, 265, 32, fields.uname ?? "");
  writeText(block, 297, 32, fields.gname ?? "");
  writeOctal(block, 329, 8, fields.devMajor ?? 0);
  writeOctal(block, 337, 8, fields.devMinor ?? 0);
  writeText(block, 345, 155, fields.prefix ?? "");
  // The checksum is computed with its own field read as eight spaces.
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeText(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

/** Encodes pax extended header records (`"<length> <key>=<value>\n"`, the length counting itself). */
export function encodePaxRecords(records: Record<string, string>): Uint8Array {
  let out = "";
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    const bodyLength = encoder.encode(body).length;
    let digits = 1;
    while (String(bodyLength + digits).length > digits) digits += 1;
    out += `${bodyLength + digits}${body}`;
  }
  return encoder.encode(out);
}

/** Parses pax records; throws `LocalFormatError` on a malformed one. */
export function parsePaxRecords(data: Uint8Array, where: string): Map<string, string> {
  const records = new Map<string, string>();
  let position = 0;
  while (position < data.length) {
    // A NUL-padded tail appears in some writers' output; it ends the records.
    if (data[position] === 0) break;
    const space = data.indexOf(0x20, position);
    const lengthText = space === -1 ? "" : decoder.decode(data.subarray(position, space));
    const length = /^[1-9][0-9]{0,8}$/.test(lengthText) ? Number(lengthText) : Number.NaN;
    const end = position + length;
    if (!Number.isSafeInteger(length) || end > data.length || data[end - 1] !== 0x0a || end <= space + 1) {
      throw new LocalFormatError(`${where}: malformed pax extended header`);
    }
    const record = decoder.decode(data.subarray(space + 1, end - 1));
    const equals = record.indexOf("=");
    if (equals <= 0) throw new LocalFormatError(`${where}: malformed pax extended header`);
    records.set(record.slice(0, equals), record.slice(equals + 1));
    position = end;
  }
  return records;
}

/** The UTF-8 byte length of `value`. */
export function byteLength(value: string): number {
  return encoder.encode(value).length;
}

function checksumMatches(block: Uint8Array, stored: number): boolean {
  // Historic writers summed signed bytes; accept both as GNU tar and Go's archive/tar do.
  let unsigned = 0;
  let signed = 0;
  for (let index = 0; index < blockSize; index += 1) {
    const byte = index >= 148 && index < 156 ? 0x20 : block[index]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** Octal (NUL/space padded) or GNU base-256 (high bit set); `undefined` when it is neither. */
function parseNumber(field: Uint8Array): number | undefined {
  if (field.length > 0 && (field[0]! & 0x80) !== 0) {
    if (field[0] === 0xff) return undefined; // negative base-256: never a valid size or time here
    let value = field[0]! & 0x7f;
    for (const byte of field.subarray(1)) {
      value = value * 256 + byte;
      if (!Number.isSafeInteger(value)) return undefined;
    }
    return value;
  }
  const digits = decoder
    .decode(field)
    .replace(/[\0 ]+$/, "")
    .replace(/^ +/, "");
  if (digits === "") return 0;
  return /^[0-7]+$/.test(digits) ? Number.parseInt(digits, 8) : undefined;
}

function text(field: Uint8Array): string {
  const end = field.indexOf(0);
  return decoder.decode(end === -1 ? field : field.subarray(0, end));
}

function writeText(block: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  block.set(bytes.subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeText(block, offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
}
