import { DigestMismatchError, InvalidResponseError, MediaType } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { collect, fixture, sha256 } from "../test-support/fixtures.js";
import { scriptedRegistryPerTest } from "../test-support/scripted-registry.js";

const subject = fixture("oci-image-index.json");
const subjectDescriptor = { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };
const tagPath = `/v2/team/app/manifests/${subject.digest.replace(":", "-")}`;

const signature = {
  mediaType: MediaType.OciManifest,
  digest: sha256("signature"),
  size: 100,
  artifactType: "application/example.signature",
  annotations: { "com.example.kind": "signature" },
};
const sbom = {
  mediaType: MediaType.OciManifest,
  digest: sha256("sbom"),
  size: 200,
  artifactType: "application/spdx+json",
};

const serve = scriptedRegistryPerTest();

function indexOf(manifests: unknown[]): { schemaVersion: 2; mediaType: string; manifests: unknown[] } {
  return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
}

describe("referrers", () => {
  it("uses the referrers API with the pull scope and an index Accept", async () => {
    const scripted = await serve(() => ({
      status: 200,
      headers: { "content-type": MediaType.OciIndex },
      body: indexOf([signature, sbom]),
    }));
    expect(await collect(scripted.remote().referrers(subjectDescriptor))).toEqual([signature, sbom]);
    const [request] = scripted.requests;
    expect(request?.path).toBe(`/v2/team/app/referrers/${subject.digest}`);
    expect(request?.headers.accept).toBe(MediaType.OciIndex);
    expect(request?.scopes).toEqual(["repository:team/app:pull"]);
  });

  it("trusts a filter the registry says it applied (OCI-Filters-Applied)", async () => {
    const scripted = await serve(() => ({
      status: 200,
      headers: { "content-type": MediaType.OciIndex, "oci-filters-applied": "artifactType" },
      // What the registry filtered is what the client gets: it does not filter a second time.
      body: indexOf([signature, sbom]),
    }));
    const listed = await collect(
      scripted.remote().referrers(subjectDescriptor, { artifactType: signature.artifactType }),
    );
    expect(scripted.requests[0]?.path).toBe(
      `/v2/team/app/referrers/${subject.digest}?artifactType=application%2Fexample.signature`,
    );
    expect(listed).toEqual([signature, sbom]);
  });

  it("filters itself when the registry did not apply the filter", async () => {
    const scripted = await serve(() => ({
      status: 200,
      headers: { "content-type": MediaType.OciIndex },
      body: indexOf([signature, sbom]),
    }));
    expect(
      await collect(scripted.remote().referrers(subjectDescriptor, { artifactType: signature.artifactType })),
    ).toEqual([signature]);
  });

  it("follows Link across pages", async () => {
    const scripted = await serve((request) =>
      request.path.includes("page=2")
        ? { status: 200, headers: { "content-type": MediaType.OciIndex }, body: indexOf([sbom]) }
        : {
            status: 200,
            headers: {
              "content-type": MediaType.OciIndex,
              link: `</v2/team/app/referrers/${subject.digest}?page=2>; rel="next"`,
            },
            body: indexOf([signature]),
          },
    );
    expect(await collect(scripted.remote().referrers(subjectDescriptor))).toEqual([signature, sbom]);
  });

  it("rejects a referrers page that is not an image index", async () => {
    const scripted = await serve(() => ({
      status: 200,
      headers: { "content-type": MediaType.OciIndex },
      body: "[]",
    }));
    await expect(collect(scripted.remote().referrers(subjectDescriptor))).rejects.toBeInstanceOf(
      InvalidResponseError,
    );
  });

  describe("fallback to the referrers tag schema when the API answers 404", () => {
    it("reads the index under the tag <alg>-<hex> and filters it by artifactType", async () => {
      const body = Buffer.from(JSON.stringify(indexOf([signature, sbom])));
      const scripted = await serve((request) =>
        request.path === tagPath
          ? {
              status: 200,
              headers: { "content-type": MediaType.OciIndex, "docker-content-digest": sha256(body) },
              body,
            }
          : { status: 404, body: "404 page not found\n" },
      );
      expect(await collect(scripted.remote().referrers(subjectDescriptor))).toEqual([signature, sbom]);
      expect(scripted.requests.map((request) => request.path)).toEqual([
        `/v2/team/app/referrers/${subject.digest}`,
        tagPath,
      ]);
      expect(
        await collect(scripted.remote().referrers(subjectDescriptor, { artifactType: sbom.artifactType })),
      ).toEqual([sbom]);
    });

    it("has no referrers when the tag is missing or holds no index", async () => {
      const missing = await serve(() => ({ status: 404, body: { errors: [{ code: "MANIFEST_UNKNOWN" }] } }));
      expect(await collect(missing.remote().referrers(subjectDescriptor))).toEqual([]);
      await missing.close();
      const image = fixture("oci-image-manifest.json");
      const notIndex = await serve((request) =>
        request.path === tagPath
          ? { status: 200, headers: { "content-type": image.mediaType }, body: image.bytes }
          : { status: 404 },
      );
      expect(await collect(notIndex.remote().referrers(subjectDescriptor))).toEqual([]);
      await notIndex.close();
      const junk = await serve((request) =>
        request.path === tagPath
          ? { status: 200, headers: { "content-type": MediaType.OciIndex }, body: "not json" }
          : { status: 404 },
      );
      expect(await collect(junk.remote().referrers(subjectDescriptor))).toEqual([]);
    });

    it("still refuses a tag index whose bytes do not match the registry's digest", async () => {
      const scripted = await serve((request) =>
        request.path === tagPath
          ? {
              status: 200,
              headers: { "content-type": MediaType.OciIndex, "docker-content-digest": sha256("other") },
              body: indexOf([signature]),
            }
          : { status: 404 },
      );
      await expect(collect(scripted.remote().referrers(subjectDescriptor))).rejects.toBeInstanceOf(
        DigestMismatchError,
      );
    });
  });
});
