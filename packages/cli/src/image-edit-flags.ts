import { existsSync } from "node:fs";
import type { EditOutcome, LayerInput } from "@stevedore/client";
import { UsageError } from "@stevedore/core";
import type { CommandContext } from "./command-context.js";
import type { FlagDefinition } from "./command-definition.js";

/** `-t/--tag-as REF`: where an edited image goes. */
export const tagAsFlag: FlagDefinition<"tag-as"> = {
  name: "tag-as",
  short: "t",
  type: "string",
  valueName: "REF",
  description: "write the result to REF (a registry reference or oci:DIR[:TAG]); default: REF itself",
};

/** `--compression gzip|zstd|none`. */
export const compressionFlag: FlagDefinition<"compression"> = {
  name: "compression",
  type: "string",
  valueName: "ALG",
  description: "store new layers as gzip (default), zstd (Node ≥ 22.15) or none",
};

/** `--compression` of push and copy: recompress layers on the way. */
export const copyCompressionFlag: FlagDefinition<"compression"> = {
  name: "compression",
  type: "string",
  valueName: "ALG",
  description:
    "store layers as gzip, zstd or none, recompressing the others (default: gzip for a docker archive pushed to a registry, else as they are)",
};

/** The `--compression` value, checked. */
export function compressionOf(context: CommandContext): "gzip" | "zstd" | "none" | undefined {
  const value = context.flags.compression;
  if (value === undefined) return undefined;
  if (value === "gzip" || value === "zstd" || value === "none") return value;
  throw new UsageError(`--compression must be gzip, zstd or none, not ${JSON.stringify(value)}`);
}

/** A string flag given once or several times, as a list. */
export function listFlag(context: CommandContext, name: string): string[] {
  const value = context.flags[name];
  if (value === undefined || value === true || value === false) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/**
 * `--layer PATH[:DEST]`. A path that exists as given is taken whole (paths may hold `:`); otherwise the
 * part after the last `:` is where the content goes in the image.
 */
export function layerInput(text: string): LayerInput {
  if (text === "") throw new UsageError("--layer needs PATH[:DEST]");
  const colon = text.lastIndexOf(":");
  if (existsSync(text) || colon <= 0) return { path: text };
  const destination = text.slice(colon + 1);
  if (destination === "") throw new UsageError(`--layer ${text}: DEST after ":" is empty`);
  return { path: text.slice(0, colon), destination };
}

/** `K=V` pairs; `K-` removes (value `null`). */
export function keyValues(values: readonly string[], flag: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const value of values) {
    const equals = value.indexOf("=");
    if (equals === -1 && value.endsWith("-") && value.length > 1) {
      out[value.slice(0, -1)] = null;
      continue;
    }
    if (equals <= 0)
      throw new UsageError(`--${flag} needs KEY=VALUE (or KEY- to remove), got ${JSON.stringify(value)}`);
    out[value.slice(0, equals)] = value.slice(equals + 1);
  }
  return out;
}

/** `--entrypoint` / `--cmd`: a JSON array of strings, or comma-separated words as crane takes them. */
export function commandList(value: string, flag: string): string[] {
  if (value.trim().startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new UsageError(`--${flag} ${value}: not a JSON array of strings`);
    }
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string")) {
      throw new UsageError(`--${flag} ${value}: not a JSON array of strings`);
    }
    return parsed;
  }
  return value === "" ? [] : value.split(",");
}

/** Prints the outcome of an edit: `DESTINATION DIGEST`, or the JSON result. */
export async function printEdit(context: CommandContext, outcome: EditOutcome): Promise<void> {
  await context.print(`${outcome.destination} ${outcome.digest}`);
  await context.printJson({ ...outcome });
}
