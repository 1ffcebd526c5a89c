import { createHasher } from "./create-hasher.js";
import type { Digest } from "./digest.js";

/**
 * The digest of bytes held in memory (a manifest, a config). Strings are hashed as UTF-8.
 *
 * @throws InvalidDigestError when `algorithm` is not supported.
 * @example
 * digestOf("{}") // "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
 */
export function digestOf(bytes: Uint8Array | string, algorithm = "sha256"): Digest {
  const hasher = createHasher(algorithm);
  hasher.update(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);
  return hasher.digest();
}
