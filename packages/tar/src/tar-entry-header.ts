import { LocalFormatError } from "@stevedore/core";
import type { RawHeader } from "./tar-header.js";
import { parsePaxRecords } from "./tar-header.js";

/** What an entry of a tar archive is. GNU sparse files and unknown types are `"other"`. */
export type TarEntryType =
  | "file"
  | "directory"
  | "symlink"
  | "hardlink"
  | "character-device"
  | "block-device"
  | "fifo"
  | "other";

/** The header of one tar entry, after pax and GNU long-name records are applied. */
export interface TarEntryHeader {
  /** The path as stored, not yet checked for safety (see `normalizeArchivePath`). */
  name: string;
  type: TarEntryType;
  /** Content length in bytes (0 for everything but files). */
  size: number;
  /** Target of a symbolic or hard link. */
  linkName?: string;
  mode: number;
  /** Seconds since the epoch (a pax fraction is dropped). */
  mtime: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  devMajor: number;
  devMinor: number;
}

/** What pax and GNU records set for the next entry. */
export interface PendingRecords {
  path?: string;
  linkPath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  mtime?: number;
}

/** Typeflags of records that describe the next entry, whose content is the record itself. */
export const metadataTypes: ReadonlySet<string> = new Set(["x", "g", "L", "K"]);
// As Go's archive/tar does: these carry no content whatever their size field says.
const headerOnlyTypes = new Set(["1", "2", "3", "4", "5", "6"]);

/** pax and GNU long-name records are tiny in practice; a bigger one is an attack on memory. */
export const maxMetadataSize: number = 1024 * 1024;

/** The number of content bytes that follow `header` in the archive. */
export function contentSize(header: RawHeader, pending: PendingRecords): number {
  if (metadataTypes.has(header.typeflag)) return header.size;
  if (headerOnlyTypes.has(header.typeflag)) return 0;
  return pending.size ?? header.size;
}

/** Adds the records of a pax (`x`) or GNU long-name (`L`, `K`) entry to `pending`. */
export function addRecords(
  typeflag: string,
  data: Uint8Array,
  pending: PendingRecords,
  where: string,
): PendingRecords {
  if (typeflag === "x") {
    const records = parsePaxRecords(data, where);
    const next = { ...pending };
    const path = records.get("path");
    const linkPath = records.get("linkpath");
    if (path !== undefined) next.path = path;
    if (linkPath !== undefined) next.linkPath = linkPath;
    const size = paxInteger(records, "size", where);
    if (size !== undefined) next.size = size;
    const uid = paxInteger(records, "uid", where);
    if (uid !== undefined) next.uid = uid;
    const gid = paxInteger(records, "gid", where);
    if (gid !== undefined) next.gid = gid;
    const uname = records.get("uname");
    if (uname !== undefined) next.uname = uname;
    const gname = records.get("gname");
    if (gname !== undefined) next.gname = gname;
    const mtime = records.get("mtime");
    if (mtime !== undefined && /^[0-9]{1,16}(\.[0-9]*)?$/.test(mtime)) next.mtime = Math.floor(Number(mtime));
    return next;
  }
  const end = data.indexOf(0);
  const value = new TextDecoder().decode(end === -1 ? data : data.subarray(0, end));
  return typeflag === "L" ? { ...pending, path: value } : { ...pending, linkPath: value };
}

/** The entry a content header describes, with `pending` applied. */
export function entryHeader(header: RawHeader, pending: PendingRecords, size: number): TarEntryHeader {
  const type = entryType(header.typeflag);
  const name = pending.path ?? (header.prefix === "" ? header.name : `${header.prefix}/${header.name}`);
  const linkName = pending.linkPath ?? header.linkName;
  return {
    name,
    type,
    size: type === "file" ? size : 0,
    ...(type === "symlink" || type === "hardlink" ? { linkName } : {}),
    mode: header.mode,
    mtime: pending.mtime ?? header.mtime,
    uid: pending.uid ?? header.uid,
    gid: pending.gid ?? header.gid,
    uname: pending.uname ?? header.uname,
    gname: pending.gname ?? header.gname,
    devMajor: header.devMajor,
    devMinor: header.devMinor,
  };
}

function paxInteger(records: Map<string, string>, key: string, where: string): number | undefined {
  const value = records.get(key);
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new LocalFormatError(`${where}: invalid pax ${key} record`);
  }
  return Number(value);
}

function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case "0":
    case "7":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "3":
      return "character-device";
    case "4":
      return "block-device";
    case "5":
      return "directory";
    case "6":
      return "fifo";
    default:
      return "other";
  }
}
