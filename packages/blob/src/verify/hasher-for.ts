import type { Hasher } from "@stevedore/core";
import { createHasher, InvalidDigestError, parseDigest, supportedDigestAlgorithms } from "@stevedore/core";

/**
 * Internal: a hasher for the algorithm of `digest`, which must be valid (`spec/PROTOCOL.md` §2) and use an
 * algorithm stevedore can compute (sha256, sha512). Throws `InvalidDigestError` naming the digest otherwise.
 */
export function hasherFor(digest: string): Hasher {
  parseDigest(digest);
  const algorithm = digest.slice(0, digest.indexOf(":"));
  if (!supportedDigestAlgorithms.includes(algorithm)) {
    throw new InvalidDigestError(
      digest,
      `cannot verify algorithm ${algorithm} (supported: ${supportedDigestAlgorithms.join(", ")})`,
    );
  }
  return createHasher(algorithm);
}
