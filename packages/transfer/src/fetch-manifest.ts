import { readAll, verifyBytes, verifyContent } from "@stevedore/blob";
import type { Descriptor, ParsedManifest, ReadableTarget } from "@stevedore/core";
import { defaultManifestMaxBytes, ManifestError, parseManifest } from "@stevedore/core";
import { fetchOnceMore } from "./fetch-once-more.js";

/**
 * Internal: reads a manifest's exact bytes from `source`, checks them against the descriptor's size and
 * digest (`spec/PROTOCOL.md` §5.2) — read once more when they do not match — and validates them, so the same bytes can be pushed unchanged (§5.1).
 */
export async function fetchManifest(
  source: ReadableTarget,
  descriptor: Descriptor,
  signal: AbortSignal,
): Promise<ParsedManifest> {
  checkManifestSize(descriptor);
  const bytes = await fetchOnceMore(signal, async () => {
    const stream = await source.fetch(descriptor, { signal });
    return readAll(verifyContent(stream, descriptor, { where: `manifest ${descriptor.digest}` }));
  });
  return parseManifest(bytes, descriptor.mediaType);
}

/**
 * Internal: checks manifest bytes a source handed over with its descriptor (a `ManifestResolver`) as
 * {@link fetchManifest} checks what it reads — size, digest, a valid document — and parses them.
 */
export async function parseResolvedManifest(
  descriptor: Descriptor,
  bytes: Uint8Array,
): Promise<ParsedManifest> {
  checkManifestSize(descriptor);
  verifyBytes(bytes, descriptor, { where: `manifest ${descriptor.digest}` });
  return parseManifest(bytes, descriptor.mediaType);
}

function checkManifestSize(descriptor: Descriptor): void {
  if (descriptor.size > defaultManifestMaxBytes) {
    throw new ManifestError(
      `manifest ${descriptor.digest} is ${descriptor.size} bytes, over the ${defaultManifestMaxBytes}-byte limit`,
    );
  }
}
