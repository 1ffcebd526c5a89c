import { parseDigest } from "@stevedore/core";

/**
 * The tag of the referrers tag schema for a subject digest (`spec/PROTOCOL.md` §7.2): the algorithm cut to
 * 32 characters, `-`, the encoded part cut to 64 characters, with every character a tag cannot hold
 * replaced by `-`. Registries without the referrers API keep an image index of a subject's referrers under
 * this tag; clients write it on push and read it on query.
 *
 * Throws `InvalidDigestError` when `digest` is not a digest.
 *
 * @example
 * ```ts
 * referrersTagName("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
 * // "sha256-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
 * ```
 */
export function referrersTagName(digest: string): string {
  const valid = parseDigest(digest);
  const colon = valid.indexOf(":");
  const algorithm = valid.slice(0, colon).slice(0, 32);
  const encoded = valid.slice(colon + 1).slice(0, 64);
  // Tags are [A-Za-z0-9_][A-Za-z0-9._-]{0,127} (§2); algorithms may hold '+', encoded parts '='.
  return `${algorithm}-${encoded}`.replace(/[^A-Za-z0-9._-]/g, "-");
}

const referrersTagPattern = /^(?:sha256-[a-f0-9]{64}|sha512-[a-f0-9]{64})$/;

/**
 * True when `tag` has the form the referrers tag schema gives sha256 and sha512 subjects (§7.2). Such tags
 * hold referrer indexes, not images; `tags({ excludeReferrersTags: true })` leaves them out.
 */
export function isReferrersTagName(tag: string): boolean {
  return referrersTagPattern.test(tag);
}
