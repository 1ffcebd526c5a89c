import {
  AbortError,
  NotFoundError,
  RegistryResponseError,
  StevedoreError,
  UsageError,
} from "@stevedore/core";
import type { Remote } from "@stevedore/remote";
import type { DeleteResult } from "./client.js";
import type { ClientContext } from "./client-context.js";
import { parseImageReference } from "./parse-image-reference.js";

/** Tags resolved at once while looking for the ones that point at a manifest about to be deleted. */
const resolveConcurrency = 8;

/**
 * Deletes the manifest `reference` names (`spec/PROTOCOL.md` §8), on every registry the same way: a tag is
 * resolved to its digest and the manifest is deleted by digest, which removes every tag pointing at it —
 * so those tags are found first (the repository's tags, each resolved) and reported. It must name a tag or
 * a digest: nothing is deleted by a default tag. To remove one tag alone, see {@link untagImage}.
 *
 * @throws NotFoundError when there is no such tag or manifest; RegistryResponseError when deletes are
 *   disabled on the registry.
 */
export async function deleteImage(
  context: ClientContext,
  reference: string,
  options: { signal?: AbortSignal } = {},
): Promise<DeleteResult> {
  const parsed = parseImageReference(reference, { defaultTag: false, purpose: "delete" });
  const remote = context.remote(parsed);
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const digest = parsed.digest ?? (await remote.resolve(parsed.tag as string, call)).digest;
  const tags = await tagsPointingAt(remote, digest, call);
  await remote.deleteManifest(digest, call);
  return { digest, tags };
}

/**
 * Removes the tag `reference` names and nothing else (`DELETE` of the tag, OCI distribution 1.1 §8), where
 * the registry allows it. Registries that delete only by digest (distribution 2.8 answers 400) get a clear
 * error saying what they answered; the manifest and its other tags stay.
 *
 * @throws UsageError for a reference without a tag, or with a digest.
 * @throws NotFoundError when the tag does not exist; StevedoreError (`STEVEDORE_UNSUPPORTED`) when the
 *   registry does not remove tags alone.
 */
export async function untagImage(
  context: ClientContext,
  reference: string,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const parsed = parseImageReference(reference, { defaultTag: false, purpose: "untag", tagOnly: true });
  if (parsed.digest !== undefined || parsed.tag === undefined) {
    throw new UsageError(
      `untag removes a tag: name REPOSITORY:TAG without a digest, not ${JSON.stringify(reference)}`,
    );
  }
  const remote = context.remote(parsed);
  const call = options.signal === undefined ? {} : { signal: options.signal };
  try {
    await remote.deleteManifest(parsed.tag, call);
  } catch (error) {
    if (!RegistryResponseError.isInstance(error) || ![400, 405, 501].includes(error.status)) throw error;
    // Not chained as `cause`: the registry's code (distribution sends DIGEST_INVALID) would set the exit
    // status of a refusal that is neither bad content nor bad input.
    throw new StevedoreError(
      "STEVEDORE_UNSUPPORTED",
      `the registry does not remove a tag alone: ${error.message}; 'delete' removes the manifest with every tag pointing at it`,
    );
  }
}

/** The repository's tags (referrers-schema tags left out) that resolve to `digest`, sorted. */
async function tagsPointingAt(
  remote: Remote,
  digest: string,
  call: { signal?: AbortSignal },
): Promise<string[]> {
  const tags: string[] = [];
  for await (const tag of remote.tags({ ...call, excludeReferrersTags: true })) tags.push(tag);
  const matches: boolean[] = new Array(tags.length).fill(false);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tags.length) {
      const position = next;
      next += 1;
      try {
        matches[position] = (await remote.resolve(tags[position] as string, call)).digest === digest;
      } catch (error) {
        // A tag removed meanwhile no longer points anywhere.
        if (!NotFoundError.isInstance(error) || AbortError.isInstance(error)) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(resolveConcurrency, tags.length) }, worker));
  return tags.filter((_, position) => matches[position]).sort();
}
