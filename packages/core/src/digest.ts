/**
 * The `Digest` type: a content address such as `sha256:9f86d0…`, validated by {@link parseDigest} or made by
 * {@link createHasher} / {@link digestOf}. The brand keeps unchecked strings out of places that need a digest.
 *
 * Grammar (`spec/PROTOCOL.md` §2): `algorithm ":" encoded`.
 */

/** A validated digest string (`algorithm:encoded`). Create one with `parseDigest`, `digestOf` or a hasher. */
export type Digest = string & { readonly __digest: true };

/**
 * The algorithm part of a digest (`sha256` for `sha256:9f86…`).
 *
 * @example
 * digestAlgorithm(parseDigest("sha512:…")) // "sha512"
 */
export function digestAlgorithm(digest: Digest): string {
  return digest.slice(0, digest.indexOf(":"));
}

/**
 * The encoded part of a digest, after the first `:` (the hex string for `sha256` and `sha512`).
 *
 * @example
 * digestEncoded(parseDigest("sha256:9f86…")) // "9f86…"
 */
export function digestEncoded(digest: Digest): string {
  return digest.slice(digest.indexOf(":") + 1);
}
