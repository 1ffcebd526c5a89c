import { describe, expect, it } from "vitest";
import {
  checkImagePlatform,
  type Descriptor,
  defaultPlatforms,
  formatPlatform,
  type HostPlatformOptions,
  type ImageConfig,
  type ImageIndex,
  MediaType,
  NotFoundError,
  parsePlatform,
  selectPlatformEntry,
} from "./index.js";

function indexOf(...names: string[]): ImageIndex {
  const manifests: Descriptor[] = names.map((name, position) => ({
    mediaType: MediaType.OciManifest,
    digest: `sha256:${String(position + 1).repeat(64)}`,
    size: 500,
    platform: parsePlatform(name),
  }));
  return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
}

const macArm: HostPlatformOptions = { platform: "darwin", arch: "arm64" };
const windows: HostPlatformOptions = { platform: "win32", arch: "x64" };
const linux: HostPlatformOptions = { platform: "linux", arch: "x64" };

describe("defaultPlatforms", () => {
  it.each<[HostPlatformOptions, string[]]>([
    [linux, ["linux/amd64"]],
    [macArm, ["linux/arm64"]],
    [{ platform: "darwin", arch: "x64" }, ["linux/amd64"]],
    [windows, ["windows/amd64", "linux/amd64"]],
    [{ platform: "win32", arch: "arm64" }, ["windows/arm64", "linux/arm64"]],
    [{ platform: "freebsd", arch: "x64" }, ["linux/amd64"]],
    [{ platform: "linux", arch: "arm", armVersion: "6" }, ["linux/arm/v6"]],
  ])("on Node's %j is %j", (host, expected) => {
    expect(defaultPlatforms(host).map(formatPlatform)).toStrictEqual(expected);
  });
});

describe("selectPlatformEntry", () => {
  it("picks linux/<this CPU> on macOS, where darwin/arm64 matches no image", () => {
    const index = indexOf("linux/amd64", "linux/arm64");
    expect(formatPlatform(selectPlatformEntry(index, undefined, macArm).platform!)).toBe("linux/arm64");
  });

  it("on Windows prefers the windows image when the index has one, else the linux one", () => {
    const both = indexOf("linux/amd64", "windows/amd64");
    expect(formatPlatform(selectPlatformEntry(both, undefined, windows).platform!)).toBe("windows/amd64");
    const linuxOnly = indexOf("linux/arm64", "linux/amd64");
    expect(formatPlatform(selectPlatformEntry(linuxOnly, undefined, windows).platform!)).toBe("linux/amd64");
  });

  it("takes an explicit platform over the default", () => {
    const index = indexOf("linux/amd64", "linux/arm64");
    const entry = selectPlatformEntry(index, parsePlatform("linux/amd64"), macArm);
    expect(formatPlatform(entry.platform!)).toBe("linux/amd64");
  });

  it("names the default it looked for and what the index has when nothing matches", () => {
    const index = indexOf("linux/s390x", "linux/ppc64le");
    expect(() => selectPlatformEntry(index, undefined, windows)).toThrow(NotFoundError);
    expect(() => selectPlatformEntry(index, undefined, windows)).toThrow(
      "no manifest for platform windows/amd64 in the index; available: linux/s390x, linux/ppc64le",
    );
  });
});

describe("checkImagePlatform", () => {
  const config: ImageConfig = {
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [] },
  };

  it("accepts a matching or compatible platform", () => {
    expect(() => checkImagePlatform("app:v1", config, [parsePlatform("linux/amd64")])).not.toThrow();
    expect(() =>
      checkImagePlatform("app:v1", { ...config, architecture: "386" }, [parsePlatform("linux/amd64")]),
    ).not.toThrow();
  });

  it("refuses another platform, naming both", () => {
    expect(() => checkImagePlatform("app:v1", config, [parsePlatform("linux/arm64")])).toThrow(
      new NotFoundError("app:v1 is a single-platform image for linux/amd64, not linux/arm64"),
    );
  });
});
