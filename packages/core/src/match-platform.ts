import type { Platform } from "./manifest-types.js";
import { normalizePlatform } from "./normalize-platform.js";

/** Options of {@link matchPlatform}. */
export interface MatchPlatformOptions {
  /** Only the same platform matches; no compatible lower ones (`amd64` will not take `386`). */
  strict?: boolean;
}

/**
 * True when an image for `have` suits a caller who wants `want` (`spec/PROTOCOL.md` §12.5). Both sides are
 * normalised, so `linux/arm64/v8` matches `linux/arm64` and `linux/arm` matches `linux/arm/v7`. Unless
 * `strict`, compatible lower platforms match too (see {@link platformPreference}).
 *
 * On Windows, when both sides give an `os.version`, their build prefixes (`10.0.20348`) must be equal.
 * When `want` lists `os.features`, every feature `have` lists must be among them.
 *
 * @example
 * matchPlatform(parsePlatform("linux/amd64"), { os: "linux", architecture: "386" }); // true
 * matchPlatform(parsePlatform("linux/amd64"), { os: "linux", architecture: "386" }, { strict: true }); // false
 */
export function matchPlatform(want: Platform, have: Platform, options: MatchPlatformOptions = {}): boolean {
  const candidates = options.strict ? [normalizePlatform(want)] : platformPreference(want);
  const normalized = normalizePlatform(have);
  return candidates.some((candidate) => sameNormalizedPlatform(candidate, normalized));
}

/**
 * The platforms that can serve `want`, most preferred first, normalised (`spec/PROTOCOL.md` §12.5 step 3,
 * as containerd orders them): `amd64/vN` → … → `amd64` → `386`; `arm/v8` → `v7` → `v6` → `v5`;
 * `arm64/v8.x` → … → `arm64` → `arm/v8` → … → `arm/v5`; `arm64/v9.x` → … → `v9` → `v8.(x+5)` → … → `arm64`
 * → 32-bit arm. Other architectures have only themselves.
 *
 * @example
 * platformPreference(parsePlatform("linux/arm/v7")).map(formatPlatform); // ["linux/arm/v7", "linux/arm/v6", "linux/arm/v5"]
 */
export function platformPreference(want: Platform): Platform[] {
  const platform = normalizePlatform(want);
  const like = (architecture: string, variant: string): Platform => {
    const result: Platform = { ...platform, architecture };
    if (variant === "") delete result.variant;
    else result.variant = variant;
    return result;
  };
  const version = /^v([0-9]+)$/.exec(platform.variant ?? "");
  switch (platform.architecture) {
    case "amd64": {
      const list = [platform];
      const level = version ? Number(version[1]) : 1;
      // Levels are cumulative; v4 is the highest defined, so a larger number cannot make the list long.
      for (let lower = Math.min(level - 1, 4); lower >= 2; lower--) list.push(like("amd64", `v${lower}`));
      if (level > 1) list.push(like("amd64", ""));
      list.push(like("386", ""));
      return list;
    }
    case "arm": {
      const list = [platform];
      const level = version ? Number(version[1]) : 0;
      for (let lower = Math.min(level - 1, 8); lower >= 5; lower--) list.push(like("arm", `v${lower}`));
      return list;
    }
    case "arm64": {
      const arm64 = /^v(8|9)(?:\.([0-9]))?$/.exec(platform.variant ?? "v8");
      if (!arm64) return [platform];
      const major = Number(arm64[1]);
      const minor = Number(arm64[2] ?? 0);
      const list: Platform[] = [];
      if (major === 9) {
        for (let step = minor; step >= 0; step--) list.push(like("arm64", step === 0 ? "v9" : `v9.${step}`));
      }
      // arm64/v9.x implements arm64/v8.(x+5) (containerd's table stops at v8.9).
      for (let step = major === 9 ? Math.min(minor + 5, 9) : minor; step >= 0; step--) {
        list.push(like("arm64", step === 0 ? "" : `v8.${step}`));
      }
      for (let lower = 8; lower >= 5; lower--) list.push(like("arm", `v${lower}`));
      return list;
    }
    default:
      return [platform];
  }
}

/** Step 2 of §12.5 on two normalised platforms. */
function sameNormalizedPlatform(want: Platform, have: Platform): boolean {
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  if ((want.variant ?? "") !== (have.variant ?? "")) return false;
  const wantedFeatures = want["os.features"];
  if (wantedFeatures !== undefined && have["os.features"]?.some((f) => !wantedFeatures.includes(f))) {
    return false;
  }
  const wantedVersion = want["os.version"];
  const haveVersion = have["os.version"];
  if (want.os === "windows" && wantedVersion && haveVersion) {
    return buildPrefix(wantedVersion) === buildPrefix(haveVersion);
  }
  return true;
}

function buildPrefix(osVersion: string): string {
  return osVersion.split(".").slice(0, 3).join(".");
}
