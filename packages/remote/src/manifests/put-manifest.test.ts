import { DigestMismatchError, ManifestError, MediaType, NotFoundError, UsageError } from "@stevedore/core";
import { rejection } from "@stevedore/testing";
import { describe, expect, it } from "vitest";
import { fixture, sha256 } from "../test-support/fixtures.js";
import {
  type ScriptedHandler,
  type ScriptedRequest,
  scriptedRegistryPerTest,
} from "../test-support/scripted-registry.js";

const manifest = fixture("oci-image-manifest.json");
const index = fixture("oci-image-index.json");
const artifact = fixture("oci-artifact-manifest-with-subject.json");

const serve = scriptedRegistryPerTest();

/** A registry that stores manifests by path and answers a PUT with 201 and the body's digest. */
function storing(
  extraHeaders: (request: ScriptedRequest) => Record<string, string> = () => ({}),
): ScriptedHandler {
  const stored = new Map<string, { body: Buffer; type: string }>();
  return (request) => {
    if (request.method === "PUT") {
      stored.set(request.path, { body: request.body, type: request.headers["content-type"] ?? "" });
      return {
        status: 201,
        headers: {
          "docker-content-digest": sha256(request.body),
          location: request.path,
          ...extraHeaders(request),
        },
      };
    }
    const found = stored.get(request.path);
    if (found === undefined) return { status: 404, body: { errors: [{ code: "MANIFEST_UNKNOWN" }] } };
    return {
      status: 200,
      headers: { "content-type": found.type, "docker-content-digest": sha256(found.body) },
      body: found.body,
    };
  };
}

describe("putManifest", () => {
  it("sends the exact bytes with Content-Type = media type and the push scope", async () => {
    const scripted = await serve(storing());
    const descriptor = await scripted.remote().putManifest("v1", manifest.bytes, manifest.mediaType);
    expect(descriptor).toEqual({
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
    });
    const [request] = scripted.requests;
    expect(request?.method).toBe("PUT");
    expect(request?.path).toBe("/v2/team/app/manifests/v1");
    expect(request?.headers["content-type"]).toBe(manifest.mediaType);
    expect(Buffer.compare(request!.body, manifest.bytes)).toBe(0);
    expect(request?.scopes).toEqual(["repository:team/app:pull,push"]);
  });

  it("refuses bytes that do not hash to the digest they are pushed under, before sending", async () => {
    const scripted = await serve(storing());
    await expect(
      scripted.remote().putManifest(index.digest, manifest.bytes, manifest.mediaType),
    ).rejects.toBeInstanceOf(DigestMismatchError);
    expect(scripted.requests).toEqual([]);
  });

  it("refuses a media type that contradicts the document's own, before sending", async () => {
    const scripted = await serve(storing());
    await expect(scripted.remote().putManifest("v1", manifest.bytes, index.mediaType)).rejects.toBeInstanceOf(
      ManifestError,
    );
    await expect(
      scripted.remote().putManifest("v1", manifest.bytes, `${manifest.mediaType}; charset=utf-8`),
    ).rejects.toBeInstanceOf(UsageError);
    expect(scripted.requests).toEqual([]);
  });

  it("rejects a Docker-Content-Digest answer that names other content", async () => {
    const scripted = await serve(() => ({ status: 201, headers: { "docker-content-digest": index.digest } }));
    const error = await rejection(scripted.remote().putManifest("v1", manifest.bytes, manifest.mediaType));
    expect(error).toBeInstanceOf(DigestMismatchError);
  });

  it("maps a 404 NAME_UNKNOWN to NotFoundError", async () => {
    const scripted = await serve(() => ({ status: 404, body: { errors: [{ code: "NAME_UNKNOWN" }] } }));
    const error = await rejection(scripted.remote().putManifest("v1", manifest.bytes, manifest.mediaType));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain("NAME_UNKNOWN");
  });

  it("updates the referrers tag for a manifest with a subject when the registry does not answer OCI-Subject", async () => {
    const scripted = await serve(storing());
    await scripted.remote().putManifest(artifact.digest, artifact.bytes, artifact.mediaType);
    const subject = "sha256:dfae8f425735a5e3a72e40d6609e03079995511d48157c74d54801ff4430491e";
    const tagPath = `/v2/team/app/manifests/${subject.replace(":", "-")}`;
    expect(scripted.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `PUT /v2/team/app/manifests/${artifact.digest}`,
      `GET ${tagPath}`,
      `PUT ${tagPath}`,
      // Read back: distribution ignores If-Match, so the writer checks its entry survived.
      `GET ${tagPath}`,
    ]);
    const written = JSON.parse(scripted.requests[2]!.body.toString("utf8")) as { manifests: unknown[] };
    expect(written.manifests).toEqual([
      {
        mediaType: artifact.mediaType,
        digest: artifact.digest,
        size: artifact.size,
        artifactType: "application/example.signature",
      },
    ]);
    // And what was written reads back through the referrers fallback.
    const listed: unknown[] = [];
    for await (const referrer of scripted
      .remote()
      .referrers({ mediaType: MediaType.OciIndex, digest: subject, size: 934 })) {
      listed.push(referrer);
    }
    expect(listed).toEqual(written.manifests);
  });

  it("leaves the referrers tag alone when the registry answers OCI-Subject", async () => {
    const subject = "sha256:dfae8f425735a5e3a72e40d6609e03079995511d48157c74d54801ff4430491e";
    const scripted = await serve(storing(() => ({ "oci-subject": subject })));
    await scripted.remote().putManifest(artifact.digest, artifact.bytes, artifact.mediaType);
    expect(scripted.requests).toHaveLength(1);
  });
});

describe("Target.push and Target.tag for manifests", () => {
  it("push puts the manifest by digest; tag fetches it by digest and puts the same bytes under the tag", async () => {
    const scripted = await serve(storing());
    const remote = scripted.remote();
    const reported: number[] = [];
    await remote.push(manifest, manifest.bytes, { onProgress: (bytes) => reported.push(bytes) });
    await remote.tag(manifest, "stable");
    expect(scripted.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `PUT /v2/team/app/manifests/${manifest.digest}`,
      `GET /v2/team/app/manifests/${manifest.digest}`,
      "PUT /v2/team/app/manifests/stable",
    ]);
    expect(Buffer.compare(scripted.requests[2]!.body, manifest.bytes)).toBe(0);
    expect(scripted.requests[2]?.headers["content-type"]).toBe(manifest.mediaType);
    expect(reported).toEqual([manifest.size]);
  });

  it("push verifies a manifest from a replayable source before sending it", async () => {
    const scripted = await serve(storing());
    const corrupt = Buffer.from(manifest.bytes);
    corrupt[10] = 0x20;
    await expect(
      scripted.remote().push(manifest, async function* () {
        yield corrupt;
      }),
    ).rejects.toBeInstanceOf(DigestMismatchError);
    expect(scripted.requests).toEqual([]);
  });

  it("tag of a manifest the registry does not hold is a NotFoundError and puts nothing", async () => {
    const scripted = await serve(storing());
    await expect(scripted.remote().tag(manifest, "stable")).rejects.toBeInstanceOf(NotFoundError);
    expect(scripted.requests.map((request) => request.method)).toEqual(["GET"]);
  });
});
