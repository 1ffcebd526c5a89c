import { describe, expect, it } from "vitest";
import { formatPlatform, type HostPlatformOptions, hostPlatform, parsePlatform } from "./index.js";

describe("hostPlatform", () => {
  it.each<[HostPlatformOptions, string]>([
    [{ platform: "linux", arch: "x64" }, "linux/amd64"],
    [{ platform: "win32", arch: "x64" }, "windows/amd64"],
    [{ platform: "darwin", arch: "arm64" }, "darwin/arm64"],
    [{ platform: "linux", arch: "arm64" }, "linux/arm64"],
    [{ platform: "linux", arch: "ia32" }, "linux/386"],
    [{ platform: "linux", arch: "arm", armVersion: "7" }, "linux/arm/v7"],
    [{ platform: "linux", arch: "arm", armVersion: "6" }, "linux/arm/v6"],
    [{ platform: "linux", arch: "arm", armVersion: "" }, "linux/arm/v7"],
    [{ platform: "linux", arch: "ppc64", littleEndian: true }, "linux/ppc64le"],
    [{ platform: "aix", arch: "ppc64", littleEndian: false }, "aix/ppc64"],
    [{ platform: "linux", arch: "s390x" }, "linux/s390x"],
    [{ platform: "linux", arch: "riscv64" }, "linux/riscv64"],
    [{ platform: "linux", arch: "mipsel" }, "linux/mipsle"],
    [{ platform: "linux", arch: "loong64" }, "linux/loong64"],
    [{ platform: "freebsd", arch: "x64" }, "freebsd/amd64"],
    [{ platform: "sunos", arch: "x64" }, "solaris/amd64"],
  ])("maps Node's %j to %s", (options, expected) => {
    expect(formatPlatform(hostPlatform(options))).toBe(expected);
  });

  it("describes this machine in GOOS/GOARCH terms", () => {
    const platform = hostPlatform();
    expect(parsePlatform(formatPlatform(platform))).toStrictEqual(platform);
    expect(["x64", "ia32", "win32"]).not.toContain(platform.architecture);
    expect(platform.os).not.toBe("win32");
    expect(platform.os).toBe(process.platform === "win32" ? "windows" : process.platform);
  });
});
