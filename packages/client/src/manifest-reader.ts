/**
 * What the read verbs (`manifest`, `digest`, `config`) read from: a registry repository, or a local
 * location (`oci:DIR`, `oci-layout:`, `oci-archive:FILE`, `docker-archive:FILE`) opened read-only and
 * read through the same two calls, so an index's platform is picked and checked the same way for both.
 */
import { readAll } from "@stevedore/blob";
import { defaultManifestMaxBytes, parseManifest } from "@stevedore/core";
import type { Remote } from "@stevedore/remote";
import type { ClientContext } from "./client-context.js";
import { openSource } from "./open-location.js";
import { manifestReference, parseImageReference } from "./parse-image-reference.js";
import { parseLocation } from "./parse-location.js";

/** The two calls the read verbs need; a `Remote` has both. */
export type ManifestReader = Pick<Remote, "getManifest" | "fetch">;

/** Whether `input` names a registry; one that parses as no location is left to the registry path's errors. */
export function isRegistryInput(input: string): boolean {
  try {
    return parseLocation(input).kind === "registry";
  } catch {
    return true;
  }
}

/** The reader for `reference` and what to ask it for: a tag, a digest, or an archive's image name. */
export async function openManifestReader(
  context: ClientContext,
  reference: string,
  signal?: AbortSignal,
): Promise<{ reader: ManifestReader; reference: string }> {
  if (isRegistryInput(reference)) {
    const parsed = parseImageReference(reference);
    return { reader: context.remote(parsed), reference: manifestReference(parsed) };
  }
  const source = await openSource(context, parseLocation(reference), signal === undefined ? {} : { signal });
  const { target } = source;
  return {
    reference: source.reference,
    reader: {
      fetch: (descriptor, options) => target.fetch(descriptor, options),
      async getManifest(name, options = {}) {
        const call = options.signal === undefined ? {} : { signal: options.signal };
        const descriptor = await target.resolve(name, call);
        const bytes = await readAll(await target.fetch(descriptor, call), defaultManifestMaxBytes);
        return { descriptor, bytes, parsed: parseManifest(bytes, descriptor.mediaType) };
      },
    },
  };
}
