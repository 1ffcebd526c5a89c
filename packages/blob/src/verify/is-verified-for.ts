import type { ByteStream } from "@stevedore/core";
import type { ExpectedContent } from "./create-verifier.js";

// Streams whose clean end proves their content: the stream (or its iterator) → what it was verified against.
// A WeakMap rather than a property, so no outside object can claim the mark; a second installed copy of this
// package simply does not see the marks of the first, which costs a second hash and nothing else.
const verified = new WeakMap<object, ExpectedContent>();

/**
 * Whether `stream` was verified upstream against exactly `expected` (same digest and size): it comes
 * from `verifyContent` over the whole content, or from a pass-through of this package (`countProgress`,
 * `targetSource` at offset 0) over such a stream. For such a stream a clean end is proof of the content,
 * because the verifier throws before handing on the chunk that completes the size unless the digest
 * matched (`spec/PROTOCOL.md` §5.2). Sinks (`writeVerifiedFile`, layout and memory targets) use it to
 * count bytes instead of hashing them a second time.
 *
 * A pass-through learns the mark of its source when it first reads from it, so ask after the first chunk
 * (or the end) has arrived, not before.
 *
 * @example
 * ```ts
 * const first = await iterator.next();
 * const hashing = !isVerifiedFor(stream, descriptor);
 * ```
 */
export function isVerifiedFor(stream: ByteStream, expected: ExpectedContent): boolean {
  const mark = verified.get(stream);
  return mark !== undefined && mark.digest === expected.digest && mark.size === expected.size;
}

/**
 * Internal: records that a clean end of `stream` proves it carried exactly `expected` — only for a stream
 * that passes on every byte of the whole content and fails (never ends cleanly) on bad content.
 */
export function markVerified(stream: object, expected: ExpectedContent): void {
  verified.set(stream, { digest: expected.digest, size: expected.size });
}

/**
 * Internal: gives `to` the mark of `from`, if any — for a pass-through that hands on every chunk of `from`
 * unchanged and ends when, and only as, `from` ends.
 */
export function inheritVerification(from: object, to: object): void {
  const mark = verified.get(from);
  if (mark !== undefined) verified.set(to, mark);
}
