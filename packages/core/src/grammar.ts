/**
 * The grammars of `spec/PROTOCOL.md` §2 for the names that go into API paths: repository names, tags and
 * digests. The one home of these rules: every package that checks a name asks here.
 */

// One path component of a repository name. The whole name (§2 regex) is such components joined by "/";
// checking component by component gives the same language and makes "a//b" and "/a" plainly wrong.
const repositoryComponentPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
// OCI image-spec: algorithm ":" encoded. Unknown algorithms pass this syntactic check (§2).
const digestAlgorithmPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;
const digestEncodedPattern = /^[a-zA-Z0-9=_-]+$/;
// RFC 6838 type/subtype without parameters: what `mediaType` and `artifactType` hold (§7.1).
const mediaTypePattern = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** True when `value` is one path component of a repository name (`ubuntu`, `my_app`, `a.b-c`). */
export function isRepositoryComponent(value: unknown): boolean {
  return typeof value === "string" && repositoryComponentPattern.test(value);
}

/** True when `value` is a repository name by the OCI regex (§2): components joined by `/`. */
export function isRepositoryName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.split("/").every(isRepositoryComponent);
}

/** True when `value` follows the tag grammar (§2): `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`. */
export function isTag(value: unknown): value is string {
  return typeof value === "string" && tagPattern.test(value);
}

/** True when `value` is a digest algorithm by the OCI grammar (`sha256`, `sha512`, `multihash+base58`). */
export function isDigestAlgorithm(value: unknown): boolean {
  return typeof value === "string" && digestAlgorithmPattern.test(value);
}

/** True when `value` is the encoded part of a digest by the OCI grammar (after the `:`). */
export function isDigestEncoded(value: unknown): boolean {
  return typeof value === "string" && digestEncodedPattern.test(value);
}

/** True when `value` is a media type without parameters (RFC 6838): `application/vnd.example+json`. */
export function isMediaType(value: unknown): boolean {
  return typeof value === "string" && mediaTypePattern.test(value);
}

/**
 * True when `value` follows the OCI digest grammar, whatever the algorithm (§2). `parseDigest` also checks
 * the exact encoding of registered algorithms.
 */
export function isDigestSyntax(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const colon = value.indexOf(":");
  return colon !== -1 && isDigestAlgorithm(value.slice(0, colon)) && isDigestEncoded(value.slice(colon + 1));
}
