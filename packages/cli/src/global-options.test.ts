import { InvalidPlatformError, UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { resolveGlobalOptions } from "./global-options.js";

describe("resolveGlobalOptions", () => {
  it("defaults: nothing selected, no credentials, text output", () => {
    expect(resolveGlobalOptions({})).toEqual({
      platforms: undefined,
      insecure: false,
      plainHttp: false,
      caFiles: [],
      http2: true,
      username: undefined,
      passwordStdin: false,
      concurrency: undefined,
      json: false,
      quiet: false,
      debug: false,
      help: false,
      version: false,
    });
  });

  it.each([
    [["linux/amd64"], [{ os: "linux", architecture: "amd64" }]],
    [
      ["linux/amd64,linux/arm64/v8"],
      [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64", variant: "v8" },
      ],
    ],
    [
      ["linux/amd64", " linux/arm/v7 "],
      [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm", variant: "v7" },
      ],
    ],
    [
      ["windows/amd64:10.0.20348.1"],
      [{ os: "windows", architecture: "amd64", "os.version": "10.0.20348.1" }],
    ],
    [["all"], "all"],
    [["ALL"], "all"],
  ])("--platform %j", (values, expected) => {
    expect(resolveGlobalOptions({ platform: values }).platforms).toEqual(expected);
  });

  it.each([["linux"], ["linux/"], ["linux/amd64/v8/extra"], [""], ["linux/amd 64"]])(
    "--platform %j is an InvalidPlatformError",
    (value) => {
      expect(() => resolveGlobalOptions({ platform: [value] })).toThrow(InvalidPlatformError);
    },
  );

  it("--platform all with others is a UsageError", () => {
    expect(() => resolveGlobalOptions({ platform: ["all", "linux/amd64"] })).toThrow(UsageError);
  });

  it.each([
    ["1", 1],
    ["256", 256],
    ["08", 8],
  ])("--concurrency %s", (value, expected) => {
    expect(resolveGlobalOptions({ concurrency: value }).concurrency).toBe(expected);
  });

  it.each([["0"], ["257"], ["-1"], ["1.5"], ["4x"], [""], ["99999"]])(
    "--concurrency %j is refused",
    (value) => {
      expect(() => resolveGlobalOptions({ concurrency: value })).toThrow(
        /--concurrency .* is not a whole number/,
      );
    },
  );

  it("-u and --password-stdin go together", () => {
    expect(resolveGlobalOptions({ username: "alice", "password-stdin": true })).toMatchObject({
      username: "alice",
      passwordStdin: true,
    });
    expect(() => resolveGlobalOptions({ username: "alice" })).toThrow(/needs --password-stdin/);
    expect(() => resolveGlobalOptions({ "password-stdin": true })).toThrow(/needs -u\/--username/);
    expect(() => resolveGlobalOptions({ username: " ", "password-stdin": true })).toThrow(/is empty/);
  });

  it("repeated --ca-file values are all kept", () => {
    expect(resolveGlobalOptions({ "ca-file": ["a.pem", "b.pem"] }).caFiles).toEqual(["a.pem", "b.pem"]);
  });
});
