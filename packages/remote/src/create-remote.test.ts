import type { Descriptor } from "@stevedore/core";
import {
  InvalidReferenceError,
  isBlobMounter,
  isRangeFetcher,
  isReferrerLister,
  isTagLister,
  MediaType,
  NotFoundError,
  RegistryResponseError,
  UsageError,
} from "@stevedore/core";
import { rejection } from "@stevedore/testing";
import { createTransport } from "@stevedore/transport";
import { afterEach, describe, expect, it } from "vitest";
import { createRemote } from "./create-remote.js";
import { defaultRemoteOptions } from "./resolve-remote-options.js";
import { bytesOf, fixture, sha256 } from "./test-support/fixtures.js";
import { type ScriptedRegistry, scriptedRegistryPerTest } from "./test-support/scripted-registry.js";

const layerBytes = Buffer.from("layer bytes");
const layer: Descriptor = {
  mediaType: MediaType.OciLayerGzip,
  digest: sha256(layerBytes),
  size: layerBytes.length,
};
const manifest = fixture("oci-image-manifest.json");

const serve = scriptedRegistryPerTest();

describe("createRemote options", () => {
  const transport = createTransport();
  afterEach(() => transport.close());

  it("applies the defaults and exposes the context", () => {
    const remote = createRemote({ transport, registry: "registry.example:5000", repository: "team/app" });
    expect(remote.registry).toBe("registry.example:5000");
    expect(remote.repository).toBe("team/app");
    expect(remote.context.baseUrl.href).toBe("https://registry.example:5000/");
    expect(remote.context.options).toEqual(defaultRemoteOptions);
    expect(defaultRemoteOptions).toMatchObject({ resumeAttempts: 5, singlePostUpload: false });
    expect(
      createRemote({ transport, registry: "127.0.0.1:5000", repository: "a" }).context.baseUrl.protocol,
    ).toBe("http:");
  });

  it("refuses unusable options with a typed error", () => {
    const base = { transport, registry: "registry.example", repository: "team/app" };
    expect(() => createRemote({ ...base, repository: "Team/App" })).toThrow(InvalidReferenceError);
    expect(() => createRemote({ ...base, registry: "https://registry.example" })).toThrow(UsageError);
    expect(() => createRemote({ ...base, registry: "" })).toThrow(UsageError);
    expect(() => createRemote({ ...base, transport: {} as never })).toThrow(UsageError);
    expect(() => createRemote({ ...base, chunkSize: 0 })).toThrow(UsageError);
    expect(() => createRemote({ ...base, resumeAttempts: -1 })).toThrow(UsageError);
    expect(() => createRemote({ ...base, monolithicThreshold: 1.5 })).toThrow(UsageError);
    expect(() => createRemote({ ...base, singlePostUpload: "yes" as never })).toThrow(UsageError);
    expect(() => createRemote({ ...base, chunkedUploads: 1 as never })).toThrow(UsageError);
    expect(() => createRemote({ ...base, maxManifestBytes: 0 })).toThrow(UsageError);
    expect(() => createRemote(null as never)).toThrow(UsageError);
  });

  it("is a Target with every optional capability", () => {
    const remote = createRemote({ transport, registry: "registry.example", repository: "team/app" });
    expect([isTagLister, isReferrerLister, isRangeFetcher, isBlobMounter].map((is) => is(remote))).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });
});

