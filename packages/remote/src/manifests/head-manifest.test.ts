import {
  AbortError,
  DigestMismatchError,
  ManifestError,
  NotFoundError,
  RegistryResponseError,
} from "@stevedore/core";
import { rejection } from "@stevedore/testing";
import { describe, expect, it } from "vitest";
import { fixture, sha512 } from "../test-support/fixtures.js";
import { scriptedRegistryPerTest } from "../test-support/scripted-registry.js";

const manifest = fixture("oci-image-manifest.json");

const serve = scriptedRegistryPerTest();

const full = {
  "content-type": manifest.mediaType,
  "docker-content-digest": manifest.digest,
  "content-length": String(manifest.size),
};

describe("headManifest and resolve", () => {
  it("describes a manifest from the HEAD headers alone", async () => {
    const scripted = await serve(() => ({ status: 200, headers: full, body: manifest.bytes }));
    const remote = scripted.remote();
    const expected = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size };
    expect(await remote.headManifest("v1")).toEqual(expected);
    expect(await remote.resolve("v1")).toEqual(expected);
    expect(scripted.requests.map((request) => request.method)).toEqual(["HEAD", "HEAD"]);
    expect(scripted.requests[0]?.headers.accept).toContain("application/vnd.oci.image.index.v1+json");
    expect(scripted.requests[0]?.scopes).toEqual(["repository:team/app:pull"]);
  });

  it("falls back to a verified GET when Docker-Content-Digest is missing", async () => {
    const scripted = await serve(() => ({
      status: 200,
      headers: { "content-type": manifest.mediaType },
      body: manifest.bytes,
    }));
    expect(await scripted.remote().resolve("v1")).toEqual({
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
    });
    expect(scripted.requests.map((request) => request.method)).toEqual(["HEAD", "GET"]);
  });

  it("falls back to GET when the Content-Type is generic", async () => {
    const scripted = await serve(() => ({
      status: 200,
      headers: { ...full, "content-type": "application/json" },
      body: manifest.bytes,
    }));
    expect((await scripted.remote().resolve("v1")).mediaType).toBe(manifest.mediaType);
    expect(scripted.requests.map((request) => request.method)).toEqual(["HEAD", "GET"]);
  });

  it.each([405, 501])(
    "falls back to a verified GET when the registry answers HEAD with %i",
    async (status) => {
      const scripted = await serve((request) =>
        request.method === "HEAD" ? { status } : { status: 200, headers: full, body: manifest.bytes },
      );
      const remote = scripted.remote();
      const expected = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size };
      expect(await remote.resolve("v1")).toEqual(expected);
      expect(await remote.exists(manifest)).toBe(true);
      expect(scripted.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
        "HEAD /v2/team/app/manifests/v1",
        "GET /v2/team/app/manifests/v1",
        `HEAD /v2/team/app/manifests/${manifest.digest}`,
        `GET /v2/team/app/manifests/${manifest.digest}`,
      ]);
    },
  );

  it("after a HEAD answered 405, a GET that finds nothing means absent, and a GET with other bytes is refused", async () => {
    const missing = await serve((request) => (request.method === "HEAD" ? { status: 405 } : { status: 404 }));
    expect(await missing.remote().headManifest("v1")).toBeUndefined();
    await expect(missing.remote().resolve("v1")).rejects.toBeInstanceOf(NotFoundError);
    await missing.close();
    const other = fixture("oci-image-index.json");
    const lying = await serve((request) =>
      request.method === "HEAD" ? { status: 405 } : { status: 200, headers: full, body: other.bytes },
    );
    await expect(lying.remote().resolve(manifest.digest)).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it.each([
    ["a HEAD answered 405", { status: 405 }],
    [
      "a HEAD without Docker-Content-Digest",
      { status: 200, headers: { "content-type": manifest.mediaType } },
    ],
  ])("after %s, the GET keeps to the remote's maxManifestBytes", async (_, head) => {
    const scripted = await serve((request) =>
      request.method === "HEAD" ? head : { status: 200, headers: full, body: manifest.bytes },
    );
    const limit = manifest.size - 1;
    const small = scripted.remote({ maxManifestBytes: limit });
    const calls: [() => Promise<unknown>, string][] = [
      [() => small.resolve("v1"), ":v1"],
      [() => small.headManifest("v1"), ":v1"],
      [() => small.exists(manifest), `@${manifest.digest}`],
    ];
    for (const [call, reference] of calls) {
      const error = await rejection(call());
      expect(error).toBeInstanceOf(ManifestError);
      expect((error as Error).message).toBe(
        `manifest ${scripted.host}/team/app${reference} is more than the limit of ${limit} bytes`,
      );
    }
    expect(await scripted.remote({ maxManifestBytes: manifest.size }).resolve("v1")).toEqual({
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
    });
  });

  it("keeps other refusals of the HEAD as errors, without a GET", async () => {
    const scripted = await serve(() => ({ status: 403 }));
    const error = await rejection(scripted.remote().resolve("v1"));
    expect(RegistryResponseError.isInstance(error) && error.status).toBe(403);
    expect(scripted.requests.map((request) => request.method)).toEqual(["HEAD"]);
  });

  it("answers undefined for a 404, and resolve() throws NotFoundError naming registry/repository:reference", async () => {
    const scripted = await serve(() => ({ status: 404 }));
    const remote = scripted.remote();
    expect(await remote.headManifest("v1")).toBeUndefined();
    const error = await rejection(remote.resolve("v1"));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe(`manifest ${scripted.host}/team/app:v1 not found`);
    const byDigest = await rejection(remote.resolve(manifest.digest));
    expect((byDigest as Error).message).toBe(
      `manifest ${scripted.host}/team/app@${manifest.digest} not found`,
    );
    expect(await remote.exists(manifest)).toBe(false);
  });

  it("by digest: a Docker-Content-Digest naming other content is a DigestMismatchError", async () => {
    const other = fixture("oci-image-index.json");
    const scripted = await serve(() => ({
      status: 200,
      headers: { ...full, "docker-content-digest": other.digest },
    }));
    await expect(scripted.remote().headManifest(manifest.digest)).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it("by digest: keeps the digest asked for when the registry reports another algorithm", async () => {
    const scripted = await serve(() => ({
      status: 200,
      headers: { ...full, "docker-content-digest": sha512(manifest.bytes) },
    }));
    expect((await scripted.remote().headManifest(manifest.digest))?.digest).toBe(manifest.digest);
    expect(await scripted.remote().exists(manifest)).toBe(true);
  });

  it("throws AbortError without sending anything when the signal is aborted", async () => {
    const scripted = await serve(() => ({ status: 200, headers: full }));
    await expect(scripted.remote().resolve("v1", { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortError,
    );
    expect(scripted.requests).toEqual([]);
  });
});
