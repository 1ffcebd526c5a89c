import { createVerifier, type ExpectedContent, type VerifierOptions } from "./create-verifier.js";

/**
 * Checks bytes in memory against an expected size and digest (a `Descriptor`), as {@link createVerifier}
 * checks a stream: `SizeMismatchError`, then `DigestMismatchError`, naming `options.where`;
 * `InvalidDigestError` for a digest stevedore cannot compute. Returns the digest.
 *
 * @example
 * ```ts
 * verifyBytes(manifestBytes, descriptor, { where: `manifest ${descriptor.digest}` });
 * ```
 */
export function verifyBytes(
  bytes: Uint8Array,
  expected: ExpectedContent,
  options: VerifierOptions = {},
): string {
  const verifier = createVerifier(expected, options);
  verifier.update(bytes);
  return verifier.finish();
}
