import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildUrl } from "./build-url.js";
import { matchRoute } from "./match-route.js";
import type { RouteName, RouteParams } from "./routes.js";
import { routeNames, routes } from "./routes.js";
import { paramsFor } from "./test-support/arbitraries.js";

const digest = `sha256:${"c".repeat(64)}`;

function matched(method: string, target: string | URL): [RouteName, RouteParams] | undefined {
  const match = matchRoute(method, target);
  return match && [match.route.name, match.params];
}

describe("matchRoute", () => {
  it.each<[string, string, RouteName, RouteParams]>([
    ["GET", "/v2/", "ping", {}],
    ["GET", "/v2", "ping", {}],
    ["GET", "/v2/_catalog?n=10&last=a%2Fb", "catalog", { n: 10, last: "a/b" }],
    ["GET", "/v2/a/b/c/manifests/latest", "manifest-get", { name: "a/b/c", reference: "latest" }],
    ["HEAD", `/v2/a/manifests/${digest}`, "manifest-head", { name: "a", reference: digest }],
    ["PUT", "/v2/a/manifests/v1", "manifest-put", { name: "a", reference: "v1" }],
    ["DELETE", "/v2/a/manifests/v1", "manifest-delete", { name: "a", reference: "v1" }],
    ["GET", `/v2/a/blobs/${digest}`, "blob-get", { name: "a", digest }],
    ["HEAD", `/v2/a/blobs/${digest}`, "blob-head", { name: "a", digest }],
    ["DELETE", `/v2/a/blobs/${digest}`, "blob-delete", { name: "a", digest }],
    ["POST", "/v2/a/blobs/uploads/", "upload-start", { name: "a" }],
    ["POST", "/v2/a/blobs/uploads", "upload-start", { name: "a" }],
    ["POST", `/v2/a/blobs/uploads/?digest=${digest}`, "upload-single", { name: "a", digest }],
    [
      "POST",
      `/v2/a/blobs/uploads/?mount=${digest}&from=b/c`,
      "upload-mount",
      { name: "a", mount: digest, from: "b/c" },
    ],
    ["POST", `/v2/a/blobs/uploads/?mount=${digest}`, "upload-mount", { name: "a", mount: digest }],
    // A mount wins over a digest; empty values count as absent.
    [
      "POST",
      `/v2/a/blobs/uploads/?digest=${digest}&mount=${digest}`,
      "upload-mount",
      { name: "a", mount: digest },
    ],
    ["POST", "/v2/a/blobs/uploads/?mount=&from=b", "upload-start", { name: "a" }],
    ["POST", "/v2/a/blobs/uploads/?digest=", "upload-start", { name: "a" }],
    ["PATCH", "/v2/a/blobs/uploads/0b1c-2d?_state=xyz", "upload-chunk", { name: "a", session: "0b1c-2d" }],
    [
      "PUT",
      `/v2/a/blobs/uploads/s1?_state=x&digest=${digest}`,
      "upload-complete",
      { name: "a", session: "s1", digest },
    ],
    // The handler answers 400 DIGEST_INVALID for these: the route still matches.
    ["PUT", "/v2/a/blobs/uploads/s1", "upload-complete", { name: "a", session: "s1" }],
    [
      "PUT",
      "/v2/a/blobs/uploads/s1?digest=junk",
      "upload-complete",
      { name: "a", session: "s1", digest: "junk" },
    ],
    ["GET", `/v2/a/blobs/uploads/s1?digest=${digest}`, "upload-status", { name: "a", session: "s1" }],
    ["DELETE", "/v2/a/blobs/uploads/s1", "upload-cancel", { name: "a", session: "s1" }],
    ["GET", "/v2/a/tags/list", "tags-list", { name: "a" }],
    ["GET", "/v2/a/tags/list?n=2&last=b", "tags-list", { name: "a", n: 2, last: "b" }],
    ["GET", "/v2/a/tags/list?n=-1", "tags-list", { name: "a", n: Number.NaN }],
    ["GET", "/v2/a/tags/list?n=ten", "tags-list", { name: "a", n: Number.NaN }],
    ["GET", `/v2/a/referrers/${digest}`, "referrers", { name: "a", digest }],
    [
      "GET",
      `/v2/a/referrers/${digest}?artifactType=application%2Fspdx%2Bjson`,
      "referrers",
      { name: "a", digest, artifactType: "application/spdx+json" },
    ],
    // The handler checks the algorithm's encoding and answers 400 (§7.1).
    ["GET", "/v2/a/referrers/sha256:short", "referrers", { name: "a", digest: "sha256:short" }],
    // Percent-encoded values are decoded.
    ["GET", "/v2/a/manifests/sha256%3A" + "c".repeat(64), "manifest-get", { name: "a", reference: digest }],
    // The absolute form of a request target, and URL objects.
    ["GET", "http://registry.example/v2/a/tags/list", "tags-list", { name: "a" }],
  ])("%s %s → %s %j", (method, target, route, params) => {
    expect(matched(method, target)).toEqual([route, params]);
  });

  describe("reads names whose components are words of the API paths from the right", () => {
    it.each<[string, string, RouteName, RouteParams]>([
      ["GET", "/v2/manifests/manifests/latest", "manifest-get", { name: "manifests", reference: "latest" }],
      [
        "GET",
        "/v2/a/manifests/manifests/manifests",
        "manifest-get",
        { name: "a/manifests", reference: "manifests" },
      ],
      ["GET", "/v2/a/tags/list/manifests/list", "manifest-get", { name: "a/tags/list", reference: "list" }],
      ["GET", "/v2/a/manifests/tags/list", "tags-list", { name: "a/manifests" }],
      ["GET", "/v2/tags/tags/list", "tags-list", { name: "tags" }],
      ["GET", `/v2/blobs/blobs/${digest}`, "blob-get", { name: "blobs", digest }],
      ["GET", `/v2/a/blobs/uploads/blobs/${digest}`, "blob-get", { name: "a/blobs/uploads", digest }],
      ["POST", "/v2/a/blobs/uploads/blobs/uploads/", "upload-start", { name: "a/blobs/uploads" }],
      ["POST", "/v2/a/blobs/uploads/blobs/uploads", "upload-start", { name: "a/blobs/uploads" }],
      ["PATCH", "/v2/a/blobs/uploads/uploads", "upload-chunk", { name: "a", session: "uploads" }],
      ["GET", `/v2/referrers/referrers/${digest}`, "referrers", { name: "referrers", digest }],
      ["GET", "/v2/v2/manifests/v2", "manifest-get", { name: "v2", reference: "v2" }],
    ])("%s %s → %s %j", (method, target, route, params) => {
      expect(matched(method, target)).toEqual([route, params]);
    });
  });

  it.each([
    ["GET", "/"],
    ["GET", "/v1/"],
    ["GET", "/v2x/a/tags/list"],
    ["HEAD", "/v2/"],
    ["POST", "/v2/_catalog"],
    ["GET", "/v2/_catalog/x"],
    ["GET", "/v2/tags/list"],
    ["GET", "/v2/manifests/latest"],
    ["GET", "/v2/A/manifests/latest"],
    ["GET", "/v2//a/manifests/latest"],
    ["GET", "/v2/a%2Fb/manifests/latest"],
    ["GET", "/v2/a/../b/manifests/latest"],
    ["GET", "/v2/a/manifests/latest/"],
    ["GET", "/v2/a/manifests/.latest"],
    ["GET", "/v2/a/manifests/%E0%A4%A"],
    ["POST", "/v2/a/manifests/latest"],
    ["PATCH", "/v2/a/manifests/latest"],
    ["GET", "/v2/a/blobs/latest"],
    ["PUT", `/v2/a/blobs/${digest}`],
    ["GET", "/v2/a/blobs/uploads/"],
    ["PATCH", "/v2/a/blobs/uploads/"],
    ["PATCH", `/v2/a/blobs/uploads/${digest}`],
    ["PATCH", "/v2/a/blobs/uploads/.."],
    ["POST", "/v2/a/blobs/uploads/s1"],
    ["GET", "/v2/a/tags/list/"],
    ["GET", "/v2/a/referrers/latest"],
    ["get", "/v2/a/tags/list"],
    ["GET", "v2/a/tags/list"],
    ["GET", "ftp://x/v2/a/tags/list"],
    ["GET", "http://[bad/v2/"],
    ["GET", ""],
  ])("%s %j matches no route", (method, target) => {
    expect(matchRoute(method, target)).toBeUndefined();
  });

  it("reads a URL object", () => {
    const url = new URL("https://registry.example/v2/a/tags/list?n=3&_state=x#frag");
    expect(matched("GET", url)).toEqual(["tags-list", { name: "a", n: 3 }]);
  });

  it("gives back what buildUrl built, for every route", () => {
    for (const name of routeNames) {
      fc.assert(
        fc.property(paramsFor(name), (params) => {
          const url = buildUrl("https://registry.example:5000", name, params);
          const match = matchRoute(routes[name].method, url);
          expect(match?.route.name).toBe(name);
          expect(match?.params).toEqual(params);
          // The same through the origin-form target a server sees.
          expect(matchRoute(routes[name].method, url.pathname + url.search)?.params).toEqual(params);
        }),
        { numRuns: 150 },
      );
    }
  });

  it("never throws, whatever the target", () => {
    const piece = fc.oneof(
      fc.constantFrom(
        "/",
        "v2",
        "manifests",
        "blobs",
        "uploads",
        "tags",
        "list",
        "referrers",
        "_catalog",
        "%",
        "%2F",
        "?",
        "#",
        "&n=",
        "digest=",
        "mount=",
        ":",
        ".",
      ),
      fc.string({ unit: "binary", maxLength: 8 }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"),
        fc.array(piece, { maxLength: 12 }).map((pieces) => `/v2/${pieces.join("")}`),
        (method, target) => {
          const match = matchRoute(method, target);
          if (match !== undefined) expect(match.route.method).toBe(method);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
