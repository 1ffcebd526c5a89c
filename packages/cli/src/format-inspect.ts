import type { InspectResult } from "@stevedore/client";
import { formatPlatform } from "@stevedore/core";
import { formatBytes } from "./format-bytes.js";

/**
 * The human summary of `stevedore inspect`: the manifest (its own size labelled as the document's), an
 * artifact's type, its platforms (for an index), then the selected image's created time, config, layers
 * with their compressed size, the total with the config, how a container runs (Env, Entrypoint, Cmd, User,
 * WorkingDir, exposed ports), labels, and annotations.
 *
 * @example
 * formatInspect(await client.inspect("alpine:3.20")).join("\n");
 */
export function formatInspect(result: InspectResult): string[] {
  const lines = [
    `Reference:   ${result.reference}`,
    `Digest:      ${result.digest}`,
    `Media type:  ${result.mediaType}`,
    `Size:        ${formatBytes(result.size)} (${result.size} bytes, this ${documentName(result.mediaType)} itself)`,
  ];
  if (result.artifactType !== undefined) lines.push(`Artifact:    ${result.artifactType}`);
  if (result.platforms !== undefined) {
    lines.push(`Platforms:   ${result.platforms.length}`);
    const width = Math.max(0, ...result.platforms.map((entry) => formatPlatform(entry.platform).length));
    for (const entry of result.platforms) {
      lines.push(
        `  ${formatPlatform(entry.platform).padEnd(width)}  ${entry.digest}  ${formatBytes(entry.size)}`,
      );
    }
  }
  const image = result.image;
  if (image !== undefined) {
    const field = (name: string, value: string): string => `  ${`${name}:`.padEnd(12)}${value}`;
    lines.push(`Image:       ${formatPlatform(image.platform)}`);
    if (image.created !== undefined) lines.push(field("Created", image.created));
    lines.push(field("Config", `${image.config.digest}  ${formatBytes(image.config.size)}`));
    const count = `${image.layers.length} ${image.layers.length === 1 ? "layer" : "layers"}`;
    lines.push(field("Layers", `${count}, ${formatBytes(image.layersSize)} compressed`));
    for (const layer of image.layers) {
      lines.push(`    ${layer.digest}  ${formatBytes(layer.size).padStart(10)}  ${layer.mediaType}`);
    }
    lines.push(field("Total", `${formatBytes(image.totalSize)} compressed (config and layers)`));
    (image.env ?? []).forEach((entry, position) => {
      lines.push(position === 0 ? field("Env", oneLine(entry)) : `${" ".repeat(14)}${oneLine(entry)}`);
    });
    if (image.entrypoint !== undefined) lines.push(field("Entrypoint", JSON.stringify(image.entrypoint)));
    if (image.cmd !== undefined) lines.push(field("Cmd", JSON.stringify(image.cmd)));
    if (image.user !== undefined) lines.push(field("User", oneLine(image.user)));
    if (image.workingDir !== undefined) lines.push(field("WorkingDir", oneLine(image.workingDir)));
    if (image.exposedPorts !== undefined && image.exposedPorts.length > 0) {
      lines.push(field("Ports", image.exposedPorts.map(oneLine).join(", ")));
    }
    const labels = Object.entries(image.labels);
    if (labels.length > 0) {
      lines.push("  Labels:");
      for (const [key, value] of labels) lines.push(`    ${key}=${oneLine(value)}`);
    }
  }
  const annotations = Object.entries(result.annotations ?? {});
  if (annotations.length > 0) {
    lines.push("Annotations:");
    for (const [key, value] of annotations) lines.push(`  ${key}=${oneLine(value)}`);
  }
  return lines;
}

function documentName(mediaType: string): string {
  return /index|manifest\.list/.test(mediaType) ? "index" : "manifest";
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ");
}
