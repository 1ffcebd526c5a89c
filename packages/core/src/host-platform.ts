import type { Platform } from "./manifest-types.js";

/** Options of {@link hostPlatform}: the Node values to map, for tests. Defaults are this process's. */
export interface HostPlatformOptions {
  /** A `process.platform` value. */
  platform?: string;
  /** A `process.arch` value. */
  arch?: string;
  /** For `arm`: the ARM version Node was built for (`process.config.variables.arm_version`). */
  armVersion?: string;
  /** For `ppc64`, `mips64`: whether the CPU is little-endian. */
  littleEndian?: boolean;
}

const goosOf: Readonly<Record<string, string>> = {
  win32: "windows",
  sunos: "solaris",
  cygwin: "windows",
};

const goarchOf: Readonly<Record<string, string>> = {
  x64: "amd64",
  ia32: "386",
  x32: "386",
  mipsel: "mipsle",
};

/**
 * The platform of this machine in OCI terms (Go's GOOS/GOARCH): `process.platform` and `process.arch`
 * mapped as Go names them (`win32` → `windows`, `x64` → `amd64`, `ia32` → `386`), with `v6`/`v7` for 32-bit
 * arm. `os.version` is left out, so on Windows any build of the image matches.
 *
 * @example
 * hostPlatform(); // { architecture: "amd64", os: "linux" } on a typical Linux server
 */
export function hostPlatform(options: HostPlatformOptions = {}): Platform {
  const nodePlatform = options.platform ?? process.platform;
  const nodeArch = options.arch ?? process.arch;
  const littleEndian = options.littleEndian ?? new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  let architecture = goarchOf[nodeArch] ?? nodeArch;
  if ((nodeArch === "ppc64" || nodeArch === "mips64") && littleEndian) architecture = `${nodeArch}le`;
  const platform: Platform = { architecture, os: goosOf[nodePlatform] ?? nodePlatform };
  if (architecture === "arm") {
    const version = options.armVersion ?? nodeArmVersion();
    platform.variant = version === "6" || version === "5" ? `v${version}` : "v7";
  }
  return platform;
}

function nodeArmVersion(): string | undefined {
  const variables = (process.config as { variables?: Record<string, unknown> } | undefined)?.variables;
  const version = variables?.arm_version;
  return version === undefined ? undefined : String(version);
}
