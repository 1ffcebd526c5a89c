import { ManifestError, UsageError } from "./errors.js";
import type { ImageConfig } from "./manifest-types.js";
import { digestProblem } from "./parse-digest.js";
import {
  describe,
  field,
  isJsonObject,
  readArray,
  readObject,
  readOptionalString,
  readOptionalStringMap,
  readPlatformExtras,
  readString,
  type ShapeContext,
  shapeError,
} from "./read-json-shape.js";

const root: ShapeContext = { document: "image config", path: "" };
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads the platform, labels, creation time and layer diff IDs from an image config blob. Parse only
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
    const labels = readOptionalStringMap(runtime, "Labels", where);
    config.config = labels === undefined ? {} : { Labels: labels };
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
