import { InvalidHeaderError } from "@stevedore/core";
import { matchHeader } from "./match-header.js";

/** A parsed `Content-Range` of a `206` blob response. */
export interface ContentRange {
  /** First byte of the part, counted from 0. */
  start: number;
  /** Last byte of the part, inclusive. */
  end: number;
  /** Size of the whole blob, when the registry knows it (`*` otherwise). */
  size?: number;
}

// RFC 9110 §14.4: range-unit SP first-pos "-" last-pos "/" ( complete-length / "*" ). At most 15 digits
// (just under a petabyte) keeps every value an exact integer.
const pattern = /^bytes[ \t]+(\d{1,15})-(\d{1,15})\/(\d{1,15}|\*)$/i;

/**
 * Reads the `Content-Range` header of a `206` blob response: `bytes a-b/size` or `bytes a-b/*`
 * (`spec/PROTOCOL.md` §3.1 end-2). `a` and `b` are inclusive.
 *
 * The unsatisfied-range form `bytes *\/size` of a `416` is not a range of content and is refused, like the
 * unit-less `a-b` of upload requests (§2).
 *
 * Throws `InvalidHeaderError` for a missing header, several values, an end before the start, an end at or
 * past the size, or any other text.
 *
 * @example
 * ```ts
 * parseContentRange("bytes 0-1023/4096"); // { start: 0, end: 1023, size: 4096 }
 * parseContentRange("bytes 1024-2047/*"); // { start: 1024, end: 2047 }
 * ```
 */
export function parseContentRange(header: string | readonly string[] | undefined): ContentRange {
  const match = matchHeader("Content-Range", header, pattern, "bytes <start>-<end>/<size>");
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) throw new InvalidHeaderError("Content-Range", `end ${end} is before start ${start}`);
  if (match[3] === "*") return { start, end };
  const size = Number(match[3]);
  if (end >= size) throw new InvalidHeaderError("Content-Range", `end ${end} is not inside size ${size}`);
  return { start, end, size };
}
