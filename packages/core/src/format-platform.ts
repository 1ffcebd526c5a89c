import type { Platform } from "./manifest-types.js";

/**
 * Writes a platform as `os/architecture[/variant][:os.version]`, the form `parsePlatform` reads.
 *
 * @example
 * formatPlatform({ os: "linux", architecture: "arm", variant: "v7" }); // "linux/arm/v7"
 */
export function formatPlatform(platform: Platform): string {
  let text = `${platform.os}/${platform.architecture}`;
  if (platform.variant) text += `/${platform.variant}`;
  if (platform["os.version"]) text += `:${platform["os.version"]}`;
  return text;
}
