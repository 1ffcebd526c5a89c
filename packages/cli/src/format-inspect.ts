import type { InspectResult } from "@stevedore/client";
import { formatPlatform } from "@stevedore/core";
import { formatBytes } from "./format-bytes.js";

/**
 * The human summary of `stevedore inspect`: the manifest, its platforms (for an index), then the selected
 * image's created time, config, layers with sizes, labels, and annotations.
 *
 * @example
 * formatInspect(await client.inspect("alpine:3.20")).join("\n");
 */
export function formatInspect(result: InspectResult): string[] {
  const lines = [
    `Reference:   ${result.reference}`,
    `Digest:      ${result.digest}`,
    `Media type:  ${result.mediaType}`,
    `Size:        ${formatBytes(result.size)} (${result.size} bytes)`,
  ];
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
    lines.push(`Image:       ${formatPlatform(image.platform)}`);
    if (image.created !== undefined) lines.push(`  Created:   ${image.created}`);
    lines.push(`  Config:    ${image.config.digest}  ${formatBytes(image.config.size)}`);
    lines.push(`  Layers:    ${image.layers.length}, ${formatBytes(image.totalSize)} in total`);
    for (const layer of image.layers) {
      lines.push(`    ${layer.digest}  ${formatBytes(layer.size).padStart(10)}  ${layer.mediaType}`);
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

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ");
}
