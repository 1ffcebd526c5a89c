import type { Platform } from "@stevedore/core";
import { UsageError } from "@stevedore/core";
import { recompressImage } from "@stevedore/image";
import type { Compression } from "@stevedore/tar";
import type { CopyOutcome } from "./client.js";
import { tagWritten } from "./edit-image.js";
import type { OpenedDestination, OpenedSource } from "./open-location.js";

/** The `compression` option of a copy, checked. */
export function checkCompression(value: unknown): Compression | undefined {
  if (value === undefined || value === "gzip" || value === "zstd" || value === "none") return value;
  throw new UsageError(`compression must be "gzip", "zstd" or "none", not ${JSON.stringify(value)}`);
}

/**
 * A copy that stores every layer with `compression` (`@stevedore/image`'s `recompressImage`): how a
 * `docker save` archive, whose layers are plain tars, goes to a registry with gzip layers, as docker and
 * skopeo push it. Tags the result as the plain copy would.
 */
export async function copyRecompressed(
  source: OpenedSource,
  destination: OpenedDestination,
  options: {
    compression: Compression;
    platforms: readonly Platform[] | "all" | undefined;
    signal: AbortSignal | undefined;
  },
): Promise<CopyOutcome> {
  const { signal } = options;
  const call = signal === undefined ? {} : { signal };
  const root = await source.target.resolve(source.reference, call);
  const result = await recompressImage(source.target, root, destination.target, {
    compression: options.compression,
    ...(options.platforms === undefined ? {} : { platforms: options.platforms }),
    ...call,
  });
  return {
    ...(await tagWritten(source, destination, destination.referenceFor(source), result.descriptor, signal)),
    blobs: { ...result.blobs, mounted: 0 },
    bytes: result.bytes,
    filteredIndex:
      options.platforms !== undefined && options.platforms !== "all" && result.platforms.length > 0,
    platforms: result.platforms,
  };
}
