import { InvalidReferenceError, StevedoreError, UsageError } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseLocalLocation, parseLocation } from "./parse-location.js";
import { parseRegistry } from "./parse-registry.js";

const digest = `sha256:${"a".repeat(64)}`;

describe("parseLocation", () => {
  it.each([
    ["oci:./alpine", { kind: "oci", path: "./alpine" }],
    ["oci:./alpine:3.20", { kind: "oci", path: "./alpine", tag: "3.20" }],
    ["oci:/tmp/images/app:v1.2-rc", { kind: "oci", path: "/tmp/images/app", tag: "v1.2-rc" }],
    ["oci-layout:dir:latest", { kind: "oci", path: "dir", tag: "latest" }],
    ["OCI:dir", { kind: "oci", path: "dir" }],
    ["docker-archive:nginx.tar", { kind: "docker-archive", path: "nginx.tar" }],
    [
      "docker-archive:nginx.tar:nginx:latest",
      { kind: "docker-archive", path: "nginx.tar", tag: "nginx:latest" },
    ],
    ["docker-archive:images.tar:@1", { kind: "docker-archive", path: "images.tar", tag: "@1" }],
    ["oci-archive:app.tar", { kind: "oci-archive", path: "app.tar" }],
    ["oci-archive:app.tar:v1", { kind: "oci-archive", path: "app.tar", tag: "v1" }],
    ["oci-archive:app.tar:alpine:3.20", { kind: "oci-archive", path: "app.tar", tag: "alpine:3.20" }],
  ])("%s is a local location", (input, expected) => {
    expect(parseLocation(input)).toEqual(expected);
  });

  it.each([
    ["alpine", { registry: "docker.io", repository: "library/alpine" }],
    ["alpine:3.20", { registry: "docker.io", repository: "library/alpine", tag: "3.20" }],
    ["docker://alpine:3.20", { registry: "docker.io", repository: "library/alpine", tag: "3.20" }],
    ["docker://ghcr.io/org/app", { registry: "ghcr.io", repository: "org/app" }],
    ["localhost:5000/x", { registry: "localhost:5000", repository: "x" }],
    ["localhost:5000/team/app:v1", { registry: "localhost:5000", repository: "team/app", tag: "v1" }],
    ["127.0.0.1:5000/app", { registry: "127.0.0.1:5000", repository: "app" }],
    ["registry:443/app", { registry: "registry:443", repository: "app" }],
    [`localhost:5000/app@${digest}`, { registry: "localhost:5000", repository: "app", digest }],
    ["ubuntu:24.04", { registry: "docker.io", repository: "library/ubuntu", tag: "24.04" }],
    // An image that shares its name with a transport of another tool, written unambiguously.
    ["docker://dir:1", { registry: "docker.io", repository: "library/dir", tag: "1" }],
  ])("%s is a registry reference", (input, reference) => {
    expect(parseLocation(input)).toEqual({ kind: "registry", reference });
  });

  it.each([
    ["ftp:x", /unknown transport "ftp"/],
    ["http://registry.example/app", /unknown transport "http"/],
    ["s3://bucket/image", /unknown transport "s3"/],
    ["containers-storage:alpine", /unknown transport "containers-storage"/],
    ["dir:/tmp/x", /unknown transport "dir"/],
    ["oci:", /path is empty/],
    ["oci::v1", /path is empty/],
    ["oci:dir:", /tag after ":" is empty/],
    ["docker-archive:", /path is empty/],
    ["docker:alpine", /docker:\/\/REFERENCE/],
    ["", /cannot be empty/],
    ["   ", /cannot be empty/],
  ])("%s is a UsageError", (input, message) => {
    const attempt = (): unknown => parseLocation(input);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
  });

  it.each(["Alpine", "docker://", "team/App:v1", "localhost:5000/app:bad tag", "/tmp/images/app", "./app"])(
    "%s is an InvalidReferenceError",
    (input) => {
      expect(() => parseLocation(input)).toThrow(InvalidReferenceError);
    },
  );

  it("tells how to name a local directory when a path is given as a reference", () => {
    expect(() => parseLocation("./alpine")).toThrow(/oci:\.\/alpine/);
  });

  it("names the whole location in reference errors", () => {
    expect(() => parseLocation("docker://Team/App")).toThrow(
      /^invalid reference "docker:\/\/Team\/App": .*lower-case/,
    );
  });

  it("refuses non-strings with a UsageError", () => {
    expect(() => parseLocation(42 as unknown as string)).toThrow(UsageError);
  });

  it("gives a location or a typed error for any string", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (input) => {
        try {
          const location = parseLocation(input);
          expect(["registry", "oci", "docker-archive"]).toContain(location.kind);
        } catch (error) {
          expect(StevedoreError.isInstance(error)).toBe(true);
        }
      }),
    );
  });
});

describe("parseLocalLocation", () => {
  it.each([
    ["./alpine", { kind: "oci", path: "./alpine" }],
    ["/tmp/x", { kind: "oci", path: "/tmp/x" }],
    ["alpine", { kind: "oci", path: "alpine" }],
    ["oci:dir:v1", { kind: "oci", path: "dir", tag: "v1" }],
    ["docker-archive:a.tar", { kind: "docker-archive", path: "a.tar" }],
  ])("%s", (input, expected) => {
    expect(parseLocalLocation(input)).toEqual(expected);
  });

  it.each(["dir:/tmp/x", "ftp:x", "https://example.com/image.tar"])("%s is a UsageError", (input) => {
    expect(() => parseLocalLocation(input)).toThrow(/unknown transport/);
  });

  it("still reads docker:// as a registry", () => {
    expect(parseLocalLocation("docker://alpine").kind).toBe("registry");
  });
});

describe("parseRegistry", () => {
  it.each([
    ["localhost:5000", { name: "localhost:5000", host: "localhost:5000" }],
    ["127.0.0.1:5000", { name: "127.0.0.1:5000", host: "127.0.0.1:5000" }],
    ["GHCR.io", { name: "ghcr.io", host: "ghcr.io" }],
    ["docker.io", { name: "docker.io", host: "registry-1.docker.io" }],
    ["https://index.docker.io/v1/", { name: "docker.io", host: "registry-1.docker.io" }],
    ["[::1]:5000", { name: "[::1]:5000", host: "[::1]:5000" }],
  ])("%s", (input, expected) => {
    expect(parseRegistry(input)).toEqual(expected);
  });

  it.each(["", "localhost:5000/team", "host:99999", "bad host", "-x.example"])(
    "%s is a UsageError",
    (input) => {
      expect(() => parseRegistry(input)).toThrow(UsageError);
    },
  );
});
