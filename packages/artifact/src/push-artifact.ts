import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { fileSource } from "@stevedore/blob";
import type { Descriptor, ImageManifest, Target } from "@stevedore/core";
import {
  Annotation,
  buildArtifactManifest,
  createHasher,
  emptyDescriptor,
  errorCode,
  isMediaType,
  isTag,
  localIoError,
  MediaType,
  NotFoundError,
  UsageError,
} from "@stevedore/core";
import { packDirectoryLayer } from "./directory-layer.js";

/** A file to push as a layer (or as the config). */
export interface ArtifactFile {
  /** A regular file on disk. */
  path: string;
  /** The layer's media type. Default `application/vnd.oci.image.layer.v1.tar`, as oras uses. */
  mediaType?: string;
  /** The layer's `org.opencontainers.image.title`. Default: the file's base name. */
  title?: string;
  /** More annotations of the layer (a config takes none). */
  annotations?: Readonly<Record<string, string>>;
}

/** Options of {@link pushArtifact}. */
export interface PushArtifactOptions {
  /** The files, one layer each, in order. */
  files: readonly ArtifactFile[];
  /** The manifest's `artifactType` (see `buildArtifactManifest` for the default). */
  artifactType?: string;
  /** A config blob instead of the empty one (media type default `application/vnd.oci.image.config.v1+json`). */
  config?: ArtifactFile;
  /** Manifest annotations. */
  annotations?: Readonly<Record<string, string>>;
  /** The manifest this artifact refers to: it becomes one of its referrers. */
  subject?: Descriptor;
  /** Tags to point at the artifact. None: it is pushed by digest only. */
  tags?: readonly string[];
  signal?: AbortSignal;
}

/** What {@link pushArtifact} pushed. */
export interface PushArtifactResult {
  descriptor: Descriptor;
  manifest: ImageManifest;
  bytes: Uint8Array;
  tags: string[];
}

/** The default layer media type for a file, as oras uses. */
export const defaultFileMediaType: string = MediaType.OciLayer;

/**
 * Pushes files as an OCI 1.1 artifact: each file a layer titled with its name, the empty config unless
 * one is given, then the manifest (by digest) and its tags. Blobs the target has are not sent again. With a
 * `subject` on a registry without the referrers API, the target records the referrer in the subject's
 * referrers tag (`spec/PROTOCOL.md` §7.2).
 *
 * A directory is packed as oras packs one (a deterministic tar+gzip titled with its name, to be unpacked on
 * pull; see `packDirectoryLayer`).
 *
 * @throws NotFoundError for a missing file; UsageError for duplicate titles or
 *   bad annotations; the target's errors.
 * @example
 * const { descriptor } = await pushArtifact(remote, {
 *   files: [{ path: "sbom.spdx.json", mediaType: "application/spdx+json" }],
 *   artifactType: "application/spdx+json",
 *   tags: ["sbom"],
 * });
 */
export async function pushArtifact(
  target: Target,
  options: PushArtifactOptions,
): Promise<PushArtifactResult> {
  if (typeof options !== "object" || options === null || !Array.isArray(options.files)) {
    throw new UsageError("pushArtifact() needs files (may be empty)");
  }
  const { signal } = options;
  const call = signal === undefined ? {} : { signal };
  const layers: DescribedFile[] = [];
  let config: DescribedFile | undefined;
  try {
    const titles = new Set<string>();
    for (const file of options.files) {
      const described = await describeFile(file, defaultFileMediaType, true, signal);
      layers.push(described);
      const title = described.descriptor.annotations?.[Annotation.Title] as string;
      if (titles.has(title))
        throw new UsageError(`two files are titled ${JSON.stringify(title)}: give them different names`);
      titles.add(title);
    }
    if (options.config !== undefined) {
      config = await describeFile(options.config, MediaType.OciConfig, false, signal);
    }
    const built = buildArtifactManifest({
      layers: layers.map((layer) => layer.descriptor),
      ...(config === undefined ? {} : { config: config.descriptor }),
      ...(options.artifactType === undefined ? {} : { artifactType: options.artifactType }),
      ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
      ...(options.subject === undefined ? {} : { subject: options.subject }),
    });
    for (const tag of options.tags ?? []) {
      if (!isTag(tag)) {
        throw new UsageError(
          `invalid tag ${JSON.stringify(String(tag)).slice(0, 140)}: letters, digits, '_', '.', '-', at most 128`,
        );
      }
    }
    if (config === undefined) {
      const { data: _data, ...plain } = emptyDescriptor;
      if (!(await target.exists(plain, call))) await target.push(plain, new TextEncoder().encode("{}"), call);
    }
    for (const blob of config === undefined ? layers : [config, ...layers]) {
      if (await target.exists(blob.descriptor, call)) continue;
      await target.push(blob.descriptor, fileSource(blob.path), call);
    }
    await target.push(built.descriptor, built.bytes, call);
    const tags = [...new Set(options.tags ?? [])];
    for (const tag of tags) await target.tag(built.descriptor, tag, call);
    return { descriptor: built.descriptor, manifest: built.manifest, bytes: built.bytes, tags };
  } finally {
    await Promise.all([...layers, ...(config === undefined ? [] : [config])].map((item) => item.remove?.()));
  }
}

/** A file or packed directory, ready to push. */
interface DescribedFile {
  descriptor: Descriptor;
  /** The bytes to push: the file itself, or the packed directory. */
  path: string;
  /** Removes a packed directory's temporary file. */
  remove?: () => Promise<void>;
}

/**
 * Hashes a file into its descriptor (a layer gets its title annotation); a directory is packed as oras
 * does (`packDirectoryLayer`).
 */
async function describeFile(
  file: ArtifactFile,
  defaultMediaType: string,
  titled: boolean,
  signal: AbortSignal | undefined,
): Promise<DescribedFile> {
  if (typeof file !== "object" || file === null || typeof file.path !== "string" || file.path === "") {
    throw new UsageError("each file needs a path");
  }
  const { path } = file;
  const info = await stat(path).catch((error: unknown) => {
    const code = errorCode(error);
    if (code === "ENOENT") throw new NotFoundError(`${path} does not exist`, { cause: error });
    throw localIoError("read", path, error);
  });
  if (info.isDirectory() && !titled) throw new UsageError(`${path} is a directory, not a config file`);
  if (!info.isDirectory() && !info.isFile())
    throw new UsageError(`${path} is not a regular file or directory`);
  const mediaType = file.mediaType ?? (info.isDirectory() ? MediaType.OciLayerGzip : defaultMediaType);
  if (!isMediaType(mediaType)) {
    throw new UsageError(
      `invalid media type ${JSON.stringify(mediaType).slice(0, 140)} for ${path} (type/subtype)`,
    );
  }
  if (info.isDirectory()) {
    const packed = await packDirectoryLayer(path, file.title ?? basename(resolve(path)), mediaType, signal);
    const annotations = { ...packed.descriptor.annotations, ...file.annotations };
    return { descriptor: { ...packed.descriptor, annotations }, path: packed.path, remove: packed.remove };
  }
  const hasher = createHasher("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1024 * 1024,
    ...(signal === undefined ? {} : { signal }),
  })) {
    hasher.update(chunk as Uint8Array);
    size += (chunk as Uint8Array).length;
  }
  const descriptor: Descriptor = { mediaType, digest: hasher.digest(), size };
  if (!titled) return { descriptor, path };
  const title = file.title ?? basename(path);
  return {
    descriptor: { ...descriptor, annotations: { [Annotation.Title]: title, ...file.annotations } },
    path,
  };
}
