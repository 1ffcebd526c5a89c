import { ManifestError, UsageError } from "./errors.js";
import type { ImageConfig, ImageManifest } from "./manifest-types.js";
import { MediaType, normalizeMediaType } from "./media-types.js";
import { digestProblem } from "./parse-digest.js";
import {
  describe,
  field,
  isJsonObject,
  readArray,
  readObject,
  readOptionalString,
  readOptionalStringArray,
  readOptionalStringMap,
  readPlatformExtras,
  readString,
  type ShapeContext,
  shapeError,
} from "./read-json-shape.js";

const root: ShapeContext = { document: "image config", path: "" };

/** Real image configs are kilobytes, a few megabytes at most: readers refuse larger ones. */
export const maxImageConfigBytes: number = 64 * 1024 * 1024;

const imageConfigTypes: ReadonlySet<string> = new Set([MediaType.OciConfig, MediaType.DockerConfig]);

/** Whether a manifest's config is an image config (OCI or Docker), not an artifact's (§12.3). */
export function hasImageConfig(manifest: ImageManifest): boolean {
  return imageConfigTypes.has(normalizeMediaType(manifest.config.mediaType));
}

/**
 * Refuses an artifact (a manifest whose config is no image config: a Helm chart, an SBOM) where a
 * container image is needed, with one wording wherever the rule applies: `where` it is, what it is (its
 * `artifactType`, else its config's media type, which stands for it, §12.3), then `consequence`: what
 * cannot be done and what to do instead. The artifact is valid, so this is a `UsageError`.
 *
 * @throws UsageError when `manifest` has no image config.
 * @example
 * checkContainerImage(manifest, `image ${digest}`, "it has no file system; pull the artifact's files instead");
 */
export function checkContainerImage(manifest: ImageManifest, where: string, consequence: string): void {
  if (hasImageConfig(manifest)) return;
  const type = manifest.artifactType ?? manifest.config.mediaType;
  throw new UsageError(`${where} is not a container image (artifact type ${type}): ${consequence}`);
}
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads the platform, creation time, layer diff IDs and how a container runs (labels, `Env`, `Entrypoint`,
 * `Cmd`, `User`, `WorkingDir`, `ExposedPorts`) from an image config blob. Parse only
 * configs whose descriptor has an image config media type: artifacts put other content there (§12.3).
 *
 * @throws ManifestError with one line saying what is wrong.
 * @example
 * const config = parseImageConfig(configBytes);
 * console.log(`${config.os}/${config.architecture}`, config.config?.Labels);
 */
export function parseImageConfig(bytes: Uint8Array): ImageConfig {
  if (!(bytes instanceof Uint8Array)) {
    throw new UsageError("parseImageConfig() needs the config as a Uint8Array");
  }
  let document: unknown;
  try {
    document = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    throw new ManifestError("image config is not valid UTF-8 JSON", { cause: error });
  }
  if (!isJsonObject(document)) {
    throw new ManifestError(`image config must be a JSON object, got ${describe(document)}`);
  }
  const config: ImageConfig = {
    architecture: readString(document, "architecture", root),
    os: readString(document, "os", root),
    rootfs: readRootfs(document.rootfs),
  };
  readPlatformExtras(document, root, config);
  const created = readOptionalString(document, "created", root);
  if (created !== undefined) config.created = created;
  if (document.config !== undefined && document.config !== null) {
    const where = field(root, "config");
    const runtime = readObject(document.config, where);
    const run: NonNullable<ImageConfig["config"]> = {};
    const labels = readOptionalStringMap(runtime, "Labels", where);
    if (labels !== undefined) run.Labels = labels;
    for (const key of ["Env", "Entrypoint", "Cmd"] as const) {
      const list = readOptionalStringArray(runtime, key, where);
      if (list !== undefined) run[key] = list;
    }
    for (const key of ["User", "WorkingDir"] as const) {
      const text = readOptionalString(runtime, key, where);
      if (text !== undefined) run[key] = text;
    }
    if (runtime.ExposedPorts !== undefined && runtime.ExposedPorts !== null) {
      run.ExposedPorts = { ...readObject(runtime.ExposedPorts, field(where, "ExposedPorts")) };
    }
    config.config = run;
  }
  return config;
}

function readRootfs(value: unknown): ImageConfig["rootfs"] {
  const where = field(root, "rootfs");
  const rootfs = readObject(value, where);
  return {
    type: readString(rootfs, "type", where),
    diff_ids: readArray(rootfs, "diff_ids", where, (entry, context) => {
      if (typeof entry !== "string") {
        throw shapeError(context, `must be a digest string, got ${describe(entry)}`);
      }
      const problem = digestProblem(entry);
      if (problem !== undefined) throw shapeError(context, `is not a valid digest: ${problem}`);
      return entry;
    }),
  };
}
