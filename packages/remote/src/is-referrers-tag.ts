const referrersTagPattern = /^(?:sha256|sha512)-[a-f0-9]{64}$/;

/**
 * True when `tag` has the form the referrers tag schema gives sha256 and sha512 subjects
 * (`spec/PROTOCOL.md` §7.2, see `referrersTagFor`): such tags hold referrer indexes, not images.
 * `tags({ excludeReferrersTags: true })` leaves them out (oras's `--exclude-digest-tags`).
 *
 * @example
 * ```ts
 * isReferrersTag(referrersTagFor(image.digest)); // true
 * isReferrersTag("sha256-1234.sig"); // false (a cosign signature tag is an ordinary tag)
 * ```
 */
export function isReferrersTag(tag: string): boolean {
  return typeof tag === "string" && referrersTagPattern.test(tag);
}
