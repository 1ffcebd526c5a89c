import type { Descriptor } from "@stevedore/core";
import { parseReference, UsageError } from "@stevedore/core";
import type { ClientContext } from "./client-context.js";
import { manifestReference, parseImageReference } from "./parse-image-reference.js";

/**
 * Points `tag` at the manifest `reference` names, in the same repository: the manifest's exact bytes are
 * fetched once and put again under the new tag, so its digest is unchanged. Resolves with the manifest's descriptor.
 *
 * @throws InvalidReferenceError when `tag` is not a valid tag; NotFoundError when `reference` does not exist.
 */
export async function tagImage(
  context: ClientContext,
  reference: string,
  tag: string,
  options: { signal?: AbortSignal } = {},
): Promise<Descriptor> {
  const parsed = parseImageReference(reference);
  if (typeof tag !== "string" || tag === "") throw new UsageError("tag needs the new tag");
  // The reference grammar checks the tag ([\w][\w.-]{0,127}).
  parseReference(`${parsed.registry}/${parsed.repository}:${tag}`);
  const remote = context.remote(parsed);
  const call = options.signal === undefined ? {} : { signal: options.signal };
  // One GET for the bytes and the descriptor, then the PUT: a `resolve` first (HEAD) and `Remote.tag`
  // (GET by digest, PUT) would be one round trip more for the same exact bytes (`spec/PROTOCOL.md` §5.1).
  const { descriptor, bytes } = await remote.getManifest(manifestReference(parsed), call);
  await remote.putManifest(tag, bytes, descriptor.mediaType, call);
  return descriptor;
}
