import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPlatform, InvalidPlatformError, type Platform, parsePlatform } from "./index.js";

describe("parsePlatform", () => {
  it.each<[string, Platform]>([
    ["linux/amd64", { architecture: "amd64", os: "linux" }],
    ["linux/arm/v7", { architecture: "arm", os: "linux", variant: "v7" }],
    ["linux/arm64/v8", { architecture: "arm64", os: "linux", variant: "v8" }],
    ["linux/arm64/v8.2", { architecture: "arm64", os: "linux", variant: "v8.2" }],
    ["linux/amd64/v3", { architecture: "amd64", os: "linux", variant: "v3" }],
    ["darwin/arm64", { architecture: "arm64", os: "darwin" }],
    ["linux/ppc64le", { architecture: "ppc64le", os: "linux" }],
    [
      "windows/amd64:10.0.20348.1249",
      { architecture: "amd64", os: "windows", "os.version": "10.0.20348.1249" },
    ],
    [
      "windows/arm64/v8:10.0.17763",
      { architecture: "arm64", os: "windows", variant: "v8", "os.version": "10.0.17763" },
    ],
    ["Linux/X86_64", { architecture: "X86_64", os: "Linux" }],
    ["linux/x86-64", { architecture: "x86-64", os: "linux" }],
  ])("%s", (input, expected) => {
    expect(parsePlatform(input)).toStrictEqual(expected);
    expect(formatPlatform(parsePlatform(input))).toBe(input);
  });

  it.each([
    ["", "platform is empty"],
    ["all", '"all" selects every platform and is not a platform itself'],
    ["ALL", "is not a platform itself"],
    ["linux", "missing architecture; expected os/architecture[/variant][:os.version]"],
    ["amd64", "missing architecture"],
    ["linux/", "architecture is empty"],
    ["/amd64", "os is empty"],
    ["linux//v7", "architecture is empty"],
    ["linux/arm/", "variant is empty"],
    ["linux/arm/v7/extra", "too many '/'"],
    ["linux/amd64:", "os.version after ':' is empty"],
    ["windows/amd64:10.0:1", 'os.version "10.0:1" may contain only'],
    ["linux/am d64", 'architecture "am d64" may contain only'],
    ["linux/*", 'architecture "*" may contain only'],
    ["lin|ux/amd64", 'os "lin|ux" may contain only'],
    ["linux\\amd64", "missing architecture"],
  ])("rejects %j: %s", (input, message) => {
    let caught: unknown;
    try {
      parsePlatform(input);
    } catch (error) {
      caught = error;
    }
    expect(InvalidPlatformError.isInstance(caught)).toBe(true);
    expect((caught as InvalidPlatformError).code).toBe("STEVEDORE_INVALID_PLATFORM");
    expect((caught as Error).message).toContain(message);
  });

  it("rejects values that are not strings with a typed error", () => {
    expect(() => parsePlatform(null as unknown as string)).toThrow(InvalidPlatformError);
    expect(() => parsePlatform(Object.create(null) as string)).toThrow(InvalidPlatformError);
  });

  it("gives a Platform or an InvalidPlatformError for any string, and formats it back as written", () => {
    const word = fc.oneof(
      fc.constantFrom("linux", "amd64", "arm", "v7", "10.0.17763", "all", "", " ", "*", "a:b"),
      fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}$/),
    );
    const platformish = fc
      .tuple(word, fc.constantFrom("/", "//", ""), word, fc.option(word), fc.option(word))
      .map(([os, slash, architecture, variant, version]) => {
        const base = `${os}${slash}${architecture}${variant === null ? "" : `/${variant}`}`;
        return version === null ? base : `${base}:${version}`;
      });
    let valid = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), platformish), (input) => {
        let platform: Platform;
        try {
          platform = parsePlatform(input);
        } catch (error) {
          if (!InvalidPlatformError.isInstance(error)) throw error;
          expect(error.message).not.toContain("\n");
          return;
        }
        valid++;
        expect(formatPlatform(platform)).toBe(input);
        expect(parsePlatform(formatPlatform(platform))).toStrictEqual(platform);
      }),
      { numRuns: 2000 },
    );
    expect(valid).toBeGreaterThan(100);
  });
});

describe("formatPlatform", () => {
  it("writes os/architecture[/variant][:os.version]", () => {
    expect(formatPlatform({ os: "linux", architecture: "arm", variant: "v6" })).toBe("linux/arm/v6");
    expect(formatPlatform({ os: "windows", architecture: "amd64", "os.version": "10.0.1" })).toBe(
      "windows/amd64:10.0.1",
    );
    expect(formatPlatform({ os: "linux", architecture: "amd64", variant: "" })).toBe("linux/amd64");
  });
});
