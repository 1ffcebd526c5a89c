import { type Digest, InvalidDigestError, parseDigest, supportedDigestAlgorithms } from "@stevedore/core";

/**
 * Internal: the digest when `reference` is one (it holds a `:`; tags cannot), checked to be verifiable
 * (sha256 or sha512, `spec/PROTOCOL.md` §2); `undefined` for a tag. Content asked for by digest is always
 * hashed, so an algorithm we cannot compute is refused before any request (`InvalidDigestError`).
 */
export function checkDigestReference(reference: string): Digest | undefined {
  if (typeof reference !== "string" || !reference.includes(":")) return undefined;
  const digest = parseDigest(reference);
  const algorithm = digest.slice(0, digest.indexOf(":"));
  if (!supportedDigestAlgorithms.includes(algorithm)) {
    throw new InvalidDigestError(
      digest,
      `cannot verify content addressed by ${algorithm} (supported: ${supportedDigestAlgorithms.join(", ")})`,
    );
  }
  return digest;
}
