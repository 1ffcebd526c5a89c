import { randomBytes } from "node:crypto";
import { lstat, mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileSource, makeDirectory, readAll, writeVerifiedFile } from "@stevedore/blob";
import type { Descriptor, ImageManifest, Platform, ReadableTarget } from "@stevedore/core";
import {
  Annotation,
  formatPlatform,
  LocalFormatError,
  localIoError,
  ManifestError,
  matchPlatform,
  NotFoundError,
  parseManifest,
  UsageError,
} from "@stevedore/core";
import { checkTitle } from "./check-title.js";
import { unpackDirectoryLayer } from "./directory-layer.js";

/** Options of {@link pullArtifact}. */
export interface PullArtifactOptions {
  /** For an index: the entry of this platform. */
  platform?: Platform;
  /** Only an artifact of this type (for an index: the entry of this type). */
  artifactType?: string;
  signal?: AbortSignal;
}

/** One file {@link pullArtifact} wrote. */
export interface PulledFile {
  /** The path under the directory, `/`-separated (the layer's title). */
  name: string;
  descriptor: Descriptor;
}

/** What {@link pullArtifact} did. */
export interface PullArtifactResult {
  /** The artifact manifest pulled (for an index: the entry chosen). */
  descriptor: Descriptor;
  manifest: ImageManifest;
  files: PulledFile[];
  /** Layers without a title, not written (an image's layers, for instance). */
  untitled: number;
}

/**
 * Writes each titled layer of an artifact to its title under `directory` (created when missing), as oras
 * pull does. Every title is checked before anything is written (no `..`, no absolute path, no escape
 * through a symbolic link already in the directory, sane lengths); the blobs are verified into a staging
 * folder inside `directory` and renamed into place only when all of them arrived intact, so a failed pull
 * leaves the directory as it was.
 *
 * @throws ManifestError for a hostile or duplicate title, NotFoundError for no artifact of the asked type,
 *   UsageError for an index with several matching entries, LocalFormatError for a path in the way.
 * @example
 * const { files } = await pullArtifact(remote, "v1", "./out");
 */
