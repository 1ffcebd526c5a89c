import type { ByteStream, Descriptor, Platform, Target } from "@stevedore/core";
import { formatReference, UsageError } from "@stevedore/core";
import type { EditResult, ImageFile } from "@stevedore/image";
import { exportFilesystem, readImageFile, recompressImage, selectImage } from "@stevedore/image";
import { copy } from "@stevedore/transfer";
import type { EditCallOptions, EditOutcome } from "./client.js";
import type { ClientContext } from "./client-context.js";
import { type OpenedDestination, type OpenedSource, openDestination, openSource } from "./open-location.js";
import { type Location, parseLocation } from "./parse-location.js";
import { checkPlatforms, concurrencyOf } from "./resolve-client-options.js";

/**
 * Runs an image edit: opens `source`, copies it whole into `destination` when that is another place
 * (blobs the destination has are skipped; within one registry they are mounted, never downloaded), lets
 * `edit` write the new documents there, and tags the result: the destination's tag, else the source's.
 */
export async function editImageAt(
  context: ClientContext,
  sourceText: string,
  destinationText: string | undefined,
  options: EditCallOptions,
  edit: (target: Target, root: Descriptor, platforms: readonly Platform[] | "all") => Promise<EditResult>,
): Promise<EditOutcome> {
  context.checkOpen();
  const from = parseLocation(sourceText);
  const to = destinationText === undefined ? from : parseLocation(destinationText);
  if (to.kind === "docker-archive" || to.kind === "oci-archive") {
    throw new UsageError(
      `an edited image is written to a registry or an oci:DIR layout, not ${to.kind === "docker-archive" ? "a docker archive" : "an OCI archive"}: copy it into the archive afterwards`,
    );
  }
  const platforms = options.platforms === undefined ? "all" : checkPlatforms("platforms", options.platforms);
  const { signal } = options;
  const source = await openSource(context, from, { signal });
  const destination = openDestination(context, to);
  let root: Descriptor;
  const call = signal === undefined ? {} : { signal };
  if (sameImageStore(from, to)) {
    root = await destination.target.resolve(source.reference, call);
  } else if (source.kind === "docker-archive" && to.kind === "registry") {
    // A docker save archive's plain-tar layers go to a registry gzip-compressed, as push sends them.
    const base = await source.target.resolve(source.reference, call);
    root = (await recompressImage(source.target, base, destination.target, { compression: "gzip", ...call }))
      .descriptor;
  } else {
    const concurrency = concurrencyOf(options.concurrency) ?? context.options.concurrency;
    const copied = await copy(source.target, source.reference, destination.target, undefined, {
      platforms: "all",
      locations: context.locations,
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(signal === undefined ? {} : { signal }),
    });
    root = copied.descriptor;
  }
  const result = await edit(destination.target, root, platforms);
  const tag = tagFor(to, source);
  return {
    ...(await tagWritten(source, destination, tag, result.descriptor, signal)),
    images: result.images.map((image) => ({
      ...(image.platform === undefined ? {} : { platform: { ...image.platform } }),
      digest: image.descriptor.digest,
    })),
  };
}

/** Tags what an edit or recompressing copy wrote, and names it for the outcome. */
export async function tagWritten(
  source: OpenedSource,
  destination: OpenedDestination,
  tag: string | undefined,
  descriptor: Descriptor,
  signal: AbortSignal | undefined,
): Promise<{ source: string; destination: string; digest: string; mediaType: string; tag?: string }> {
  const call = signal === undefined ? {} : { signal };
  if (tag !== undefined) await destination.target.tag(descriptor, tag, call);
  else await destination.addUntagged?.(descriptor, call);
  return {
    source: source.description,
    destination: destination.describe(tag, descriptor.digest),
    digest: descriptor.digest,
    mediaType: descriptor.mediaType,
    ...(tag === undefined ? {} : { tag }),
  };
}

/** The merged file system of one image of any location, as a tar stream. */
export async function exportImageFilesystem(
  context: ClientContext,
  reference: string,
  options: { platform?: Platform; signal?: AbortSignal },
): Promise<ByteStream> {
  const { target, root } = await openImage(context, reference, options.signal);
  const { descriptor, manifest } = await selectImage(target, root, options);
  const where = `image ${descriptor.digest}`;
  return exportFilesystem(target, manifest, {
    where,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

/** One file of one image of any location. */
export async function readImageFileAt(
  context: ClientContext,
  reference: string,
  path: string,
  options: { platform?: Platform; signal?: AbortSignal },
): Promise<ImageFile> {
  if (typeof path !== "string" || path === "") throw new UsageError("readFile needs a path inside the image");
  const { target, root } = await openImage(context, reference, options.signal);
  const { descriptor, manifest } = await selectImage(target, root, options);
  const where = `image ${descriptor.digest}`;
  return readImageFile(target, manifest, path, {
    where,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

async function openImage(
  context: ClientContext,
  reference: string,
  signal: AbortSignal | undefined,
): Promise<{ target: OpenedSource["target"]; root: Descriptor }> {
  context.checkOpen();
  const source = await openSource(context, parseLocation(reference), { signal });
  const root = await source.target.resolve(source.reference, signal === undefined ? {} : { signal });
  return { target: source.target, root };
}

/** The same registry repository, or the same layout directory: nothing to copy first. */
function sameImageStore(from: Location, to: Location): boolean {
  if (from.kind === "registry" && to.kind === "registry") {
    return (
      formatReference({ registry: from.reference.registry, repository: from.reference.repository }) ===
      formatReference({ registry: to.reference.registry, repository: to.reference.repository })
    );
  }
  return from.kind === "oci" && to.kind === "oci" && from.path === to.path;
}

function tagFor(to: Location, source: OpenedSource): string | undefined {
  if (to.kind === "registry") {
    if (to.reference.digest !== undefined && to.reference.tag === undefined) {
      throw new UsageError("an edited image gets a new digest: name the destination by tag, not by digest");
    }
    return to.reference.tag ?? source.tag ?? "latest";
  }
  if (to.kind === "oci") return to.tag ?? source.tag;
  return undefined;
}
