import type { Platform, ProgressEvent, ReadableTarget, TagLister } from "@stevedore/core";
import { UsageError } from "@stevedore/core";
import { writeOciArchive } from "@stevedore/layout";
import type { Remote } from "@stevedore/remote";
import type { CopyOptions, CopyResult } from "@stevedore/transfer";
import { copy, copyAllTags } from "@stevedore/transfer";
import type { CopyCallOptions, CopyOutcome } from "./client.js";
import type { ClientContext } from "./client-context.js";
import { checkCompression, copyRecompressed } from "./copy-recompressed.js";
import { copyToArchive } from "./copy-to-archive.js";
import {
  describeLocation,
  type OpenedDestination,
  type OpenedSource,
  openArchiveDestination,
  openDestination,
  openSource,
} from "./open-location.js";
import type { Location } from "./parse-location.js";
import { checkPlatforms, concurrencyOf } from "./resolve-client-options.js";

/**
 * Copies between two locations with `@stevedore/transfer`, sharing the client's blob locations (so
 * blobs seen in another repository of the same registry are mounted) and its defaults (platforms,
 * concurrency, progress). Copies are whole (every platform) unless platforms are named. With `allTags`,
 * every tag of the source (referrers-tag-schema tags left out), one outcome per tag. A docker archive
 * destination gets one single-platform image.
 */
export async function copyLocations(
  context: ClientContext,
  from: Location,
  to: Location,
  options: CopyCallOptions = {},
): Promise<CopyOutcome[]> {
  context.checkOpen();
  if (typeof options !== "object" || options === null) throw new UsageError("copy options must be an object");
  const platforms =
    options.platforms === undefined
      ? context.options.platforms
      : checkPlatforms("platforms", options.platforms);
  const concurrency = concurrencyOf(options.concurrency) ?? context.options.concurrency;
  const onProgress = progressHandler(options.onProgress ?? context.options.onProgress);
  const { signal } = options;
  if (options.allTags === true) checkAllTags(from, to);
  const asked = checkCompression(options.compression);
  if (asked !== undefined && (to.kind === "docker-archive" || options.allTags === true)) {
    throw new UsageError("compression applies to a copy of one image into a registry or an OCI layout");
  }
  const source = await openSource(context, from, { signal, allTags: options.allTags === true });
  // docker save writes plain tar layers; a registry gets them gzip-compressed, as docker push does.
  const compression =
    asked ?? (source.kind === "docker-archive" && to.kind === "registry" ? "gzip" : undefined);
  if (to.kind === "docker-archive") {
    const outcome = await copyToArchive(source, {
      path: to.path,
      name: to.tag,
      platforms,
      signal,
      onProgress,
      now: () => performance.now(),
    });
    return [outcome];
  }
  const copyInto = async (destination: OpenedDestination): Promise<CopyOutcome[]> => {
    if (compression !== undefined && options.allTags !== true) {
      return [await copyRecompressed(source, destination, { compression, platforms, signal })];
    }
    const copyOptions: CopyOptions = {
      platforms: platforms === undefined || platforms === "all" ? "all" : [...platforms],
      referrers: options.referrers === true,
      locations: context.locations,
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(signal === undefined ? {} : { signal }),
      ...(onProgress === undefined ? {} : { onProgress }),
    };
    if (options.allTags !== true) {
      const reference = destination.referenceFor(source);
      const result = await copy(source.target, source.reference, destination.target, reference, copyOptions);
      if (result.tag === undefined) {
        await destination.addUntagged?.(result.descriptor, signal === undefined ? {} : { signal });
      }
      return [outcomeOf(result, source.description, destination.describe(result.tag, result.digest))];
    }
    const all = await copyAllTags(withoutReferrersTags(source.target), destination.target, copyOptions);
    // Each blob counts in one tag's outcome (the first to finish that needed it): they add up to the run.
    return all.tags.flatMap((entry) =>
      entry.result === undefined
        ? []
        : [
            {
              ...outcomeOf(
                entry.result,
                describeTag(from, entry.tag),
                destination.describe(entry.result.tag ?? entry.tag, entry.result.digest),
              ),
              blobs: { ...entry.counted.blobs },
              bytes: entry.counted.bytes,
            },
          ],
    );
  };
  if (to.kind === "oci-archive") {
    // Assembled as a layout, packed and renamed into place only when the whole copy succeeded.
    return writeOciArchive(to.path, (layout) => copyInto(openArchiveDestination(to, layout)), {
      ...(signal === undefined ? {} : { signal }),
    });
  }
  return copyInto(openDestination(context, to));
}

function checkAllTags(from: Location, to: Location): void {
  const sourceNamed =
    from.kind === "registry"
      ? (from.reference.tag ?? from.reference.digest)
      : from.kind === "oci"
        ? from.tag
        : "archive";
  if (from.kind === "docker-archive") {
    throw new UsageError("allTags copies a registry repository or an OCI layout, not a docker archive");
  }
  if (sourceNamed !== undefined) {
    throw new UsageError(
      `allTags copies every tag: name the source without a tag or digest (${describeLocation(from, undefined)})`,
    );
  }
  const destinationNamed = to.kind === "registry" ? (to.reference.tag ?? to.reference.digest) : to.tag;
  if (to.kind === "docker-archive")
    throw new UsageError("allTags cannot write a docker archive (one image per copy)");
  if (destinationNamed !== undefined) {
    throw new UsageError("allTags keeps each tag's name: name the destination without a tag or digest");
  }
}

/** Referrers-tag-schema tags (`sha256-…`) hold referrer indexes, not images: `referrers: true` copies those. */
function withoutReferrersTags(target: OpenedSource["target"]): ReadableTarget & TagLister {
  const remote = target as Partial<Remote>;
  if (typeof remote.getManifest !== "function" || typeof remote.registry !== "string") return target;
  const full = target as Remote;
  return { ...full, tags: (call) => full.tags({ ...call, excludeReferrersTags: true }) };
}

function describeTag(location: Location, tag: string): string {
  if (location.kind !== "registry") return describeLocation(location, tag);
  return describeLocation({ kind: "registry", reference: { ...location.reference, tag } }, undefined);
}

function outcomeOf(result: CopyResult, source: string, destination: string): CopyOutcome {
  return {
    source,
    destination,
    digest: result.digest,
    mediaType: result.descriptor.mediaType,
    ...(result.tag === undefined ? {} : { tag: result.tag }),
    blobs: { ...result.blobs },
    bytes: result.bytes,
    filteredIndex: result.filteredIndex,
    platforms: result.platforms.map((platform: Platform) => ({ ...platform })),
  };
}

/** A user's handler, shielded: a throwing progress callback must not break a copy. */
function progressHandler(
  handler: ((event: ProgressEvent) => void) | undefined,
): ((event: ProgressEvent) => void) | undefined {
  if (handler === undefined) return undefined;
  if (typeof handler !== "function") throw new UsageError("onProgress must be a function");
  return (event) => {
    try {
      handler(event);
    } catch {
      // Progress display failing is no reason to abandon the copy.
    }
  };
}
