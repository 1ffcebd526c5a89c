import { isDigest } from "@stevedore/core";

// The OCI grammar (§2) accepts `nginx:latest` as a digest with an unknown algorithm, so a reference is
// only taken for a digest when its algorithm is a registered one.
const registered = /^(?:sha256|sha512|blake3):/;

/**
 * True when `reference` names content by digest (`sha256:…`, `sha512:…`) rather than by a name that
 * merely fits the digest grammar, such as `nginx:latest`.
 */
export function isContentDigest(reference: string): boolean {
  return registered.test(reference) && isDigest(reference);
}
