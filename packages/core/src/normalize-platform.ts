import type { Platform } from "./manifest-types.js";

/**
 * The canonical form of a platform, as containerd computes it (`spec/PROTOCOL.md` §12.5 step 1): everything
 * lower-case; `macos` → `darwin`; `x86_64`/`x86-64` → `amd64` (variant `v1` dropped); `i386` → `386`;
 * `aarch64` → `arm64`, whose `v8` variant is dropped (`arm64` means `arm64/v8`); `armhf` → `arm/v7`;
 * `armel` → `arm/v6`; `arm` without a variant → `arm/v7`; bare variant numbers get their `v`.
 *
 * `os.version`, `os.features` and `features` are copied unchanged.
 *
 * @example
 * normalizePlatform({ os: "Linux", architecture: "aarch64", variant: "v8" }); // { os: "linux", architecture: "arm64" }
 */
export function normalizePlatform(platform: Platform): Platform {
  const os = platform.os.toLowerCase();
  const [architecture, variant] = normalizeArchitecture(
    platform.architecture.toLowerCase(),
    (platform.variant ?? "").toLowerCase(),
  );
  const result: Platform = { architecture, os: os === "macos" ? "darwin" : os };
  if (variant !== "") result.variant = variant;
  if (platform["os.version"] !== undefined) result["os.version"] = platform["os.version"];
  if (platform["os.features"] !== undefined) result["os.features"] = [...platform["os.features"]];
  if (platform.features !== undefined) result.features = [...platform.features];
  return result;
}

function normalizeArchitecture(architecture: string, variant: string): [string, string] {
  switch (architecture) {
    case "i386":
      return ["386", ""];
    case "x86_64":
    case "x86-64":
    case "amd64":
      return ["amd64", variant === "v1" ? "" : variant];
    case "aarch64":
    case "arm64":
      if (variant === "8" || variant === "v8" || variant === "v8.0") return ["arm64", ""];
      if (variant === "9" || variant === "9.0" || variant === "v9.0") return ["arm64", "v9"];
      return ["arm64", variant];
    case "armhf":
      return ["arm", "v7"];
    case "armel":
      return ["arm", "v6"];
    case "arm":
      if (variant === "" || variant === "7") return ["arm", "v7"];
      if (variant === "5" || variant === "6" || variant === "8") return ["arm", `v${variant}`];
      return ["arm", variant];
    default:
      return [architecture, variant];
  }
}
