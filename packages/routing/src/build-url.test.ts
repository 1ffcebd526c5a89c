import { InvalidDigestError, InvalidReferenceError, UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { buildUrl } from "./build-url.js";
import type { RouteName, RouteParams } from "./routes.js";

const digest = `sha256:${"ab".repeat(32)}`;
const base = "https://registry.example:5000";

describe("buildUrl", () => {
  it.each<[RouteName, RouteParams, string]>([
    ["ping", {}, "/v2/"],
    ["catalog", {}, "/v2/_catalog"],
    ["catalog", { n: 100, last: "team/app" }, "/v2/_catalog?n=100&last=team%2Fapp"],
    ["manifest-get", { name: "library/alpine", reference: "3.20" }, "/v2/library/alpine/manifests/3.20"],
    ["manifest-head", { name: "a/b/c", reference: digest }, `/v2/a/b/c/manifests/${digest}`],
    ["manifest-put", { name: "team/app", reference: "v1" }, "/v2/team/app/manifests/v1"],
    ["manifest-delete", { name: "team/app", reference: digest }, `/v2/team/app/manifests/${digest}`],
    ["blob-get", { name: "team/app", digest }, `/v2/team/app/blobs/${digest}`],
    ["blob-head", { name: "team/app", digest }, `/v2/team/app/blobs/${digest}`],
    ["blob-delete", { name: "team/app", digest }, `/v2/team/app/blobs/${digest}`],
    ["upload-start", { name: "team/app" }, "/v2/team/app/blobs/uploads/"],
    [
      "upload-single",
      { name: "team/app", digest },
      `/v2/team/app/blobs/uploads/?digest=sha256%3A${"ab".repeat(32)}`,
    ],
    [
      "upload-mount",
      { name: "team/app", mount: digest, from: "team/base" },
      `/v2/team/app/blobs/uploads/?mount=sha256%3A${"ab".repeat(32)}&from=team%2Fbase`,
    ],
    [
      "upload-mount",
      { name: "team/app", mount: digest },
      `/v2/team/app/blobs/uploads/?mount=sha256%3A${"ab".repeat(32)}`,
    ],
    ["upload-chunk", { name: "team/app", session: "0b1c-2d" }, "/v2/team/app/blobs/uploads/0b1c-2d"],
    [
      "upload-complete",
      { name: "team/app", session: "0b1c-2d", digest },
      `/v2/team/app/blobs/uploads/0b1c-2d?digest=sha256%3A${"ab".repeat(32)}`,
    ],
    ["upload-status", { name: "team/app", session: "0b1c-2d" }, "/v2/team/app/blobs/uploads/0b1c-2d"],
    ["upload-cancel", { name: "team/app", session: "0b1c-2d" }, "/v2/team/app/blobs/uploads/0b1c-2d"],
    ["tags-list", { name: "team/app" }, "/v2/team/app/tags/list"],
    ["tags-list", { name: "team/app", n: 0 }, "/v2/team/app/tags/list?n=0"],
    ["tags-list", { name: "team/app", n: 2, last: "b" }, "/v2/team/app/tags/list?n=2&last=b"],
    ["referrers", { name: "team/app", digest }, `/v2/team/app/referrers/${digest}`],
    [
      "referrers",
      { name: "team/app", digest, artifactType: "application/vnd.example.sbom.v1+json" },
      `/v2/team/app/referrers/${digest}?artifactType=application%2Fvnd.example.sbom.v1%2Bjson`,
    ],
  ])("%s %j → %s", (route, params, path) => {
    expect(buildUrl(base, route, params).href).toBe(`${base}${path}`);
  });

  it("keeps a path prefix and ignores a trailing slash on the base", () => {
    const params = { name: "team/app", reference: "v1" };
    for (const root of [
      "https://proxy.example/mirror",
      "https://proxy.example/mirror/",
      "https://proxy.example/mirror//",
    ]) {
      expect(buildUrl(root, "manifest-get", params).href).toBe(
        "https://proxy.example/mirror/v2/team/app/manifests/v1",
      );
    }
    expect(buildUrl("http://127.0.0.1:5000/", "ping", {}).href).toBe("http://127.0.0.1:5000/v2/");
    expect(buildUrl(new URL("https://[::1]:5000"), "ping", {}).href).toBe("https://[::1]:5000/v2/");
  });

  it("does not change a URL passed as base", () => {
    const root = new URL("https://registry.example/prefix");
    buildUrl(root, "tags-list", { name: "a", n: 1 });
    expect(root.href).toBe("https://registry.example/prefix");
  });

  it("encodes a '+' in a digest's algorithm so the registry does not read a space", () => {
    const odd = "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564";
    const url = buildUrl(base, "upload-single", { name: "a", digest: odd });
    expect(url.search).toBe("?digest=sha256%2Bb64u%3ALCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564");
    expect(url.searchParams.get("digest")).toBe(odd);
  });

  it("ignores params the route does not use", () => {
    expect(buildUrl(base, "upload-start", { name: "a", digest, n: 5, reference: "x" }).href).toBe(
      `${base}/v2/a/blobs/uploads/`,
    );
  });

  it.each<[RouteName, RouteParams, unknown]>([
    ["manifest-get", { name: "Team/App", reference: "v1" }, InvalidReferenceError],
    ["manifest-get", { name: "a/../../admin", reference: "v1" }, InvalidReferenceError],
    ["manifest-get", { name: "a", reference: "../x" }, InvalidReferenceError],
    ["manifest-get", { name: "a", reference: "v1?x=1" }, InvalidReferenceError],
    ["manifest-get", { name: "a", reference: "sha256:abc" }, InvalidDigestError],
    ["blob-get", { name: "a", digest: "v1" }, InvalidDigestError],
    ["upload-single", { name: "a", digest: "sha256:xyz" }, InvalidDigestError],
    ["upload-mount", { name: "a", mount: digest, from: "../b" }, InvalidReferenceError],
    ["tags-list", { name: "a", last: "a b" }, InvalidReferenceError],
    ["catalog", { last: "Not/A/Name" }, InvalidReferenceError],
    ["tags-list", { name: "a", n: -1 }, UsageError],
    ["referrers", { name: "a", digest, artifactType: "not a type" }, UsageError],
    ["upload-chunk", { name: "a", session: ".." }, UsageError],
    ["manifest-get", { name: "a" }, UsageError],
    ["blob-get", { digest }, UsageError],
    ["upload-complete", { name: "a", session: "s" }, UsageError],
    ["upload-mount", { name: "a" }, UsageError],
    ["no-such-route" as RouteName, {}, UsageError],
  ])("%s %j throws %o", (route, params, errorClass) => {
    expect(() => buildUrl(base, route, params)).toThrow(errorClass as typeof Error);
  });

  it.each([
    ["not a url", "invalid registry base URL"],
    ["ftp://registry.example", "must use https: or http:"],
    ["https://registry.example?x=1", "must not carry a query"],
    ["https://registry.example/#top", "must not carry a query or fragment"],
    ["https://registry.example/v2/", "without /v2"],
    ["https://registry.example/v2", "without /v2"],
  ])("refuses the base %j", (root, message) => {
    expect(() => buildUrl(root, "ping", {})).toThrow(UsageError);
    expect(() => buildUrl(root, "ping", {})).toThrow(message);
  });

  it("refuses a base with credentials without repeating them", () => {
    let caught: unknown;
    try {
      buildUrl("https://user:hunter2@registry.example", "ping", {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect(String((caught as Error).message)).toContain("user info");
    expect(JSON.stringify(caught)).not.toContain("hunter2");
    expect(String((caught as Error).message)).not.toContain("hunter2");
  });
});
