import { RegistryResponseError } from "@stevedore/core";
import type { ClientContext } from "./client-context.js";
import { parseImageReference } from "./parse-image-reference.js";

/**
 * Deletes what `reference` names (`spec/PROTOCOL.md` §8). It must name a tag or a digest: nothing is
 * deleted by a default tag.
 *
 * - By digest: the manifest, and with it every tag that points at it.
 * - By tag: `DELETE` of the tag itself where the registry supports that (OCI 1.1). Registries that only
 *   delete by digest (distribution 2.8 answers 400 / 405) get the tag resolved and its manifest deleted
 *   by digest — which also removes every other tag of that manifest.
 *
 * @throws NotFoundError when there is no such tag or manifest; RegistryResponseError when deletes are
 *   disabled on the registry.
 */
export async function deleteImage(
  context: ClientContext,
  reference: string,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const parsed = parseImageReference(reference, { defaultTag: false, purpose: "delete" });
  const remote = context.remote(parsed);
  const call = options.signal === undefined ? {} : { signal: options.signal };
  if (parsed.digest !== undefined) {
    await remote.deleteManifest(parsed.digest, call);
    return;
  }
  const tag = parsed.tag as string;
  try {
    await remote.deleteManifest(tag, call);
  } catch (error) {
    if (!RegistryResponseError.isInstance(error) || (error.status !== 400 && error.status !== 405))
      throw error;
    const descriptor = await remote.resolve(tag, call);
    await remote.deleteManifest(descriptor.digest, call);
  }
}
