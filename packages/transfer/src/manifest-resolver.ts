import type { Descriptor, TargetCallOptions } from "@stevedore/core";

/**
 * A source that resolves a reference and reads its manifest in one step — a registry's `GET
 * /v2/<name>/manifests/<reference>` answers both, where `resolve` (a `HEAD`) and then `fetch` (a `GET`) are
 * two round trips. A copy reads its root this way: the bytes are needed to copy it, and on a registry far away
 * (or on object storage, where each manifest request costs the registry 0.1 s) the `HEAD` was pure latency.
 * (Not part of `@stevedore/core`'s `Target`: an optional capability, found by {@link isManifestResolver}.)
 */
export interface ManifestResolver {
  /**
   * The manifest `reference` (a tag or digest) names and its exact bytes. The caller still checks the bytes
   * against the descriptor. Throws `NotFoundError` when absent, as `resolve` does.
   */
  resolveManifest(
    reference: string,
    options?: TargetCallOptions,
  ): Promise<{ descriptor: Descriptor; bytes: Uint8Array }>;
}

/** True when `source` can resolve and read a manifest in one step. */
export function isManifestResolver(source: unknown): source is ManifestResolver {
  return (
    typeof source === "object" &&
    source !== null &&
    typeof (source as Partial<ManifestResolver>).resolveManifest === "function"
  );
}
