import { DigestMismatchError, SizeMismatchError, type StevedoreError, UsageError } from "@stevedore/core";
import { hasherFor } from "./hasher-for.js";

/** The size and digest content must have: usually a `Descriptor` of `@stevedore/core`. */
export interface ExpectedContent {
  digest: string;
  size: number;
}

/** Options of {@link createVerifier} and `verifyContent`. */
export interface VerifierOptions {
  /** Names the content in error messages, e.g. `"blob sha256:… of registry.example/app"`. */
  where?: string;
}

/**
 * Checks content against an expected size and digest as its bytes pass (`spec/PROTOCOL.md` §5.2). One
 * verifier covers the whole blob, so a download cut halfway can resume with `Range` from
 * {@link Verifier.bytes} and keep feeding the same hash.
 */
export interface Verifier {
  /** What the content must match. */
  readonly expected: ExpectedContent;
  /** Bytes accepted so far. */
  readonly bytes: number;
  /** Bytes still to come: `expected.size - bytes`. */
  readonly remaining: number;
  /**
   * Accepts the next bytes. Throws `SizeMismatchError` (and accepts nothing) when they would take the
   * count past the expected size.
   */
  update(chunk: Uint8Array): void;
  /**
   * Ends the content: throws `SizeMismatchError` when it is short (more bytes may still be given to
   * `update`, e.g. after a resume), `DigestMismatchError` when the digest differs, otherwise returns the
   * digest. Once the size is complete the outcome is final: later calls repeat it and `update` is refused.
   */
  finish(): string;
}

/**
 * Creates a {@link Verifier} for content of `expected.size` bytes with digest `expected.digest` (sha256
 * or sha512; anything else throws `InvalidDigestError` here, before any byte is read).
 *
 * @example
 * ```ts
 * const verifier = createVerifier(descriptor, { where: `blob ${descriptor.digest}` });
 * for await (const chunk of body) verifier.update(chunk);
 * verifier.finish(); // throws on a short body or a wrong digest
 * ```
 */
export function createVerifier(expected: ExpectedContent, options: VerifierOptions = {}): Verifier {
  const size = expected.size;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new UsageError(`expected size must be a non-negative integer, got ${String(size)}`);
  }
  const hasher = hasherFor(expected.digest);
  const target: ExpectedContent = { digest: expected.digest, size };
  const where = options.where;
  let bytes = 0;
  let outcome: { digest: string } | { error: StevedoreError } | undefined;

  return {
    expected: target,
    get bytes() {
      return bytes;
    },
    get remaining() {
      return size - bytes;
    },
    update(chunk) {
      if (outcome !== undefined) throw new UsageError("verifier already finished");
      if (!(chunk instanceof Uint8Array)) {
        throw new UsageError(`content stream yielded ${typeof chunk} instead of bytes`);
      }
      if (bytes + chunk.length > size) {
        // Fail the moment the size is exceeded: a hostile or broken server cannot make us hash (or a
        // consumer store) more than the descriptor promised.
        throw new SizeMismatchError(size, bytes + chunk.length, where);
      }
      hasher.update(chunk);
      bytes += chunk.length;
    },
    finish() {
      if (outcome === undefined) {
        // Short is not final: a resumed download may still deliver the rest (`Range` from `bytes`).
        if (bytes < size) throw new SizeMismatchError(size, bytes, where);
        const actual = hasher.digest();
        outcome =
          actual === target.digest
            ? { digest: actual }
            : { error: new DigestMismatchError(target.digest, actual, where) };
      }
      if ("error" in outcome) throw outcome.error;
      return outcome.digest;
    },
  };
}