describe("Target methods for blobs", () => {
  it("push uploads without a HEAD of its own (callers ask exists first), reporting progress", async () => {
    const scripted = await serve((request) => {
      if (request.method === "POST")
        return { status: 202, headers: { location: "/v2/team/app/blobs/uploads/s1?_state=x" } };
      return { status: 201, headers: { "docker-content-digest": layer.digest } };
    });
    const reported: number[] = [];
    await scripted.remote().push(layer, layerBytes, { onProgress: (bytes) => reported.push(bytes) });
    expect(scripted.requests.map((request) => request.method)).toEqual(["POST", "PUT"]);
    expect(scripted.requests[0]?.scopes).toEqual(["repository:team/app:pull,push"]);
    const put = scripted.requests[1]!;
    expect(new URL(put.path, "http://x").searchParams.get("digest")).toBe(layer.digest);
    expect(Buffer.compare(put.body, layerBytes)).toBe(0);
    expect(reported.at(-1)).toBe(layer.size);
  });

  it("exists and fetch use the blob endpoints for blobs and the manifest endpoints for manifests", async () => {
    const scripted = await serve((request) => {
      if (request.path.includes("/blobs/")) return { status: 200, body: layerBytes };
      return {
        status: 200,
        headers: { "content-type": manifest.mediaType, "docker-content-digest": manifest.digest },
        body: manifest.bytes,
      };
    });
    const remote = scripted.remote();
    expect(await remote.exists(layer)).toBe(true);
    expect(await remote.exists(manifest)).toBe(true);
    expect(Buffer.compare(await bytesOf(await remote.fetch(layer)), layerBytes)).toBe(0);
    expect(Buffer.compare(await bytesOf(await remote.fetch(manifest)), manifest.bytes)).toBe(0);
    expect(scripted.requests.map((request) => `${request.method} ${request.path.split("/")[4]}`)).toEqual([
      "HEAD blobs",
      "HEAD manifests",
      "GET blobs",
      "GET manifests",
    ]);
  });

  it("headBlob reports the size, and undefined for a 404", async () => {
    const scripted = await serve((request) =>
      request.path.endsWith(layer.digest)
        ? { status: 200, headers: { "content-length": "11" } }
        : { status: 404 },
    );
    expect(await scripted.remote().headBlob(layer)).toEqual({ digest: layer.digest, size: 11 });
    expect(await scripted.remote().headBlob(sha256("other"))).toBeUndefined();
  });
});

