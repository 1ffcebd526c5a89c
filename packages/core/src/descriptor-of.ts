import { digestOf } from "./digest-of.js";
import { UsageError } from "./errors.js";
import type { Descriptor } from "./manifest-types.js";

/**
 * The descriptor of content held in memory: its media type, sha256 digest and size. Use it for a manifest
 * or config you built, before pushing it.
 *
 * @throws UsageError when `mediaType` is empty.
 * @example
 * const bytes = new TextEncoder().encode(JSON.stringify(manifest));
 * const descriptor = descriptorOf(bytes, MediaType.OciManifest);
 */
export function descriptorOf(bytes: Uint8Array, mediaType: string): Descriptor {
  if (typeof mediaType !== "string" || mediaType === "") {
    throw new UsageError("descriptorOf() needs a media type");
  }
  return { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
}
