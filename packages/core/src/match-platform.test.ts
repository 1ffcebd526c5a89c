import { describe, expect, it } from "vitest";
import {
  formatPlatform,
  matchPlatform,
  normalizePlatform,
  type Platform,
  parsePlatform,
  platformPreference,
} from "./index.js";

const p = (text: string): Platform => parsePlatform(text);

describe("normalizePlatform", () => {
  it.each([
    ["linux/amd64", "linux/amd64"],
    ["Linux/AMD64", "linux/amd64"],
    ["linux/x86_64", "linux/amd64"],
    ["linux/x86-64", "linux/amd64"],
    ["linux/amd64/v1", "linux/amd64"],
    ["linux/amd64/v3", "linux/amd64/v3"],
    ["linux/i386", "linux/386"],
    ["linux/aarch64", "linux/arm64"],
    ["linux/arm64/v8", "linux/arm64"],
    ["linux/arm64/8", "linux/arm64"],
    ["linux/arm64/v8.0", "linux/arm64"],
    ["linux/arm64/v8.2", "linux/arm64/v8.2"],
    ["linux/arm64/9", "linux/arm64/v9"],
    ["linux/armhf", "linux/arm/v7"],
    ["linux/armel", "linux/arm/v6"],
    ["linux/arm", "linux/arm/v7"],
    ["linux/arm/7", "linux/arm/v7"],
    ["linux/arm/5", "linux/arm/v5"],
    ["linux/arm/V6", "linux/arm/v6"],
    ["macos/arm64", "darwin/arm64"],
    ["MacOS/aarch64/v8", "darwin/arm64"],
    ["windows/amd64:10.0.20348.1249", "windows/amd64:10.0.20348.1249"],
    ["linux/riscv64", "linux/riscv64"],
  ])("%s → %s", (input, expected) => {
    expect(formatPlatform(normalizePlatform(p(input)))).toBe(expected);
  });

  it("keeps os.features and features, copied", () => {
    const platform: Platform = {
      os: "windows",
      architecture: "amd64",
      "os.features": ["win32k"],
      features: ["sse4"],
    };
    const normalized = normalizePlatform(platform);
    expect(normalized).toStrictEqual(platform);
    expect(normalized["os.features"]).not.toBe(platform["os.features"]);
  });
});

describe("matchPlatform", () => {
  it.each<[string, string, boolean, boolean]>([
    // want, have, non-strict result, strict result
    ["linux/amd64", "linux/amd64", true, true],
    ["linux/arm64", "linux/arm64/v8", true, true],
    ["linux/arm64/v8", "linux/arm64", true, true],
    ["linux/aarch64", "linux/arm64/v8", true, true],
    ["linux/arm", "linux/arm/v7", true, true],
    ["linux/arm/v7", "linux/arm", true, true],
    ["linux/armhf", "linux/arm/v7", true, true],
    ["linux/x86_64", "linux/amd64", true, true],
    ["Linux/AMD64", "linux/amd64", true, true],
    ["linux/amd64", "linux/386", true, false],
    ["linux/amd64/v3", "linux/amd64/v2", true, false],
    ["linux/amd64/v3", "linux/amd64", true, false],
    ["linux/amd64/v2", "linux/amd64/v3", false, false],
    ["linux/386", "linux/amd64", false, false],
    ["linux/arm/v7", "linux/arm/v6", true, false],
    ["linux/arm/v7", "linux/arm/v5", true, false],
    ["linux/arm/v6", "linux/arm/v7", false, false],
    ["linux/arm64", "linux/arm/v7", true, false],
    ["linux/arm64/v8.2", "linux/arm64", true, false],
    ["linux/arm64", "linux/arm64/v8.2", false, false],
    ["linux/arm64/v9", "linux/arm64/v8.5", true, false],
    ["linux/amd64", "linux/arm64", false, false],
    ["linux/amd64", "windows/amd64", false, false],
    ["windows/amd64", "windows/amd64:10.0.20348.1249", true, true],
    ["windows/amd64:10.0.20348.2000", "windows/amd64:10.0.20348.1249", true, true],
    ["windows/amd64:10.0.17763.1", "windows/amd64:10.0.20348.1249", false, false],
    ["linux/amd64:5.10", "linux/amd64:6.1", true, true],
  ])("want %s, have %s → %s (strict %s)", (want, have, loose, strict) => {
    expect(matchPlatform(p(want), p(have))).toBe(loose);
    expect(matchPlatform(p(want), p(have), { strict: true })).toBe(strict);
  });

  it("takes a candidate with os.features only when the wanted features include them", () => {
    const have: Platform = { os: "windows", architecture: "amd64", "os.features": ["win32k"] };
    expect(matchPlatform(p("windows/amd64"), have)).toBe(true);
    expect(matchPlatform({ ...p("windows/amd64"), "os.features": ["win32k", "x"] }, have)).toBe(true);
    expect(matchPlatform({ ...p("windows/amd64"), "os.features": [] }, have)).toBe(false);
  });
});

describe("platformPreference", () => {
  it.each([
    ["linux/amd64", ["linux/amd64", "linux/386"]],
    ["linux/amd64/v3", ["linux/amd64/v3", "linux/amd64/v2", "linux/amd64", "linux/386"]],
    ["linux/arm/v8", ["linux/arm/v8", "linux/arm/v7", "linux/arm/v6", "linux/arm/v5"]],
    ["linux/arm", ["linux/arm/v7", "linux/arm/v6", "linux/arm/v5"]],
    ["linux/arm/v5", ["linux/arm/v5"]],
    ["linux/arm64", ["linux/arm64", "linux/arm/v8", "linux/arm/v7", "linux/arm/v6", "linux/arm/v5"]],
    [
      "linux/arm64/v8.2",
      [
        "linux/arm64/v8.2",
        "linux/arm64/v8.1",
        "linux/arm64",
        "linux/arm/v8",
        "linux/arm/v7",
        "linux/arm/v6",
        "linux/arm/v5",
      ],
    ],
    [
      "linux/arm64/v9.1",
      [
        "linux/arm64/v9.1",
        "linux/arm64/v9",
        "linux/arm64/v8.6",
        "linux/arm64/v8.5",
        "linux/arm64/v8.4",
        "linux/arm64/v8.3",
        "linux/arm64/v8.2",
        "linux/arm64/v8.1",
        "linux/arm64",
        "linux/arm/v8",
        "linux/arm/v7",
        "linux/arm/v6",
        "linux/arm/v5",
      ],
    ],
    ["linux/riscv64", ["linux/riscv64"]],
    [
      "linux/amd64/v999999999",
      [
        "linux/amd64/v999999999",
        "linux/amd64/v4",
        "linux/amd64/v3",
        "linux/amd64/v2",
        "linux/amd64",
        "linux/386",
      ],
    ],
    [
      "linux/arm/v999999999",
      ["linux/arm/v999999999", "linux/arm/v8", "linux/arm/v7", "linux/arm/v6", "linux/arm/v5"],
    ],
    ["linux/arm64/v10", ["linux/arm64/v10"]],
    ["windows/amd64:10.0.20348.1", ["windows/amd64:10.0.20348.1", "windows/386:10.0.20348.1"]],
  ])("%s", (want, expected) => {
    expect(platformPreference(p(want)).map(formatPlatform)).toStrictEqual(expected);
  });
});
