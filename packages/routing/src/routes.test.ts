import { describe, expect, it } from "vitest";
import { isRouteName, routeNames, routes } from "./routes.js";

describe("routes", () => {
  // spec/PROTOCOL.md §3, one row per endpoint, and §11.4 for the actions.
  it.each([
    ["ping", "GET", "/v2/", undefined, "end-1"],
    ["blob-get", "GET", "/v2/{name}/blobs/{digest}", "pull", "end-2"],
    ["blob-head", "HEAD", "/v2/{name}/blobs/{digest}", "pull", "end-2"],
    ["manifest-get", "GET", "/v2/{name}/manifests/{reference}", "pull", "end-3"],
    ["manifest-head", "HEAD", "/v2/{name}/manifests/{reference}", "pull", "end-3"],
    ["upload-start", "POST", "/v2/{name}/blobs/uploads/", "push", "end-4a"],
    ["upload-single", "POST", "/v2/{name}/blobs/uploads/", "push", "end-4b"],
    ["upload-chunk", "PATCH", "/v2/{name}/blobs/uploads/{session}", "push", "end-5"],
    ["upload-complete", "PUT", "/v2/{name}/blobs/uploads/{session}", "push", "end-6"],
    ["manifest-put", "PUT", "/v2/{name}/manifests/{reference}", "push", "end-7"],
    ["tags-list", "GET", "/v2/{name}/tags/list", "pull", "end-8"],
    ["manifest-delete", "DELETE", "/v2/{name}/manifests/{reference}", "delete", "end-9"],
    ["blob-delete", "DELETE", "/v2/{name}/blobs/{digest}", "delete", "end-10"],
    ["upload-mount", "POST", "/v2/{name}/blobs/uploads/", "push", "end-11"],
    ["referrers", "GET", "/v2/{name}/referrers/{digest}", "pull", "end-12"],
    ["upload-status", "GET", "/v2/{name}/blobs/uploads/{session}", "push", "end-13"],
    ["upload-cancel", "DELETE", "/v2/{name}/blobs/uploads/{session}", "push", "end-14"],
    ["catalog", "GET", "/v2/_catalog", "*", "catalog (non-OCI)"],
  ] as const)("%s is %s %s needing %s (%s)", (name, method, path, action, endpoint) => {
    expect(routes[name]).toMatchObject({ name, method, path, action, endpoint });
  });

  it("lists every route once, under its own name", () => {
    expect(routeNames).toHaveLength(18);
    for (const name of routeNames) expect(routes[name].name).toBe(name);
  });

  it("declares the query parameters of each endpoint", () => {
    expect(routes["upload-single"].query).toEqual({ digest: "required" });
    expect(routes["upload-mount"].query).toEqual({ mount: "required", from: "optional" });
    expect(routes["upload-complete"].query).toEqual({ digest: "required" });
    expect(routes["tags-list"].query).toEqual({ n: "optional", last: "optional" });
    expect(routes.catalog.query).toEqual({ n: "optional", last: "optional" });
    expect(routes.referrers.query).toEqual({ artifactType: "optional" });
    expect(routes["manifest-get"].query).toEqual({});
  });

  it("marks exactly the session routes as opaque upload locations", () => {
    const sessions = routeNames.filter((name) => routes[name].uploadSession);
    expect(sessions).toEqual(["upload-chunk", "upload-complete", "upload-status", "upload-cancel"]);
  });

  it("cannot be changed by a consumer", () => {
    expect(() => {
      (routes["manifest-get"] as { method: string }).method = "POST";
    }).toThrow(TypeError);
    expect(routes["manifest-get"].method).toBe("GET");
  });

  it("recognises route names, and nothing inherited from Object", () => {
    expect(isRouteName("tags-list")).toBe(true);
    expect(isRouteName("constructor")).toBe(false);
    expect(isRouteName("toString")).toBe(false);
    expect(isRouteName(42)).toBe(false);
  });
});
