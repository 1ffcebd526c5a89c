import { ManifestError } from "@stevedore/core";

/** Internal: what the memory target needs to know about a pushed manifest to list referrers. */
export interface ManifestSummary {
  /** `subject.digest`, when the manifest refers to another one (`spec/PROTOCOL.md` §7). */
  subject?: string;
  /** `artifactType`, else `config.mediaType` for an image manifest; never invented for an index (§7.1). */
  artifactType?: string;
  annotations?: Record<string, string>;
}

/**
 * Internal: reads just enough of a manifest's JSON for referrers, and rejects what a registry would reject
 * (`MANIFEST_INVALID`): bytes that are not a JSON object, or a `mediaType` that contradicts the one pushed.
 */
export function summarizeManifest(bytes: Uint8Array, mediaType: string, where: string): ManifestSummary {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ManifestError(`manifest ${where} is not valid JSON`, { cause: error });
  }
  if (!isRecord(value)) throw new ManifestError(`manifest ${where} is not a JSON object`);
  if (typeof value.mediaType === "string" && value.mediaType !== mediaType) {
    throw new ManifestError(
      `manifest ${where} has mediaType ${JSON.stringify(value.mediaType)} but was pushed as ${JSON.stringify(mediaType)}`,
    );
  }
  const summary: ManifestSummary = {};
  if (isRecord(value.subject) && typeof value.subject.digest === "string") {
    summary.subject = value.subject.digest;
  }
  if (typeof value.artifactType === "string") {
    summary.artifactType = value.artifactType;
  } else if (isRecord(value.config) && typeof value.config.mediaType === "string") {
    summary.artifactType = value.config.mediaType;
  }
  if (isRecord(value.annotations)) {
    const annotations = Object.entries(value.annotations).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    );
    summary.annotations = Object.fromEntries(annotations);
  }
  return summary;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
