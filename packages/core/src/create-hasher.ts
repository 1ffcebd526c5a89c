import { createHash, type Hash } from "node:crypto";
import type { Digest } from "./digest.js";
import { InvalidDigestError, UsageError } from "./errors.js";
import { inputText } from "./input-text.js";

/** A streaming digest calculator made by {@link createHasher}. */
export interface Hasher {
  /** Adds bytes. Throws `UsageError` after {@link Hasher.digest} was called. */
  update(chunk: Uint8Array): void;
  /** The digest of every byte added so far. Calling it again returns the same value; no more updates follow. */
  digest(): Digest;
  /** How many bytes were added. */
  readonly bytes: number;
}

/** The algorithms {@link createHasher} can compute (`spec/PROTOCOL.md` §2: sha256 MUST, sha512 MAY). */
export const supportedDigestAlgorithms: readonly string[] = ["sha256", "sha512"];

/**
 * Creates a streaming hasher over `node:crypto`, for digests of blobs too large to hold in memory.
 *
 * @throws InvalidDigestError when `algorithm` is not one of {@link supportedDigestAlgorithms}.
 * @example
 * const hasher = createHasher();
 * for await (const chunk of stream) hasher.update(chunk);
 * const digest = hasher.digest(); // "sha256:…"
 */
export function createHasher(algorithm = "sha256"): Hasher {
  if (!supportedDigestAlgorithms.includes(algorithm)) {
    throw new InvalidDigestError(
      inputText(algorithm),
      `unsupported digest algorithm (supported: ${supportedDigestAlgorithms.join(", ")})`,
    );
  }
  const hash: Hash = createHash(algorithm);
  let bytes = 0;
  let result: Digest | undefined;
  return {
    update(chunk: Uint8Array): void {
      if (result !== undefined) throw new UsageError("hasher.update() called after hasher.digest()");
      hash.update(chunk);
      bytes += chunk.byteLength;
    },
    digest(): Digest {
      result ??= `${algorithm}:${hash.digest("hex")}` as Digest;
      return result;
    },
    get bytes(): number {
      return bytes;
    },
  };
}
