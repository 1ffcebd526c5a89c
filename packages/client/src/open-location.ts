/**
 * Turns parsed locations into the targets a copy reads from and writes to, and decides the references:
 * what to resolve at the source, and which tag (if any) to write at the destination.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type {
  Descriptor,
  ReadableTarget,
  Reference,
  TagLister,
  Target,
  TargetCallOptions,
} from "@stevedore/core";
import {
  formatReference,
  isDigestSyntax,
  isTag,
  LocalFormatError,
  NotFoundError,
  parseReference,
  UsageError,
} from "@stevedore/core";
import {
  type ArchiveFormat,
  createOciLayout,
  type DockerArchiveTarget,
  type OciArchiveTarget,
  type OciLayoutTarget,
  openArchive,
} from "@stevedore/layout";
import type { ClientContext } from "./client-context.js";
import type { Location } from "./parse-location.js";

/** A source, opened. */
export interface OpenedSource {
  target: ReadableTarget & TagLister;
  /** What to resolve: a tag, a digest, an archive's image name or `@N`. */
  reference: string;
  /** The tag to carry over to a destination that names none. */
  tag: string | undefined;
  /** The user named the source by digest: a destination without a tag then gets none either. */
  byDigest: boolean;
  /** The registry reference, for registry sources (names docker archives written from it). */
  registryReference?: Reference;
  /** The source as a location string, for outcomes. */
  description: string;
  /** What the source turned out to be: a bare path naming a file is an archive, read by its content. */
  kind: Location["kind"];
}

/** Opens a location to read from. Local paths must exist; nothing is created. */
export async function openSource(
  context: ClientContext,
  location: Location,
  options: { signal?: AbortSignal | undefined; allTags?: boolean } = {},
): Promise<OpenedSource> {
  const { signal } = options;
  if (location.kind === "registry") {
    const { reference } = location;
    const tag = reference.tag ?? (reference.digest === undefined ? "latest" : undefined);
    const resolved: Reference = { ...reference, ...(tag === undefined ? {} : { tag }) };
    return {
      target: context.remote(reference),
      reference: reference.digest ?? (tag as string),
      tag,
      byDigest: reference.digest !== undefined,
      registryReference: resolved,
      description: formatReference(resolved),
      kind: "registry",
    };
  }
  if (location.kind === "oci" && (await isFile(location.path))) {
    // A file is no layout directory: an archive (`podman save`, `docker save`), told apart by its content.
    return openArchiveSource(location, undefined, options);
  }
  if (location.kind === "oci") {
    const layout = createOciLayout(location.path);
    // Every tag is copied with allTags: no single image to find.
    const chosen =
      location.tag === undefined && options.allTags !== true
        ? await soleImage(layout, location.path, signal)
        : undefined;
    const reference = location.tag ?? chosen?.reference ?? "";
    const tag =
      location.tag === undefined ? chosen?.tag : isDigestSyntax(location.tag) ? undefined : location.tag;
    return {
      target: layout,
      reference,
      tag,
      byDigest: isDigestSyntax(reference) && chosen === undefined,
      description: describeLocation(location, location.tag ?? chosen?.tag),
      kind: "oci",
    };
  }
  // The transport names the format expected; a file only in the other one is read as what it is, so that
  // it gives what its own transport gives (skopeo refuses it instead; stevedore read OCI archives named
  // docker-archive: before, by a docker archive's rules: its layers gzip-compressed for a registry).
  return openArchiveSource(location, location.kind, options);
}

/** An archive to read, in the format its content has (`named` wins when it is in both). */
async function openArchiveSource(
  location: { path: string; tag?: string },
  named: ArchiveFormat | undefined,
  options: { signal?: AbortSignal | undefined; allTags?: boolean },
): Promise<OpenedSource> {
  const { signal } = options;
  const archive = await openArchive(location.path, named, signal === undefined ? {} : { signal });
  // Described as what it was read as, as a bare path is.
  const read = { path: location.path, ...(location.tag === undefined ? {} : { tag: location.tag }) };
  if (archive.format === "oci-archive")
    return ociArchiveSource(archive.target, { ...read, kind: "oci-archive" }, options);
  return dockerArchiveSource(archive.target, { ...read, kind: "docker-archive" });
}

/** A docker archive to read: its named image, or else its only image. */
function dockerArchiveSource(
  archive: DockerArchiveTarget,
  location: { kind: "docker-archive"; path: string; tag?: string },
): OpenedSource {
  if (location.tag === undefined && archive.images.length !== 1) {
    if (archive.images.length === 0) throw new NotFoundError(`no image in ${location.path}`);
    const names = archive.images.flatMap((image) => image.repoTags).slice(0, 10);
    throw new UsageError(
      `${location.path} holds ${archive.images.length} images (${names.length > 0 ? names.join(", ") : "none named"}): ` +
        `name one as docker-archive:${location.path}:NAME or :@N`,
    );
  }
  const name = location.tag ?? archive.images[0]?.repoTags[0];
  return {
    target: archive,
    // `@0`: the archive's only image, whatever its name.
    reference: location.tag ?? "@0",
    tag: name === undefined ? undefined : tagOfName(name),
    byDigest: location.tag !== undefined && isDigestSyntax(location.tag),
    description: describeLocation(location, location.tag),
    kind: "docker-archive",
  };
}

