/**
 * Internal: reading and writing the `index.json` and `oci-layout` files of an OCI image layout
 * (`spec/PROTOCOL.md` §13.1). Entries are validated but kept as the objects they were, so rewriting the
 * index to add a tag does not drop fields other tools put there.
 */
import type { Descriptor } from "@stevedore/core";
import { formatReference, isDigest, LocalFormatError, MediaType, parseReference } from "@stevedore/core";

/** The annotation that names a "tag" in an image layout (§12.6). */
export const refNameAnnotation = "org.opencontainers.image.ref.name";

/** The full image name containerd and Docker 25+ put beside it (§13.2). */
export const imageNameAnnotation = "io.containerd.image.name";

/** `nginx` and `docker.io/library/nginx:latest` give the same string; `undefined` if not a reference. */
export function normalizeName(name: string): string | undefined {
  try {
    return formatReference(parseReference(name, { defaultTag: "latest" }));
  } catch {
    return undefined;
  }
}

/**
 * The entry of `manifests` a name picks by its full image name (`io.containerd.image.name`, as buildkit,
 * containerd and Docker 25+ write it): `app:v1` and `docker.io/library/app:v1` pick the same.
 */
export function findByImageName(manifests: readonly Descriptor[], name: string): Descriptor | undefined {
  const wanted = normalizeName(name);
  if (wanted === undefined) return undefined;
  return manifests.find((entry) => {
    const imageName = entry.annotations?.[imageNameAnnotation];
    return imageName !== undefined && normalizeName(imageName) === wanted;
  });
}

/** The parsed `index.json`: its other fields, and its entries. */
export interface LayoutIndex {
  document: Record<string, unknown>;
  manifests: Descriptor[];
}

// `ref ::= component ("/" component)*`, `component ::= alphanum (separator alphanum)*`, §12.6.
const refNameGrammar =
  /^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:\/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$/;

/** True when `name` follows the `org.opencontainers.image.ref.name` grammar (§12.6). */
export function isRefName(name: string): boolean {
  return typeof name === "string" && name.length <= 512 && refNameGrammar.test(name);
}

/** A fresh, empty index. */
export function emptyIndex(): LayoutIndex {
  return { document: { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }, manifests: [] };
}

/** Parses and validates `index.json`; every problem is a one-line `LocalFormatError` naming `where`. */
export function parseLayoutIndex(bytes: Uint8Array, where: string): LayoutIndex {
  const document = parseJsonObject(bytes, where);
  if (document.schemaVersion !== 2) throw new LocalFormatError(`${where}: schemaVersion must be 2`);
  const manifests = document.manifests;
  if (!Array.isArray(manifests)) throw new LocalFormatError(`${where}: manifests must be an array`);
  manifests.forEach((entry, index) => {
    checkDescriptor(entry, `${where}: manifests[${index}]`);
  });
  return { document, manifests: manifests as Descriptor[] };
}

/** Serialises an index with its entries in place of the old ones. */
export function serializeLayoutIndex(index: LayoutIndex): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ ...index.document, manifests: index.manifests }));
}

/** Validates the `oci-layout` file: a JSON object with a `1.x` `imageLayoutVersion`. */
export function checkLayoutFile(bytes: Uint8Array, where: string): void {
  const document = parseJsonObject(bytes, where);
  const version = document.imageLayoutVersion;
  if (typeof version !== "string") throw new LocalFormatError(`${where}: imageLayoutVersion is missing`);
  if (!/^1\.\d+\.\d+$/.test(version)) {
    throw new LocalFormatError(
      `${where}: unsupported imageLayoutVersion ${JSON.stringify(version.slice(0, 40))}`,
    );
  }
}

/** The content of a new `oci-layout` file. */
export const layoutFileContent: Uint8Array = new TextEncoder().encode('{"imageLayoutVersion":"1.0.0"}');

/** Parses a JSON object, or throws `LocalFormatError` naming `where`. */
export function parseJsonObject(bytes: Uint8Array, where: string): Record<string, unknown> {
  const value = parseJson(bytes, where);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new LocalFormatError(`${where}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Parses JSON (UTF-8, BOM tolerated), or throws `LocalFormatError` naming `where`. */
export function parseJson(bytes: Uint8Array, where: string): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new LocalFormatError(`${where}: not valid JSON`);
  }
}

/** Checks the fields of a descriptor that stevedore relies on (§12.2). */
export function checkDescriptor(value: unknown, where: string): asserts value is Descriptor {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new LocalFormatError(`${where} is not an object`);
  }
  const entry = value as Record<string, unknown>;
  if (typeof entry.mediaType !== "string" || entry.mediaType === "") {
    throw new LocalFormatError(`${where}.mediaType must be a non-empty string`);
  }
  if (!isDigest(entry.digest)) throw new LocalFormatError(`${where}.digest is not a valid digest`);
  if (!Number.isSafeInteger(entry.size) || (entry.size as number) < 0) {
    throw new LocalFormatError(`${where}.size must be a non-negative integer`);
  }
  const annotations = entry.annotations;
  if (annotations !== undefined) {
    if (typeof annotations !== "object" || annotations === null || Array.isArray(annotations)) {
      throw new LocalFormatError(`${where}.annotations must be an object`);
    }
    for (const [key, text] of Object.entries(annotations)) {
      if (typeof text !== "string") {
        throw new LocalFormatError(
          `${where}.annotations[${JSON.stringify(key.slice(0, 80))}] must be a string`,
        );
      }
    }
  }
}

/** The new list of entries: `entry` replaces the one named `tag`, else an untagged one of its digest. */
export function withTaggedEntry(manifests: Descriptor[], entry: Descriptor, tag: string): Descriptor[] {
  const named = manifests.findIndex((item) => item.annotations?.[refNameAnnotation] === tag);
  const position =
    named !== -1
      ? named
      : manifests.findIndex(
          (item) => item.digest === entry.digest && item.annotations?.[refNameAnnotation] === undefined,
        );
  const result: Descriptor[] = [];
  manifests.forEach((item, index) => {
    if (index === position) result.push(entry);
    else if (item.annotations?.[refNameAnnotation] !== tag) result.push(item);
  });
  if (position === -1) result.push(entry);
  return result;
}

/** What `resolve` returns: the identity of the manifest, without the layout's annotations. */
export function pickDescriptor(descriptor: Descriptor): Descriptor {
  const result: Descriptor = {
    mediaType: descriptor.mediaType,
    digest: descriptor.digest,
    size: descriptor.size,
  };
  if (descriptor.artifactType !== undefined) result.artifactType = descriptor.artifactType;
  if (descriptor.platform !== undefined) result.platform = descriptor.platform;
  if (descriptor.urls !== undefined) result.urls = descriptor.urls;
  return result;
}
