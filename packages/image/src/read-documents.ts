import { readAll } from "@stevedore/blob";
import type { Descriptor, ImageManifest, ParsedManifest, ReadableTarget } from "@stevedore/core";
import {
  checkContainerImage,
  defaultManifestMaxBytes,
  ManifestError,
  maxImageConfigBytes,
  parseManifest,
} from "@stevedore/core";

/** A JSON object as parsed, key order kept, so what an edit leaves alone is written back as it was. */
export type JsonObject = Record<string, unknown>;

/** The manifest a descriptor names, fetched (verified by the target) and validated. */
export async function readManifest(
  target: ReadableTarget,
  descriptor: Descriptor,
  signal?: AbortSignal,
): Promise<ParsedManifest> {
  const bytes = await readAll(
    await target.fetch(descriptor, signal === undefined ? {} : { signal }),
    defaultManifestMaxBytes,
  );
  return parseManifest(bytes, descriptor.mediaType);
}

/**
 * Refuses an artifact (no image config: a Helm chart, an SBOM) where an image's file system is needed,
 * to edit, export or read from: one message for every edit, `exportFilesystem` and `readImageFile`.
 *
 * @throws UsageError naming `where` and the artifact's type.
 */
export function checkHasFileSystem(manifest: ImageManifest, where: string): void {
  checkContainerImage(
    manifest,
    where,
    "it has no file system to edit or read; pull the artifact's files instead",
  );
}

/** An image manifest's config, as bytes and as a parsed object. Artifacts (no image config) are refused: `UsageError`. */
export async function readConfig(
  target: ReadableTarget,
  manifest: ImageManifest,
  where: string,
  signal?: AbortSignal,
): Promise<{ bytes: Uint8Array; config: JsonObject }> {
  checkHasFileSystem(manifest, where);
  const bytes = await readAll(
    await target.fetch(manifest.config, signal === undefined ? {} : { signal }),
    maxImageConfigBytes,
  );
  return { bytes, config: parseObject(bytes, `config ${manifest.config.digest}`) };
}

/** Parses JSON that must be an object; `ManifestError` naming `where` otherwise. */
export function parseObject(bytes: Uint8Array, where: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ManifestError(`${where} is not valid JSON`, { cause: error });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ManifestError(`${where} is not a JSON object`);
  }
  return value as JsonObject;
}

/** The object at `key` of `parent`, created empty when absent (or not an object). */
export function objectAt(parent: JsonObject, key: string): JsonObject {
  const value = parent[key];
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as JsonObject;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}
