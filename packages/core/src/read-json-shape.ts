/**
 * Internal: typed reads of parsed JSON for `parseManifest` and `parseImageConfig`. Every failure is a
 * `ManifestError` whose one-line message names the document, the field path and what is wrong, e.g.
 * `manifest is invalid: layers[0].size must be a non-negative integer, got -1`.
 *
 * Optional fields that are `null` count as absent: Go tools write `null` for empty maps and lists.
 */
import { ManifestError } from "./errors.js";
import type { Descriptor, Platform } from "./manifest-types.js";
import { digestProblem } from "./parse-digest.js";

export type JsonObject = Record<string, unknown>;

/** Where a value sits: the document name (`manifest`, `image config`) and the field path. */
export interface ShapeContext {
  document: string;
  path: string;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function shapeError(context: ShapeContext, problem: string): ManifestError {
  const where = context.path === "" ? "" : `${context.path} `;
  return new ManifestError(`${context.document} is invalid: ${where}${problem}`);
}

export function field(context: ShapeContext, key: string): ShapeContext {
  return { document: context.document, path: context.path === "" ? key : `${context.path}.${key}` };
}

function item(context: ShapeContext, index: number): ShapeContext {
  return { document: context.document, path: `${context.path}[${index}]` };
}

/** Describes a value for a message without echoing long content. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

export function readObject(value: unknown, context: ShapeContext): JsonObject {
  if (isJsonObject(value)) return value;
  throw shapeError(context, value === undefined ? "is missing" : `must be an object, got ${describe(value)}`);
}

export function readString(object: JsonObject, key: string, context: ShapeContext): string {
  const value = object[key];
  if (typeof value === "string") return value;
  throw shapeError(
    field(context, key),
    value === undefined ? "is missing" : `must be a string, got ${describe(value)}`,
  );
}

export function readOptionalString(
  object: JsonObject,
  key: string,
  context: ShapeContext,
): string | undefined {
  const value = object[key];
  return value === undefined || value === null ? undefined : readString(object, key, context);
}

export function readOptionalStringArray(
  object: JsonObject,
  key: string,
  context: ShapeContext,
): string[] | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  const where = field(context, key);
  if (!Array.isArray(value)) throw shapeError(where, `must be an array of strings, got ${describe(value)}`);
  for (const [index, entry] of value.entries()) {
    if (typeof entry !== "string") {
      throw shapeError(item(where, index), `must be a string, got ${describe(entry)}`);
    }
  }
  return [...(value as string[])];
}

/** A map of strings to strings, such as `annotations` or `config.Labels`. */
export function readOptionalStringMap(
  object: JsonObject,
  key: string,
  context: ShapeContext,
): Record<string, string> | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  const where = field(context, key);
  if (!isJsonObject(value)) throw shapeError(where, `must be an object of strings, got ${describe(value)}`);
  const result: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value)) {
    if (typeof entry !== "string") {
      throw shapeError(field(where, JSON.stringify(name)), `must be a string, got ${describe(entry)}`);
    }
    result[name] = entry;
  }
  return result;
}

export function readDigest(object: JsonObject, key: string, context: ShapeContext): string {
  const value = readString(object, key, context);
  const problem = digestProblem(value);
  if (problem !== undefined) throw shapeError(field(context, key), `is not a valid digest: ${problem}`);
  return value;
}

/** Reads an array of items with `read`, naming the index of a bad item. */
export function readArray<T>(
  object: JsonObject,
  key: string,
  context: ShapeContext,
  read: (value: unknown, context: ShapeContext) => T,
): T[] {
  const value = object[key];
  const where = field(context, key);
  if (!Array.isArray(value)) {
    throw shapeError(where, value === undefined ? "is missing" : `must be an array, got ${describe(value)}`);
  }
  return value.map((entry, index) => read(entry, item(where, index)));
}

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A content descriptor (`spec/PROTOCOL.md` §12.2). */
export function readDescriptor(value: unknown, context: ShapeContext): Descriptor {
  const object = readObject(value, context);
  const mediaType = readString(object, "mediaType", context);
  if (mediaType === "") throw shapeError(field(context, "mediaType"), "is empty");
  const digest = readDigest(object, "digest", context);
  const size = object.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw shapeError(
      field(context, "size"),
      size === undefined ? "is missing" : `must be a non-negative integer, got ${describe(size)}`,
    );
  }
  const descriptor: Descriptor = { mediaType, digest, size };
  const urls = readOptionalStringArray(object, "urls", context);
  if (urls !== undefined) descriptor.urls = urls;
  const annotations = readOptionalStringMap(object, "annotations", context);
  if (annotations !== undefined) descriptor.annotations = annotations;
  const data = readOptionalString(object, "data", context);
  if (data !== undefined) {
    if (!base64Pattern.test(data)) throw shapeError(field(context, "data"), "must be standard base64");
    descriptor.data = data;
  }
  const artifactType = readOptionalString(object, "artifactType", context);
  if (artifactType !== undefined) descriptor.artifactType = artifactType;
  if (object.platform !== undefined && object.platform !== null) {
    descriptor.platform = readPlatform(object.platform, field(context, "platform"));
  }
  return descriptor;
}

/** A platform object (`spec/PROTOCOL.md` §12.5), in a descriptor or at the top of an image config. */
export function readPlatform(value: unknown, context: ShapeContext): Platform {
  const object = readObject(value, context);
  const platform: Platform = {
    architecture: readString(object, "architecture", context),
    os: readString(object, "os", context),
  };
  readPlatformExtras(object, context, platform);
  const features = readOptionalStringArray(object, "features", context);
  if (features !== undefined) platform.features = features;
  return platform;
}

/** The optional platform fields an image config also has at its top level. */
export function readPlatformExtras(
  object: JsonObject,
  context: ShapeContext,
  platform: Pick<Platform, "os.version" | "os.features" | "variant">,
): void {
  const osVersion = readOptionalString(object, "os.version", context);
  if (osVersion !== undefined) platform["os.version"] = osVersion;
  const osFeatures = readOptionalStringArray(object, "os.features", context);
  if (osFeatures !== undefined) platform["os.features"] = osFeatures;
  const variant = readOptionalString(object, "variant", context);
  if (variant !== undefined) platform.variant = variant;
}
