import type {
  ByteStream,
  Descriptor,
  ReadableTarget,
  ReplayableSource,
  TargetCallOptions,
} from "@stevedore/core";
import { isRangeFetcher } from "@stevedore/core";
import { inheritVerification } from "../verify/is-verified-for.js";
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
    const stream = read(target, descriptor, offset, options, (fetched) => {
      // The whole of a verified fetch, passed on unchanged: as good as the fetch itself.
      inheritVerification(fetched, stream);
    });
    return stream;
  };
}

async function* read(
  target: ReadableTarget,
  descriptor: Descriptor,
  offset: number,
  options: TargetCallOptions,
  onFetch: (fetched: ByteStream) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (offset > 0 && isRangeFetcher(target)) {
    if (offset === descriptor.size) return;
    yield* await target.fetchRange(descriptor, offset, undefined, options);
    return;
  }
  let skip = offset;
  const fetched = await target.fetch(descriptor, options);
  if (offset === 0) onFetch(fetched);
  for await (const chunk of fetched) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip === 0 ? chunk : chunk.subarray(skip);
    skip = 0;
  }
}
