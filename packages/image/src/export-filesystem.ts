import type { ImageManifest, ReadableTarget } from "@stevedore/core";
import { writeTar } from "@stevedore/tar";
import { mergedEntries, writerEntry } from "./merged-entries.js";

/**
 * The merged file system of one image as a tar stream: every layer applied in order, whiteouts and opaque
 * directories honoured, gzip and zstd layers decompressed. Streams layer by layer; memory holds the set
 * of paths, never a layer. Upper layers' entries come first (a reader extracting it gets the same tree).
 * An artifact's manifest (no file system) fails the first read with `UsageError` naming `where`.
 *
 * @example
 * ```ts
 * const { manifest } = await selectImage(target, await target.resolve("v1"), { platform });
 * await pipeline(exportFilesystem(target, manifest), createWriteStream("rootfs.tar"));
 * ```
 */
export function exportFilesystem(
  target: ReadableTarget,
  manifest: ImageManifest,
  options: { signal?: AbortSignal; where?: string } = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  return writeTar(entries(target, manifest, options));
}

async function* entries(
  target: ReadableTarget,
  manifest: ImageManifest,
  options: { signal?: AbortSignal; where?: string },
) {
  for await (const merged of mergedEntries(target, manifest, options.signal, options.where))
    yield writerEntry(merged);
}