describe("deletes, ping and mount", () => {
  it("deleteManifest and deleteBlob send DELETE with the delete scope and map 404 to NotFoundError", async () => {
    const scripted = await serve((request) =>
      request.path.endsWith("gone") || request.path.endsWith(layer.digest)
        ? { status: 404, body: { errors: [{ code: "MANIFEST_UNKNOWN" }] } }
        : { status: 202 },
    );
    const remote = scripted.remote();
    await remote.deleteManifest(manifest.digest);
    await remote.deleteBlob(sha256("other"));
    await expect(remote.deleteManifest("gone")).rejects.toBeInstanceOf(NotFoundError);
    await expect(remote.deleteBlob(layer)).rejects.toBeInstanceOf(NotFoundError);
    const deletes = scripted.requests.filter((request) => request.method === "DELETE");
    expect(deletes).toHaveLength(4);
    expect(deletes[0]?.scopes).toEqual(["repository:team/app:delete"]);
  });

  describe("deleting a referrer from a registry without the referrers API (spec §7.2)", () => {
    const subjectDigest = `sha256:${"c".repeat(64)}`;
    const tag = `sha256-${"c".repeat(64)}`;
    const emptyDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    const referrer = (name: string) => {
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.OciManifest,
          artifactType: `application/vnd.example.${name}`,
          config: { mediaType: MediaType.OciEmpty, digest: emptyDigest, size: 2 },
          layers: [{ mediaType: MediaType.OciEmpty, digest: emptyDigest, size: 2 }],
          subject: { mediaType: MediaType.OciManifest, digest: subjectDigest, size: 100 },
        }),
      );
      const descriptor = { mediaType: MediaType.OciManifest, digest: sha256(bytes), size: bytes.length };
      return { bytes, descriptor };
    };
    const signature = referrer("signature");
    const sbom = referrer("sbom");
    const indexOf = (entries: Descriptor[]) =>
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: entries }));

    function registryWith(listed: Descriptor[], referrersApi: boolean) {
      let tagBytes: Buffer = indexOf(listed);
      return serve((request) => {
        if (request.method === "GET" && request.path.endsWith(`/manifests/${signature.descriptor.digest}`)) {
          return {
            status: 200,
            headers: { "content-type": MediaType.OciManifest },
            body: signature.bytes,
          };
        }
        if (request.method === "GET" && request.path.includes("/referrers/")) {
          return referrersApi
            ? { status: 200, headers: { "content-type": MediaType.OciIndex }, body: indexOf([]) }
            : { status: 404, body: { errors: [{ code: "NOT_FOUND" }] } };
        }
        if (request.method === "GET" && request.path.endsWith(`/manifests/${tag}`)) {
          return { status: 200, headers: { "content-type": MediaType.OciIndex }, body: tagBytes };
        }
        if (request.method === "PUT") {
          // Stored, so the writer's read-back finds its change.
          if (request.path.endsWith(`/manifests/${tag}`)) tagBytes = request.body;
          return { status: 201 };
        }
        if (request.method === "DELETE") return { status: 202 };
        return { status: 404, body: { errors: [{ code: "MANIFEST_UNKNOWN" }] } };
      });
    }
    const summary = (scripted: ScriptedRegistry) =>
      scripted.requests.map((request) => `${request.method} ${request.path.replace("/v2/team/app", "")}`);

    it("takes the deleted manifest out of the subject's referrers tag and keeps the other entries", async () => {
      const scripted = await registryWith([signature.descriptor, sbom.descriptor], false);
      await scripted.remote().deleteManifest(signature.descriptor.digest);

      expect(summary(scripted)).toEqual([
        `GET /manifests/${signature.descriptor.digest}`,
        `DELETE /manifests/${signature.descriptor.digest}`,
        `GET /referrers/${subjectDigest}`,
        `GET /manifests/${tag}`,
        `PUT /manifests/${tag}`,
        `GET /manifests/${tag}`,
      ]);
      const put = scripted.requests.at(-2);
      expect(JSON.parse(put?.body.toString() ?? "{}").manifests).toEqual([sbom.descriptor]);
    });

    it("deletes the referrers index when the deleted manifest was its last entry", async () => {
      const scripted = await registryWith([signature.descriptor], false);
      await scripted.remote().deleteManifest(signature.descriptor.digest);

      expect(summary(scripted).slice(3)).toEqual([
        `GET /manifests/${tag}`,
        `DELETE /manifests/${sha256(indexOf([signature.descriptor]))}`,
      ]);
    });

    it("leaves the tag alone when the registry has the referrers API", async () => {
      const scripted = await registryWith([signature.descriptor], true);
      await scripted.remote().deleteManifest(signature.descriptor.digest);

      expect(summary(scripted)).toEqual([
        `GET /manifests/${signature.descriptor.digest}`,
        `DELETE /manifests/${signature.descriptor.digest}`,
        `GET /referrers/${subjectDigest}`,
      ]);
    });
  });

  it("keeps a disabled delete (405 UNSUPPORTED) a RegistryResponseError", async () => {
    const scripted = await serve(() => ({ status: 405, body: { errors: [{ code: "UNSUPPORTED" }] } }));
    const error = await rejection(scripted.remote().deleteManifest(manifest.digest));
    expect(RegistryResponseError.isInstance(error) && error.hasCode("UNSUPPORTED")).toBe(true);
  });

  it("ping sends GET /v2/ without scopes and reports the API version", async () => {
    const scripted = await serve(() => ({
      status: 200,
      headers: { "docker-distribution-api-version": "registry/2.0" },
      body: "{}",
    }));
    expect(await scripted.remote().ping()).toEqual({ apiVersion: "registry/2.0" });
    expect(scripted.requests[0]).toMatchObject({ method: "GET", path: "/v2/", scopes: [] });
  });

  it("mount asks for pull on the source repository too and reports the registry's answer", async () => {
    const scripted = await serve(() => ({ status: 201, headers: { "docker-content-digest": layer.digest } }));
    expect(await scripted.remote().mount(layer, "team/base")).toBe(true);
    expect(scripted.requests[0]?.path).toBe(
      `/v2/team/app/blobs/uploads/?mount=${encodeURIComponent(layer.digest)}&from=team%2Fbase`,
    );
    expect(scripted.requests[0]?.scopes).toEqual([
      "repository:team/app:pull,push",
      "repository:team/base:pull",
    ]);
  });
});
