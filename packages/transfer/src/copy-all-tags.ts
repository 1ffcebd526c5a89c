import type { ReadableTarget, TagLister, Target } from "@stevedore/core";
import { isTagLister, UsageError } from "@stevedore/core";
import { checkTarget } from "./check-arguments.js";
import type { CopyOptions } from "./copy-options.js";
import { resolveCopyOptions } from "./copy-options.js";
import type { CopyResult } from "./copy-result.js";
import { createSession } from "./create-session.js";
import { runCopy } from "./run-copy.js";
import { type BlobCounts, createTally, mergeTally, newBlobs, totalsOf } from "./tally.js";

/** Options of {@link copyAllTags}. */
export interface CopyAllTagsOptions extends CopyOptions {
  /**
   * Go on with the other tags when one fails, and report its error in its entry. Default `false`: the
   * first failure cancels the rest and `copyAllTags` rejects with it.
   */
  keepGoing?: boolean;
}

/** What one tag added to the totals of {@link copyAllTags}: blobs no tag finished before had counted. */
export interface TagCounted {
  blobs: BlobCounts;
  /** Bytes of those blobs transferred. */
  bytes: number;
}

/**
 * The outcome for one tag of {@link copyAllTags}: a result, or (with `keepGoing`) an error. `result`
 * counts everything the tag's image needed; `counted` only what it added to the run (a blob shared by
 * several tags counts in the first tag to finish), so the tags' `counted` add up to the totals.
 */
export type TagCopy =
  | { tag: string; result: CopyResult; counted: TagCounted; error?: undefined }
  | { tag: string; result?: undefined; counted?: undefined; error: unknown };

/** What {@link copyAllTags} did. Totals count each digest once, however many tags share it. */
export interface CopyAllTagsResult {
  /** One entry per tag of the source, in the order the source listed them. */
  tags: TagCopy[];
  blobs: BlobCounts;
  /** Bytes of blobs transferred. */
  bytes: number;
  /** Manifests pushed. */
  manifests: number;
  milliseconds: number;
}

/**
 * Copies every tag of `source` to the same tag at `destination`, as `copy` does for one, in one session:
 * one concurrency limit for all of them, and a blob or manifest that several tags share is transferred
 * once. Up to `concurrency` tags are walked at once. Each tag's result counts what its image needed;
 * the totals count each digest once. Every platform is copied unless `platforms` narrows it, as for
 * `copy`.
 *
 * @throws AbortError when `signal` aborts; the first error of any tag unless `keepGoing`.
 * @example
 * ```ts
 * const { tags, bytes } = await copyAllTags(source, mirror, { platforms: "all", referrers: true });
 * for (const { tag, result } of tags) console.log(tag, result?.digest);
 * ```
 */
export async function copyAllTags(
  source: ReadableTarget & TagLister,
  destination: Target,
  options: CopyAllTagsOptions = {},
): Promise<CopyAllTagsResult> {
  checkTarget(source, "source", false);
  checkTarget(destination, "destination", true);
  if (!isTagLister(source)) throw new UsageError("copyAllTags() needs a source that can list its tags");
  const resolved = resolveCopyOptions(options);
  const keepGoing = options.keepGoing === true;
  const session = createSession(source, destination, resolved, !keepGoing);
  try {
    const started = resolved.now();
    const tags = await session.limiter.run(async () => {
      const listed: string[] = [];
      for await (const tag of source.tags({ signal: session.signal })) listed.push(tag);
      return listed;
    });

    const entries: TagCopy[] = [];
    const total = createTally();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tags.length && !session.signal.aborted) {
        const position = next;
        next += 1;
        const tag = tags[position] as string;
        try {
          // A sync mostly finds its tags already there: a HEAD per tag then suffices, and Docker Hub counts
          // manifest GETs, not HEADs, against its pull limit.
          const { result, tally } = await runCopy(session, tag, { tag }, false);
          const added = totalsOf(newBlobs(total, tally));
          mergeTally(total, tally);
          entries[position] = { tag, result, counted: { blobs: added.blobs, bytes: added.bytes } };
        } catch (error) {
          session.fail(error);
          entries[position] = { tag, error };
        }
      }
    };
    // Workers never reject: each tag's failure is caught into its entry.
    await Promise.all(Array.from({ length: Math.min(resolved.concurrency, tags.length) }, worker));
    const failure = entries.find((entry) => entry?.error !== undefined);
    if (session.signal.aborted || (!keepGoing && failure !== undefined)) {
      throw session.errorFor(failure?.error);
    }
    const totals = totalsOf(total);
    return {
      tags: entries,
      blobs: totals.blobs,
      bytes: totals.bytes,
      manifests: totals.manifests,
      milliseconds: resolved.now() - started,
    };
  } catch (error) {
    session.fail(error);
    throw session.errorFor(error);
  } finally {
    session.dispose();
  }
}
