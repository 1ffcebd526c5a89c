import { ManifestError, UsageError } from "./errors.js";
import type { ImageIndex, ImageManifest, ParsedManifest } from "./manifest-types.js";
import { isImageManifestMediaType, isIndexMediaType, MediaType, normalizeMediaType } from "./media-types.js";
import {
  describe,
  field,
  isJsonObject,
  type JsonObject,
  readArray,
  readDescriptor,
  readOptionalString,
  readOptionalStringMap,
  type ShapeContext,
} from "./read-json-shape.js";

/** Options of {@link parseManifest}. */
export interface ParseManifestOptions {
  /** Larger manifests are rejected before parsing. Default 4 MiB, distribution's limit (`spec/PROTOCOL.md` §2). */
  maxBytes?: number;
}

/** The default of {@link ParseManifestOptions.maxBytes}: 4 MiB. */
export const defaultManifestMaxBytes: number = 4 * 1024 * 1024;

/** `Content-Type` values that say nothing about the manifest kind, so its shape decides (§5.4). */
const genericContentTypes: readonly string[] = ["", "application/json", "application/octet-stream"];

const schema1Types: readonly string[] = [
  MediaType.DockerSchema1Manifest,
  MediaType.DockerSchema1SignedManifest,
];

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Validates an image manifest or index (OCI or Docker schema 2) and keeps a copy of its exact bytes, whose
 * digest is the manifest's identity (`spec/PROTOCOL.md` §5.1).
 *
 * The kind comes from the document's `mediaType`, else from `contentType`, else from the shape (§5.4):
 * `manifests` is an index, `config` + `layers` an image manifest. `application/json`,
 * `application/octet-stream` and an absent `Content-Type` count as absent. When both the document and
 * `contentType` name a type, they must agree (§5.2). Schema 1 is rejected (§5.6).
 *
 * Unknown fields are ignored; unknown media types inside descriptors are accepted (§12.1).
 *
 * @throws ManifestError with one line saying what is wrong.
 * @throws UsageError when `bytes` is not a `Uint8Array` or `maxBytes` is not a positive integer.
 * @example
 * const parsed = parseManifest(body, response.headers["content-type"]);
 * if (parsed.kind === "index") selectPlatformEntry(parsed.manifest); // linux/<this CPU> on any OS
 */
export function parseManifest(
  bytes: Uint8Array,
  contentType?: string,
  options: ParseManifestOptions = {},
): ParsedManifest {
  if (!(bytes instanceof Uint8Array)) {
    throw new UsageError("parseManifest() needs the manifest as a Uint8Array");
  }
  const maxBytes = options.maxBytes ?? defaultManifestMaxBytes;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new UsageError(`maxBytes must be a positive integer, got ${String(maxBytes)}`);
  }
  if (contentType !== undefined && typeof contentType !== "string") {
    throw new UsageError("parseManifest() needs the Content-Type as a string");
  }
  const declared = contentType === undefined ? "" : normalizeMediaType(contentType);
  if (schema1Types.includes(declared)) throw schema1Error(`its Content-Type is ${declared}`);
  if (bytes.byteLength > maxBytes) {
    throw new ManifestError(
      `manifest is ${bytes.byteLength} bytes, more than the limit of ${maxBytes} bytes`,
    );
  }
  const document = decodeJson(bytes);
  if (document.schemaVersion === 1) throw schema1Error("it has schemaVersion 1");
  const ownType = readOptionalString(document, "mediaType", root);
  const normalizedOwnType = ownType === undefined ? undefined : normalizeMediaType(ownType);
  if (normalizedOwnType !== undefined && schema1Types.includes(normalizedOwnType)) {
    throw schema1Error(`its mediaType is ${normalizedOwnType}`);
  }
  if (document.schemaVersion !== 2) {
    throw new ManifestError(
      document.schemaVersion === undefined
        ? "manifest has no schemaVersion"
        : `manifest schemaVersion must be 2, got ${describe(document.schemaVersion)}`,
    );
  }
  const generic = genericContentTypes.includes(declared);
  if (normalizedOwnType !== undefined && !generic && normalizedOwnType !== declared) {
    throw new ManifestError(
      `manifest mediaType ${normalizedOwnType} does not match the Content-Type ${declared} it was served with`,
    );
  }
  const mediaType = normalizedOwnType ?? (generic ? typeByShape(document) : declared);
  const copy = new Uint8Array(bytes);
  if (isIndexMediaType(mediaType)) {
    return { kind: "index", mediaType, manifest: readIndex(document, ownType), bytes: copy };
  }
  if (isImageManifestMediaType(mediaType)) {
    return { kind: "image", mediaType, manifest: readImageManifest(document, ownType), bytes: copy };
  }
  throw new ManifestError(
    `unsupported manifest media type ${JSON.stringify(mediaType)} (expected an OCI or Docker schema 2 manifest or index)`,
  );
}

const root: ShapeContext = { document: "manifest", path: "" };

function decodeJson(bytes: Uint8Array): JsonObject {
  if (bytes.byteLength === 0) throw new ManifestError("manifest is empty");
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw new ManifestError(
      "manifest starts with a UTF-8 byte order mark, which JSON documents must not have",
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw new ManifestError("manifest is not valid UTF-8", { cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ManifestError("manifest is not valid JSON", { cause: error });
  }
  if (!isJsonObject(document)) {
    throw new ManifestError(`manifest must be a JSON object, got ${describe(document)}`);
  }
  return document;
}

function typeByShape(document: JsonObject): string {
  const hasManifests = document.manifests !== undefined;
  const hasImageFields = document.config !== undefined || document.layers !== undefined;
  if (hasManifests && hasImageFields) {
    throw new ManifestError("manifest has both manifests (an index) and config/layers (an image manifest)");
  }
  if (hasManifests) return MediaType.OciIndex;
  if (document.config !== undefined && document.layers !== undefined) return MediaType.OciManifest;
  throw new ManifestError(
    "manifest has no mediaType and an unknown shape: expected manifests (an index) or config and layers (an image manifest)",
  );
}

function readIndex(document: JsonObject, ownType: string | undefined): ImageIndex {
  const index: ImageIndex = {
    schemaVersion: 2,
    manifests: readArray(document, "manifests", root, readDescriptor),
  };
  if (ownType !== undefined) index.mediaType = ownType;
  readCommonFields(document, index);
  return index;
}

function readImageManifest(document: JsonObject, ownType: string | undefined): ImageManifest {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    config: readDescriptor(document.config, field(root, "config")),
    layers: readArray(document, "layers", root, readDescriptor),
  };
  if (ownType !== undefined) manifest.mediaType = ownType;
  readCommonFields(document, manifest);
  return manifest;
}

function readCommonFields(document: JsonObject, target: ImageIndex | ImageManifest): void {
  const artifactType = readOptionalString(document, "artifactType", root);
  if (artifactType !== undefined) target.artifactType = artifactType;
  if (document.subject !== undefined && document.subject !== null) {
    target.subject = readDescriptor(document.subject, field(root, "subject"));
  }
  const annotations = readOptionalStringMap(document, "annotations", root);
  if (annotations !== undefined) target.annotations = annotations;
}

function schema1Error(why: string): ManifestError {
  return new ManifestError(
    `manifest is Docker schema 1 (${why}), which is not supported: re-push the image with a current client (Docker 1.10 or later, or any OCI tool) to get a schema 2 or OCI manifest`,
  );
}
