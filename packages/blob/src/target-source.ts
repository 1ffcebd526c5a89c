import type {
  ByteStream,
  Descriptor,
  ReadableTarget,
  ReplayableSource,
  TargetCallOptions,
} from "@stevedore/core";
import { isRangeFetcher } from "@stevedore/core";
import { checkOffset } from "./check-offset.js";

/**
 * A {@link ReplayableSource} that reads `descriptor` from another target, e.g. to stream a blob from one
 * registry into a resumable upload to another. Offset 0 uses `fetch` (verified by the target); a later
 * offset uses `fetchRange` when the target is a `RangeFetcher`, and otherwise fetches the whole content
 * and drops the prefix (still verified over the whole blob).
 *
 * @example
 * ```ts
 * await destination.push(descriptor, targetSource(source, descriptor));
 * ```
 */
export function targetSource(
  target: ReadableTarget,
  descriptor: Descriptor,
  options: TargetCallOptions = {},
): ReplayableSource {
  return (offset: number): ByteStream => {
    checkOffset(offset, descriptor.size);
    return read(target, descriptor, offset, options);
  };
}

async function* read(
  target: ReadableTarget,
  descriptor: Descriptor,
  offset: number,
  options: TargetCallOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (offset > 0 && isRangeFetcher(target)) {
    if (offset === descriptor.size) return;
    yield* await target.fetchRange(descriptor, offset, undefined, options);
    return;
  }
  let skip = offset;
  for await (const chunk of await target.fetch(descriptor, options)) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip === 0 ? chunk : chunk.subarray(skip);
    skip = 0;
  }
}
