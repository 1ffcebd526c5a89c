/**
 * How a remote reports a registry's refusals (`spec/PROTOCOL.md` §9, §11, §18): the registry's error
 * entries kept verbatim whatever JSON their `detail` holds, and a token that grants fewer actions than
 * asked for — accepted, then a clear error when the registry refuses the request it does not cover.
 */

import { createAuth, staticCredentials } from "@stevedore/auth";
import { AuthenticationError, MediaType, RegistryResponseError } from "@stevedore/core";
import { rejection } from "@stevedore/testing";
import { describe, expect, it } from "vitest";
import { fixture, sha256 } from "./test-support/fixtures.js";
import { type ScriptedRegistry, scriptedRegistryPerTest } from "./test-support/scripted-registry.js";

const manifest = fixture("oci-image-manifest.json");

const serve = scriptedRegistryPerTest();

describe("registry error bodies (spec/PROTOCOL.md §9.1, §18)", () => {
  it.each([
    ["a string", '"blob unknown"'],
    ["a number", "42"],
    ["a boolean", "false"],
    ["null", "null"],
    ["an array", '[{"Type":"repository","Name":"team/app","Action":"push"}]'],
    ["an object", '{"digest":"sha256:1","nested":{"deeper":[1,"two",null]}}'],
    // Deeper than JSON.stringify can go: nothing may serialise it on the way.
    ["nested 20 000 deep", `${"[".repeat(20_000)}${"]".repeat(20_000)}`],
  ])("keeps a detail that is %s and says the code and message in one line", async (_name, detail) => {
    const scripted = await serve(() => ({
      status: 400,
      headers: { "content-type": "application/json" },
      body: `{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid","detail":${detail}}]}`,
    }));
    const error = await rejection(scripted.remote().putManifest("v1", manifest.bytes, manifest.mediaType));
    expect(RegistryResponseError.isInstance(error)).toBe(true);
    const refused = error as RegistryResponseError;
    expect(refused.status).toBe(400);
    expect(refused.errors.map(({ code, message }) => ({ code, message }))).toEqual([
      { code: "MANIFEST_INVALID", message: "manifest invalid" },
    ]);
    expect(sameJson(refused.errors[0]?.detail, JSON.parse(detail))).toBe(true);
    expect(refused.message).toBe(
      `PUT http://${scripted.host}/v2/team/app/manifests/v1 answered 400 (MANIFEST_INVALID: manifest invalid)`,
    );
  });
});

/** Deep equality of JSON values without recursion (vitest's toEqual would overflow the stack on 20 000 levels). */
function sameJson(actual: unknown, expected: unknown): boolean {
  const pending: [unknown, unknown][] = [[actual, expected]];
  for (let pair = pending.pop(); pair !== undefined; pair = pending.pop()) {
    const [a, b] = pair;
    if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
      if (a !== b) return false;
      continue;
    }
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    for (const key of keys) {
      pending.push([(a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]]);
    }
  }
  return true;
}

describe("a token that grants fewer actions than asked for (spec/PROTOCOL.md §11, §18)", () => {
  /**
   * A registry whose token service answers 200 with a pull-only token whatever scope is asked for, as
   * distribution's token servers do for a read-only user. `refusal` is how the registry refuses a push.
   */
  async function pullOnlyRegistry(refusal: "401" | "403"): Promise<ScriptedRegistry> {
    let origin = "";
    const challenge = (scope: string, error?: string): string =>
      `Bearer realm="${origin}/token",service="scripted",scope="${scope}"${error ? `,error="${error}"` : ""}`;
    const scripted = await serve((request) => {
      if (request.path.startsWith("/token?")) return { status: 200, body: { token: "pull-only" } };
      const scope = request.scopes[0] ?? "";
      if (request.headers.authorization !== "Bearer pull-only") {
        return { status: 401, headers: { "www-authenticate": challenge(scope) }, body: { errors: [] } };
      }
      if (request.method === "GET") {
        return { status: 200, headers: { "content-type": manifest.mediaType }, body: manifest.bytes };
      }
      const denied = { code: "DENIED", message: "requested access to the resource is denied" };
      if (refusal === "403") return { status: 403, body: { errors: [denied] } };
      return {
        status: 401,
        headers: { "www-authenticate": challenge(scope, "insufficient_scope") },
        body: { errors: [{ ...denied, code: "UNAUTHORIZED" }] },
      };
    });
    origin = scripted.origin;
    return scripted;
  }

  const blob = Buffer.from("a blob the token does not let us push");
  const descriptor = { mediaType: MediaType.OciLayerGzip, digest: sha256(blob), size: blob.length };

  it("uses the token for what it covers, and a 401 for the rest is an AuthenticationError naming the missing rights", async () => {
    const scripted = await pullOnlyRegistry("401");
    const credentials = staticCredentials({ username: "reader", password: "s3cret" });
    const remote = scripted.remote({}, { auth: createAuth({ credentials }) });
    expect((await remote.getManifest("v1")).descriptor.digest).toBe(manifest.digest);
    const error = await rejection(remote.push(descriptor, blob));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toBe(
      `${scripted.host}: access denied for POST /v2/team/app/blobs/uploads/ (UNAUTHORIZED): the credentials lack the rights this needs`,
    );
    const tokenRequests = scripted.requests.filter((request) => request.path.startsWith("/token?"));
    expect(
      tokenRequests.map((request) => new URL(request.path, scripted.origin).searchParams.get("scope")),
    ).toEqual(["repository:team/app:pull", "repository:team/app:pull,push"]);
  });

  it("without any credentials, the 401 for the rest says to log in, not that credentials lack rights", async () => {
    const scripted = await pullOnlyRegistry("401");
    const remote = scripted.remote({}, { auth: createAuth() });
    expect((await remote.getManifest("v1")).descriptor.digest).toBe(manifest.digest);
    const error = await rejection(remote.push(descriptor, blob));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toBe(
      `${scripted.host}: authentication required for POST /v2/team/app/blobs/uploads/ (UNAUTHORIZED): no credentials are configured for this registry, log in first`,
    );
  });

  it("a 403 for the rest is the registry's DENIED, verbatim", async () => {
    const scripted = await pullOnlyRegistry("403");
    const error = await rejection(scripted.remote({}, { auth: createAuth() }).push(descriptor, blob));
    expect(RegistryResponseError.isInstance(error) && error.status).toBe(403);
    expect((error as Error).message).toContain(
      "answered 403 (DENIED: requested access to the resource is denied)",
    );
  });
});
