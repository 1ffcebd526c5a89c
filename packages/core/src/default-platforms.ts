import { NotFoundError } from "./errors.js";
import { formatPlatform } from "./format-platform.js";
import { type HostPlatformOptions, hostPlatform } from "./host-platform.js";
import type { Descriptor, ImageConfig, ImageIndex, Platform } from "./manifest-types.js";
import { matchPlatform } from "./match-platform.js";
import { selectManifests } from "./select-manifests.js";

/**
 * The platforms to try, most preferred first, where one image of an index must be chosen and the caller
 * named none (a config, an inspect, a `docker load` archive). Like docker: `linux/<this CPU>` on every OS,
 * since macOS and Windows run Linux images in a VM and no index carries `darwin/…` images; a Windows host
 * prefers `windows/<this CPU>` when the index has it (issue 12).
 *
 * @example
 * defaultPlatforms({ platform: "darwin", arch: "arm64" }).map(formatPlatform); // ["linux/arm64"]
 * defaultPlatforms({ platform: "win32", arch: "x64" }).map(formatPlatform); // ["windows/amd64", "linux/amd64"]
 */
export function defaultPlatforms(options: HostPlatformOptions = {}): Platform[] {
  const host = hostPlatform(options);
  const linux: Platform = { ...host, os: "linux" };
  return host.os === "windows" ? [host, linux] : [linux];
}

/**
 * The one entry of `index` for `wanted`, or without `wanted` for the first of {@link defaultPlatforms}
 * the index has. Attestations and `unknown/unknown` entries are never chosen (see `selectManifests`).
 *
 * @throws NotFoundError naming the platform looked for and the ones the index has.
 * @example
 * const entry = selectPlatformEntry(index); // linux/<this CPU>, on any OS
 */
export function selectPlatformEntry(
  index: ImageIndex,
  wanted?: Platform,
  options: HostPlatformOptions = {},
): Descriptor {
  if (wanted !== undefined) return selectManifests(index, [wanted])[0] as Descriptor;
  const candidates = defaultPlatforms(options);
  let firstMiss: unknown;
  for (const candidate of candidates) {
    try {
      return selectManifests(index, [candidate])[0] as Descriptor;
    } catch (error) {
      if (!NotFoundError.isInstance(error)) throw error;
      firstMiss ??= error;
    }
  }
  // The message of the most preferred platform: it says which platform was the default.
  throw firstMiss;
}

/** The platform an image config declares (`os`, `architecture`, `variant`, `os.version`, `os.features`). */
export function configPlatform(config: ImageConfig): Platform {
  const platform: Platform = { architecture: config.architecture, os: config.os };
  if (config.variant !== undefined) platform.variant = config.variant;
  if (config["os.version"] !== undefined) platform["os.version"] = config["os.version"];
  if (config["os.features"] !== undefined) platform["os.features"] = [...config["os.features"]];
  return platform;
}

/**
 * Checks that a single-platform image suits `wanted` (any of them, compatible lower platforms included),
 * so an explicit platform is never silently ignored (issue 12).
 *
 * @throws NotFoundError saying which platform the image is for and which was asked.
 */
export function checkImagePlatform(what: string, config: ImageConfig, wanted: readonly Platform[]): void {
  const have = configPlatform(config);
  if (wanted.some((want) => matchPlatform(want, have))) return;
  throw new NotFoundError(
    `${what} is a single-platform image for ${formatPlatform(have)}, not ${wanted.map(formatPlatform).join(", ")}`,
  );
}
