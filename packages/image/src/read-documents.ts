import { readAll } from "@stevedore/blob";
import type { Descriptor, ImageManifest, ParsedManifest, ReadableTarget } from "@stevedore/core";
import {
  defaultManifestMaxBytes,
  hasImageConfig,
  ManifestError,
  maxImageConfigBytes,
  parseManifest,
  UsageError,
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

/** An image manifest's config, as bytes and as a parsed object. Artifacts (no image config) are refused: `UsageError`. */
export async function readConfig(
  target: ReadableTarget,
  manifest: ImageManifest,
  where: string,
  signal?: AbortSignal,
): Promise<{ bytes: Uint8Array; config: JsonObject }> {
  if (!hasImageConfig(manifest)) {
    // The artifact is valid: the edit does not apply to it (exit 2, not a content error).
    throw new UsageError(
      `${where} is not a container image (its config is ${manifest.config.mediaType}): it has no file system to edit`,
    );
  }
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
