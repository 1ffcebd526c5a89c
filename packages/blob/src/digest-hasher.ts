/**
 * Internal: a streaming hasher for the algorithm of an expected digest. `@stevedore/core` is gaining
 * `parseDigest` / `createHasher`; until every caller can rely on them this small helper over `node:crypto`
 * keeps `blob` self-contained. It is not exported from the package.
 */
import { createHash } from "node:crypto";
import { InvalidDigestError } from "@stevedore/core";

/** The digest algorithms stevedore can verify (`spec/PROTOCOL.md` §2: sha256 MUST, sha512 MAY). */
export type DigestAlgorithm = "sha256" | "sha512";

/** Hashes bytes as they pass and renders the result as `algorithm:hex`. */
export interface DigestHasher {
  readonly algorithm: DigestAlgorithm;
  update(chunk: Uint8Array): void;
  /** The digest of everything passed to `update`. Call once. */
  digest(): string;
}

const encodedLength: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

// The OCI grammar (§2): `algorithm ":" encoded`. Anything that matches it but is not a registered
// algorithm we implement is "unsupported", anything else is "malformed"; both are InvalidDigestError.
const grammar = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Checks `digest` and returns its algorithm; throws {@link InvalidDigestError} otherwise. */
export function digestAlgorithmOf(digest: string): DigestAlgorithm {
  if (typeof digest !== "string" || !grammar.test(digest)) {
    throw new InvalidDigestError(String(digest), "expected algorithm:encoded");
  }
  const colon = digest.indexOf(":");
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  if (algorithm !== "sha256" && algorithm !== "sha512") {
    throw new InvalidDigestError(digest, `unsupported algorithm ${algorithm} (sha256 and sha512 are)`);
  }
  if (encoded.length !== encodedLength[algorithm] || !/^[a-f0-9]+$/.test(encoded)) {
    throw new InvalidDigestError(
      digest,
      `${algorithm} needs ${encodedLength[algorithm]} lower-case hex characters`,
    );
  }
  return algorithm;
}

/** A hasher for `algorithm`. */
export function createDigestHasher(algorithm: DigestAlgorithm): DigestHasher {
  const hash = createHash(algorithm);
  return {
    algorithm,
    update(chunk) {
      hash.update(chunk);
    },
    digest() {
      return `${algorithm}:${hash.digest("hex")}`;
    },
  };
}

/** The digest of `bytes` with `algorithm` (sha256 unless told). */
export function digestBytes(bytes: Uint8Array, algorithm: DigestAlgorithm = "sha256"): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}
