import { InvalidHeaderError } from "@stevedore/core";
import { matchHeader } from "./match-header.js";

// `0-N` as distribution and OCI send it, or `bytes=0-N` as older Docker docs show (§4.1). At most 15
// digits (just under a petabyte) keeps every value an exact integer.
const pattern = /^(?:bytes=)?(\d{1,15})-(\d{1,15})$/i;

/**
 * Reads the `Range` header of an upload response (`202` after `POST`/`PATCH`, `204` from the status
 * `GET`, `spec/PROTOCOL.md` §4) and returns the offset the next chunk starts at: `N + 1` for `0-N`.
 *
 * `0-0` is ambiguous: distribution sends it both for an empty session and after exactly one byte
 * (§4.1, §18). This function returns `0` for it, because a new or empty session is by far the common case
 * and a chunk resent from 0 is refused (`416`), never stored twice. A client tracks its own offset (§4.1)
 * and uses this value to recover after a `416`; one that knows the registry has received bytes treats a
 * `0` as `1`.
 *
 * Throws `InvalidHeaderError` for a missing header, several values, another start than 0, or any other
 * text.
 *
 * @example
 * ```ts
 * parseUploadRange("0-1048575"); // 1048576
 * parseUploadRange("bytes=0-99"); // 100
 * parseUploadRange("0-0"); // 0
 * ```
 */
export function parseUploadRange(header: string | readonly string[] | undefined): number {
  const match = matchHeader("Range", header, pattern, "0-<last byte>");
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (start !== 0) throw new InvalidHeaderError("Range", `an upload range starts at 0, got ${start}`);
  return end === 0 ? 0 : end + 1;
}
