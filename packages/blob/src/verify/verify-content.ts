import type { ByteStream } from "@stevedore/core";
import {
  createVerifier,
  type ExpectedContent,
  type Verifier,
  type VerifierOptions,
} from "./create-verifier.js";
import { markVerified } from "./is-verified-for.js";

/**
 * Passes `source` through while checking it against `expected` (`spec/PROTOCOL.md` §5.2, STYLE.md
 * "Streams"):
 *
 * - the size is enforced as bytes pass: `SizeMismatchError` the moment the count would exceed it (even
 *   from a source that never ends), and when the source ends short;
 * - the chunk that completes the size is held back until the source has ended and the digest matched, so a
 *   consumer never sees a clean end of bad bytes: bad content always ends in `DigestMismatchError`.
 *
 * The returned stream is marked for `isVerifiedFor` (unless it resumes a verifier that already took bytes),
 * so a sink downstream counts its bytes instead of hashing them again.
 *
 * `expected` may be an existing {@link Verifier} to resume a cut download: open the rest of the blob with
 * `Range: bytes=<verifier.bytes>-` and pass the same verifier, which continues one hash over the whole
 * blob. Bad input (`InvalidDigestError` for an unsupported algorithm, `UsageError` for a bad size) is thrown
 * by this call itself, before anything is read.
 *
 * @example
 * ```ts
 * await pipeline(verifyContent(body, descriptor, { where: descriptor.digest }), createWriteStream(path));
 * ```
 */
export function verifyContent(
  source: ByteStream,
  expected: ExpectedContent | Verifier,
  options: VerifierOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const verifier = isVerifier(expected) ? expected : createVerifier(expected, options);
  const stream = run(source, verifier);
  // Only a stream that carries the whole content proves it by ending cleanly (a resumed one carries a tail).
  if (verifier.bytes === 0) markVerified(stream, verifier.expected);
  return stream;
}

async function* run(source: ByteStream, verifier: Verifier): AsyncGenerator<Uint8Array, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  let sourceFinished = false;
  let held: Uint8Array | undefined;
  try {
    for (;;) {
      let step: IteratorResult<Uint8Array>;
      try {
        step = await iterator.next();
      } catch (error) {
        sourceFinished = true;
        // Every byte already arrived when the connection failed: the digest alone decides.
        if (held !== undefined) break;
        throw error;
      }
      if (step.done === true) {
        sourceFinished = true;
        break;
      }
      const chunk = step.value;
      verifier.update(chunk);
      if (chunk.length === 0) continue;
      if (verifier.remaining > 0) {
        yield chunk;
      } else {
        // Completes the size: any later non-empty chunk fails `update`, so this is set at most once.
        held = chunk;
      }
    }
  } finally {
    // Our own failure (size exceeded) or an early stop by the consumer: release the source.
    // A failure while closing must not hide the error that made us close.
    if (!sourceFinished) await Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
  verifier.finish();
  if (held !== undefined) yield held;
}

function isVerifier(value: ExpectedContent | Verifier): value is Verifier {
  return typeof (value as Partial<Verifier>).update === "function";
}
