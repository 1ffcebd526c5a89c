import type { Descriptor, ParsedManifest } from "@stevedore/core";
import { descriptorOf, parseManifest } from "@stevedore/core";

/**
 * Internal: a new index with only the entries at `keep` (positions in `index.manifests`), every other
 * field of the document as it was, unknown ones included. The bytes are new, so the digest is too: this is
 * not the source's index, and signatures of that index do not apply to it.
 */
export function filterIndex(
  index: ParsedManifest & { kind: "index" },
  keep: ReadonlySet<number>,
): { descriptor: Descriptor; parsed: ParsedManifest } {
  // The raw document keeps the fields core's types leave out; positions line up with `index.manifests`.
  const document = JSON.parse(new TextDecoder().decode(index.bytes)) as { manifests: unknown[] };
  document.manifests = document.manifests.filter((_, position) => keep.has(position));
  const bytes = new TextEncoder().encode(JSON.stringify(document));
  return { descriptor: descriptorOf(bytes, index.mediaType), parsed: parseManifest(bytes, index.mediaType) };
}
