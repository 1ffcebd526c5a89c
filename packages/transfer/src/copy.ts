import type { ReadableTarget, Target } from "@stevedore/core";
import { checkSourceReference, checkTarget, parseDestinationReference } from "./check-arguments.js";
import { type CopyOptions, resolveCopyOptions } from "./copy-options.js";
import type { CopyResult } from "./copy-result.js";
import { createSession } from "./create-session.js";
import { runCopy } from "./run-copy.js";

/**
 * Copies an image, an index or an artifact from one target to another (`DESIGN.md` §4): resolves
 * `sourceReference` (a tag or a digest), chooses platforms, copies config and layers, then manifests
 * children first, byte-exact with their digests preserved (`spec/PROTOCOL.md` §5.1, §5.3), optionally the
 * referrers, and sets the tag last. Content the destination has is skipped; a blob another repository of
 * the same registry holds is mounted; the rest streams from source to destination with at most
 * `concurrency` transfers at a time, one per digest.
 *
 * `destinationReference` is a tag to set, a digest the copied root must have (no tag is set), or
 * `undefined` for no tag.
 *
 * @throws NotFoundError when the reference or a wanted platform is missing (listing those available).
 * @throws AbortError when `signal` aborts; the copy rejects only after every call it started has ended.
 * @throws InvalidReferenceError, UsageError for bad arguments, before anything is copied.
 * @example
 * ```ts
 * const result = await copy(source, "3.20", destination, "3.20", {
 *   platforms: [parsePlatform("linux/arm64")],
 *   onProgress: (event) => console.log(event.type),
 * });
 * console.log(`${result.digest}: ${result.blobs.transferred} blobs, ${result.bytes} bytes`);
 * ```
 */
export async function copy(
  source: ReadableTarget,
  sourceReference: string,
  destination: Target,
  destinationReference: string | undefined,
  options: CopyOptions = {},
): Promise<CopyResult> {
  checkTarget(source, "source", false);
  checkTarget(destination, "destination", true);
  checkSourceReference(sourceReference);
  const reference = parseDestinationReference(destinationReference);
  const session = createSession(source, destination, resolveCopyOptions(options), true);
  try {
    return (await runCopy(session, sourceReference, reference)).result;
  } catch (error) {
    session.fail(error);
    throw session.errorFor(error);
  } finally {
    session.dispose();
  }
}