/** An OCI archive to read: its tag, or else its only image (referrers indexes do not count). */
function ociArchiveSource(
  archive: OciArchiveTarget,
  location: { kind: "oci-archive"; path: string; tag?: string },
  options: { allTags?: boolean },
): OpenedSource {
  const { images } = archive;
  if (location.tag === undefined && options.allTags !== true && images.length !== 1) {
    if (images.length === 0) throw new NotFoundError(`no image in ${location.path}`);
    const names = images.flatMap((image) => (image.tag === undefined ? [] : [image.tag])).slice(0, 10);
    throw new UsageError(
      `${location.path} holds ${images.length} images (${names.length > 0 ? names.join(", ") : "none tagged"}): ` +
        `name one as oci-archive:${location.path}:TAG or :@N`,
    );
  }
  const name = location.tag ?? images[0]?.tag;
  return {
    target: archive,
    reference: location.tag ?? (options.allTags === true ? "" : "@0"),
    tag: name === undefined ? undefined : tagOfName(name),
    byDigest: location.tag !== undefined && isDigestSyntax(location.tag),
    description: describeLocation(location, name),
    kind: "oci-archive",
  };
}

/** True when `path` is a regular file (following links); false when it is missing or anything else. */
async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** A destination, opened. */
export interface OpenedDestination {
  target: Target & TagLister;
  /** The tag (or digest) to pass to the copy, given the source's tag; `undefined`: by digest only. */
  referenceFor(source: OpenedSource): string | undefined;
  /** The destination as a location string, once the tag is known. */
  describe(tag: string | undefined, digest: string): string;
  /** An OCI layout's: records a manifest copied without a tag in `index.json`, so it stays reachable. */
  addUntagged?(descriptor: Descriptor, options: TargetCallOptions): Promise<void>;
}

/** Opens a location to write to: registries and OCI layouts (created when missing). Not docker archives. */
export function openDestination(context: ClientContext, location: Location): OpenedDestination {
  if (location.kind === "registry") {
    const { reference } = location;
    return {
      target: context.remote(reference),
      referenceFor: (source) =>
        reference.tag ?? reference.digest ?? source.tag ?? (source.byDigest ? undefined : "latest"),
      describe: (tag, digest) => {
        const name = formatReference({ registry: reference.registry, repository: reference.repository });
        return tag === undefined ? `${name}@${digest}` : `${name}:${tag}`;
      },
    };
  }
  if (location.kind === "oci") {
    const layout = createOciLayout(location.path, { create: true });
    return {
      target: layout,
      referenceFor: (source) => location.tag ?? source.tag,
      describe: (tag) => describeLocation(location, tag),
      addUntagged: (descriptor, options) => layout.addUntagged(descriptor, options),
    };
  }
  throw new UsageError("archives are written by copyToArchive and writeOciArchive, not opened as a Target");
}

/**
 * An OCI archive destination: `layout` is the staging layout `writeOciArchive` packs once the copy is
 * done. Tags as for `oci:DIR` (the destination's, else the source's).
 */
export function openArchiveDestination(
  location: { kind: "oci-archive"; path: string; tag?: string },
  layout: OciLayoutTarget,
): OpenedDestination {
  return {
    target: layout,
    referenceFor: (source) => location.tag ?? source.tag,
    describe: (tag) => describeLocation(location, tag),
    addUntagged: (descriptor, options) => layout.addUntagged(descriptor, options),
  };
}

/** `oci:PATH[:TAG]`, `docker-archive:PATH[:TAG]`, `oci-archive:PATH[:TAG]` or the registry reference. */
export function describeLocation(location: Location, tag: string | undefined): string {
  if (location.kind === "registry") return formatReference(location.reference);
  return `${location.kind}:${location.path}${tag === undefined ? "" : `:${tag}`}`;
}

/** The tag of an archive image name: `nginx:1.27` → `1.27`, a bare tag stays itself. */
export function tagOfName(name: string): string | undefined {
  if (isTag(name)) return name;
  try {
    return parseReference(name).tag;
  } catch {
    return undefined;
  }
}

/**
 * The image of a layout named without a tag: its only tag, or else its only `index.json` entry (skopeo
 * writes untagged entries). Several images need a name.
 */
async function soleImage(
  layout: TagLister,
  path: string,
  signal: AbortSignal | undefined,
): Promise<{ reference: string; tag?: string }> {
  const tags: string[] = [];
  for await (const tag of layout.tags(signal === undefined ? {} : { signal })) tags.push(tag);
  if (tags.length === 1) return { reference: tags[0] as string, tag: tags[0] as string };
  const entries = await indexEntries(path);
  if (entries.length === 1) return { reference: entries[0] as string };
  if (entries.length === 0) throw new NotFoundError(`no image in ${path}`);
  const names =
    tags.length > 0 ? `tags: ${tags.slice(0, 10).join(", ")}${tags.length > 10 ? ", …" : ""}` : "none tagged";
  throw new UsageError(`${path} holds ${entries.length} images (${names}): name one as oci:${path}:TAG`);
}

async function indexEntries(path: string): Promise<string[]> {
  const file = join(path, "index.json");
  let document: unknown;
  try {
    document = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new LocalFormatError(`${file} cannot be read as JSON`, { cause: error });
  }
  const manifests = (document as { manifests?: unknown } | null)?.manifests;
  if (!Array.isArray(manifests)) throw new LocalFormatError(`${file}: manifests is not a list`);
  return manifests.flatMap((entry) => {
    const digest = (entry as { digest?: unknown } | null)?.digest;
    return typeof digest === "string" ? [digest] : [];
  });
}