export async function pullArtifact(
  target: ReadableTarget,
  reference: string,
  directory: string,
  options: PullArtifactOptions = {},
): Promise<PullArtifactResult> {
  if (typeof directory !== "string" || directory === "")
    throw new UsageError("pullArtifact() needs a directory");
  const { signal } = options;
  const call = signal === undefined ? {} : { signal };
  const { descriptor, manifest } = await chooseManifest(target, reference, options);
  const titled = manifest.layers.flatMap((layer, position) => {
    const title = layer.annotations?.[Annotation.Title];
    if (title === undefined) return [];
    const unpack = layer.annotations?.[Annotation.Unpack] === "true";
    return [{ layer, title, unpack, position, components: checkTitle(title, `layer ${position + 1}`) }];
  });
  const seen = new Set<string>();
  for (const { components, title } of titled) {
    const name = components.join("/");
    // A file that is also a folder of another title (a, a/b) cannot both be written.
    const prefixes = components.slice(0, -1).map((_, index) => components.slice(0, index + 1).join("/"));
    if (seen.has(name) || prefixes.some((prefix) => seen.has(prefix))) {
      throw new ManifestError(
        `two layers are titled ${JSON.stringify(title)} (or one is inside the other); nothing was written`,
      );
    }
    seen.add(name);
  }
  for (const name of seen) {
    if ([...seen].some((other) => other.startsWith(`${name}/`))) {
      throw new ManifestError(
        `the layer title ${JSON.stringify(name)} is also a folder of another layer; nothing was written`,
      );
    }
  }
  await makeDirectory(directory);
  for (const { components, unpack } of titled) await checkParents(directory, components, unpack);
  const staging = join(directory, `.stevedore-pull-${randomBytes(6).toString("hex")}`);
  await mkdir(staging).catch((error: unknown) => {
    throw localIoError("create", staging, error);
  });
  try {
    for (const [index, { layer, unpack, title, position }] of titled.entries()) {
      const file = join(staging, String(index));
      await writeVerifiedFile(file, await target.fetch(layer, call), layer, {
        ...call,
        where: `layer ${layer.digest}`,
      });
      if (unpack) {
        const expected = layer.annotations?.[Annotation.ContentDigest];
        const into = join(staging, `${index}.d`);
        await unpackDirectoryLayer(() => fileSource(file)(0), into, title, expected, `layer ${position + 1}`);
      }
    }
    const files: PulledFile[] = [];
    for (const [index, { layer, components, unpack }] of titled.entries()) {
      await checkParents(directory, components, unpack);
      const parent = join(directory, ...components.slice(0, -1));
      await makeDirectory(parent);
      const destination = join(directory, ...components);
      const source = unpack ? join(staging, `${index}.d`, ...components) : join(staging, String(index));
      await rename(source, destination).catch((error: unknown) => {
        throw localIoError("rename", destination, error);
      });
      files.push({ name: components.join("/"), descriptor: layer });
    }
    return { descriptor, manifest, files, untitled: manifest.layers.length - titled.length };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Refuses to write through anything already in the directory that is not a plain folder: a symbolic
 * link (it could point outside), a file where a folder is needed, or a folder where the file goes.
 */
async function checkParents(
  directory: string,
  components: readonly string[],
  unpack: boolean,
): Promise<void> {
  let path = directory;
  for (const [index, component] of components.entries()) {
    path = join(path, component);
    const last = index === components.length - 1;
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined) return;
    if (info.isSymbolicLink()) {
      throw new ManifestError(
        `${path} is a symbolic link: refusing to write through it; nothing was written`,
      );
    }
    if (!last && !info.isDirectory()) throw new LocalFormatError(`${path} is in the way: it is not a folder`);
    if (last && unpack) throw new LocalFormatError(`${path} exists: remove it to pull the directory there`);
    if (last && info.isDirectory())
      throw new LocalFormatError(`${path} is a folder: remove it to pull the file`);
  }
}

/** The artifact's manifest: `reference` itself, or the one entry of an index that matches the filters. */
async function chooseManifest(
  target: ReadableTarget,
  reference: string,
  options: PullArtifactOptions,
): Promise<{ descriptor: Descriptor; manifest: ImageManifest }> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  let descriptor = await target.resolve(reference, call);
  let parsed = parseManifest(await readAll(await target.fetch(descriptor, call)), descriptor.mediaType);
  if (parsed.kind === "index") {
    const { platform, artifactType } = options;
    const candidates = parsed.manifest.manifests.filter(
      (entry) =>
        (artifactType === undefined || entry.artifactType === artifactType) &&
        (platform === undefined || (entry.platform !== undefined && matchPlatform(platform, entry.platform))),
    );
    if (candidates.length === 0) {
      throw new NotFoundError(`${reference} is an index with no entry${describeFilters(options)}`);
    }
    if (candidates.length > 1) {
      const listed = candidates
        .slice(0, 5)
        .map((entry) =>
          entry.platform ? formatPlatform(entry.platform) : (entry.artifactType ?? entry.digest),
        )
        .join(", ");
      throw new UsageError(
        `${reference} is an index of ${candidates.length} entries (${listed}): choose one with --platform or --artifact-type`,
      );
    }
    descriptor = candidates[0] as Descriptor;
    parsed = parseManifest(await readAll(await target.fetch(descriptor, call)), descriptor.mediaType);
    if (parsed.kind === "index")
      throw new ManifestError(`${reference}: an index inside an index is not an artifact`);
  }
  const manifest = parsed.manifest;
  const type = manifest.artifactType ?? manifest.config.mediaType;
  if (options.artifactType !== undefined && type !== options.artifactType) {
    throw new NotFoundError(`${reference} is of type ${type}, not ${options.artifactType}`);
  }
  return { descriptor, manifest };
}

function describeFilters(options: PullArtifactOptions): string {
  const parts = [
    ...(options.platform ? [`platform ${formatPlatform(options.platform)}`] : []),
    ...(options.artifactType ? [`artifact type ${options.artifactType}`] : []),
  ];
  return parts.length === 0 ? "" : ` for ${parts.join(" and ")}`;
}
