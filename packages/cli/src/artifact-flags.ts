import { readFile } from "node:fs/promises";
import type { ArtifactFile } from "@stevedore/client";
import { errorCode, isMediaType, LocalFormatError, NotFoundError, UsageError } from "@stevedore/core";
import type { FlagValues } from "./command-context.js";
import type { FlagDefinition } from "./command-definition.js";

/** Flags shared by `artifact push` and `attach`. */
export const artifactFlags: readonly FlagDefinition<
  "artifact-type" | "config" | "annotation" | "annotation-file"
>[] = [
  {
    name: "artifact-type",
    type: "string",
    valueName: "TYPE",
    description: "the artifact's type (push: default application/vnd.unknown.artifact.v1 without --config)",
  },
  {
    name: "config",
    type: "string",
    valueName: "FILE[:TYPE]",
    description:
      "a config blob instead of the empty one (type default application/vnd.oci.image.config.v1+json)",
  },
  {
    name: "annotation",
    type: "string",
    multiple: true,
    valueName: "KEY=VALUE",
    description: "a manifest annotation (repeatable)",
  },
  {
    name: "annotation-file",
    type: "string",
    valueName: "FILE",
    description: 'annotations as oras writes them: {"$manifest": {…}, "FILE-TITLE": {…}}',
  },
];

/** `path:type/subtype` → `{ path, mediaType }`; a plain path keeps any colons it has. */
export function parseFileArgument(text: string): ArtifactFile {
  if (text === "") throw new UsageError("a FILE argument is empty");
  const colon = text.lastIndexOf(":");
  if (colon > 0) {
    const type = text.slice(colon + 1);
    if (isMediaType(type)) {
      return { path: text.slice(0, colon), mediaType: type };
    }
    if (type.includes("/") || type === "") {
      throw new UsageError(
        `${JSON.stringify(text.slice(0, 120))}: ${JSON.stringify(type.slice(0, 60))} is not a media type (type/subtype)`,
      );
    }
  }
  return { path: text };
}

/** The manifest annotations and per-file annotations from `--annotation` and `--annotation-file`. */
export async function readAnnotations(
  values: FlagValues,
): Promise<{ manifest: Record<string, string>; files: Record<string, Record<string, string>> }> {
  const manifest: Record<string, string> = {};
  const files: Record<string, Record<string, string>> = {};
  const file = values["annotation-file"];
  if (typeof file === "string") {
    let document: unknown;
    try {
      document = JSON.parse(await readFile(file, "utf8"));
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT") throw new NotFoundError(`--annotation-file ${file} does not exist`);
      throw new LocalFormatError(
        `--annotation-file ${file} is not JSON: ${(error as Error).message.split("\n")[0]}`,
      );
    }
    if (typeof document !== "object" || document === null || Array.isArray(document)) {
      throw new LocalFormatError(`--annotation-file ${file} must hold an object of objects`);
    }
    for (const [key, value] of Object.entries(document)) {
      const map = stringMap(value, `--annotation-file ${file}: ${JSON.stringify(key)}`);
      if (key === "$manifest") Object.assign(manifest, map);
      else files[key] = map;
    }
  }
  const given = values.annotation;
  for (const text of Array.isArray(given) ? given : []) {
    const equals = text.indexOf("=");
    if (equals <= 0)
      throw new UsageError(`--annotation ${JSON.stringify(text.slice(0, 80))} is not KEY=VALUE`);
    manifest[text.slice(0, equals)] = text.slice(equals + 1);
  }
  return { manifest, files };
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new LocalFormatError(`${where} must be an object of strings`);
  }
  for (const entry of Object.values(value)) {
    if (typeof entry !== "string") throw new LocalFormatError(`${where} must be an object of strings`);
  }
  return value as Record<string, string>;
}
