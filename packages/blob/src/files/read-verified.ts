import type { ByteStream } from "@stevedore/core";
import { SizeMismatchError, UsageError, withSignal } from "@stevedore/core";
import { throwIfAborted } from "../throw-if-aborted.js";
import type { Verifier } from "../verify/create-verifier.js";
import { isVerifiedFor } from "../verify/is-verified-for.js";

/**
 * Internal: reads `source` to its end through `verifier`, for both ways `writeVerifiedFile` writes (streamed
 * in batches, or a small file at once). `take` gets every non-empty chunk as it passes, and is awaited when
 * it returns a promise. Resolves once the size (and, when hashing, the digest) matched; on any failure the
 * source is closed and the error thrown.
 *
 * A stream verified upstream for this very content proves it by ending cleanly (`isVerifiedFor`): its bytes
 * are only counted. Anything else is hashed here. The mark is read after the first step, when any
 * pass-through has learnt it from its own source.
 */
export async function readVerified(
  source: ByteStream,
  verifier: Verifier,
  signal: AbortSignal | undefined,
  where: string,
  take: (chunk: Uint8Array) => Promise<void> | undefined,
): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  const { size } = verifier.expected;
  let hashing: boolean | undefined;
  let bytes = 0;
  try {
    for (;;) {
      throwIfAborted(signal);
      let step: IteratorResult<Uint8Array>;
      try {
        step = await withSignal(iterator.next(), signal);
      } catch (error) {
        // Every byte already arrived when the source failed: the digest alone decides (as in verifyContent).
        if (hashing === true && verifier.remaining === 0 && !signal?.aborted) break;
        throw error;
      }
      hashing ??= !isVerifiedFor(source, verifier.expected);
      if (step.done === true) break;
      const chunk = step.value;
      if (hashing) {
        verifier.update(chunk);
      } else {
        if (!(chunk instanceof Uint8Array)) {
          throw new UsageError(`content stream yielded ${typeof chunk} instead of bytes`);
        }
        if (bytes + chunk.length > size) throw new SizeMismatchError(size, bytes + chunk.length, where);
        bytes += chunk.length;
      }
      if (chunk.length === 0) continue;
      const taking = take(chunk);
      if (taking !== undefined) await taking;
    }
    if (hashing !== false) verifier.finish();
    else if (bytes !== size) throw new SizeMismatchError(size, bytes, where);
  } catch (error) {
    Promise.resolve(iterator.return?.()).catch(() => undefined);
    throw error;
  }
}
