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

/** What {@link prefetchTargetSource} returns. */
export interface PrefetchedSource {
  /** The source: offset 0 the first time takes the fetch already under way, anything else reads anew. */
  source: ReplayableSource;
  /** Closes the early fetch if no one took it (call once the upload has ended, however it ended). */
  release(): void;
}

/**
 * {@link targetSource} whose first read is already sent: the `GET` of the blob goes out now, beside
 * whatever the reader does first (the upload's `POST`), instead of one round trip later.
 */
export function prefetchTargetSource(
  target: ReadableTarget,
  descriptor: Descriptor,
  options: TargetCallOptions = {},
): PrefetchedSource {
  const later = targetSource(target, descriptor, options);
  let early: Promise<ByteStream> | undefined = target.fetch(descriptor, options);
  // Whoever takes it sees its failure; until then (or if no one does) it is not an unhandled rejection.
  early.catch(() => undefined);
  return {
    source: (offset) => {
      if (offset !== 0 || early === undefined) return later(offset);
      const taken = early;
      early = undefined;
      checkOffset(offset, descriptor.size);
      const stream = passOn(taken, (fetched) => inheritVerification(fetched, stream));
      return stream;
    },
    release: () => {
      const left = early;
      early = undefined;
      // Reading one chunk and returning ends the body's generators properly, so the connection is freed.
      void left
        ?.then(async (fetched) => {
          const iterator = fetched[Symbol.asyncIterator]();
          try {
            await iterator.next();
          } finally {
            await iterator.return?.();
          }
        })
        .catch(() => undefined);
    },
  };
}

async function* passOn(
  pending: Promise<ByteStream>,
  onFetch: (fetched: ByteStream) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  const fetched = await pending;
  onFetch(fetched);
  yield* fetched;
}
