import { createServer } from "node:http";
import {
  DigestMismatchError,
  InvalidDigestError,
  InvalidReferenceError,
  ManifestError,
  NotFoundError,
  RegistryResponseError,
} from "@stevedore/core";
import { listen, rejection } from "@stevedore/testing";
import { createTransport } from "@stevedore/transport";
import { describe, expect, it } from "vitest";
import { createRemote } from "../create-remote.js";
import { fixture, sha256, sha512 } from "../test-support/fixtures.js";
import { type ScriptedRegistry, scriptedRegistryPerTest } from "../test-support/scripted-registry.js";
import { getManifest } from "./get-manifest.js";

const manifest = fixture("oci-image-manifest.json");
const index = fixture("oci-image-index.json");
const manifestUnknown = { errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] };

const serve = scriptedRegistryPerTest();

/** Serves `body` for any request, with these headers. */
function serveManifest(body: Uint8Array, headers: Record<string, string>): Promise<ScriptedRegistry> {
  return serve(() => ({ status: 200, headers, body }));
}

describe("getManifest", () => {
  it("asks for every manifest media type, with the pull scope, and returns the exact bytes", async () => {
    const scripted = await serveManifest(index.bytes, {
      "content-type": index.mediaType,
      "docker-content-digest": index.digest,
    });
    const result = await scripted.remote().getManifest("v1");
    expect(scripted.requests).toHaveLength(1);
    const [request] = scripted.requests;
    expect(request?.method).toBe("GET");
    expect(request?.path).toBe("/v2/team/app/manifests/v1");
    expect(request?.scopes).toEqual(["repository:team/app:pull"]);
    expect(request?.headers.accept?.split(",").map((type) => type.trim())).toEqual([
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.docker.distribution.manifest.v2+json",
    ]);
    expect(Buffer.compare(result.bytes, index.bytes)).toBe(0);
    expect(result.descriptor).toEqual({ mediaType: index.mediaType, digest: index.digest, size: index.size });
    expect(result.parsed.kind).toBe("index");
  });

  it("by digest: accepts bytes that hash to it, even without Docker-Content-Digest", async () => {
    const scripted = await serveManifest(manifest.bytes, { "content-type": manifest.mediaType });
    const result = await scripted.remote().getManifest(manifest.digest);
    expect(scripted.requests[0]?.path).toBe(`/v2/team/app/manifests/${manifest.digest}`);
    expect(result.descriptor.digest).toBe(manifest.digest);
  });

  it("by digest: rejects bytes that hash to something else (DigestMismatchError)", async () => {
    const scripted = await serveManifest(index.bytes, {
      "content-type": index.mediaType,
      // A registry vouching for the bytes does not make them the ones asked for.
      "docker-content-digest": manifest.digest,
    });
    const error = await rejection(scripted.remote().getManifest(manifest.digest));
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect(error).toMatchObject({ expected: manifest.digest, actual: index.digest });
  });

  it("by tag: the hash of the bytes is the digest when the registry sends no Docker-Content-Digest", async () => {
    const scripted = await serveManifest(manifest.bytes, { "content-type": manifest.mediaType });
    expect((await scripted.remote().getManifest("latest")).descriptor.digest).toBe(manifest.digest);
  });

  it("by tag: a Docker-Content-Digest that does not match the bytes is a DigestMismatchError", async () => {
    const scripted = await serveManifest(manifest.bytes, {
      "content-type": manifest.mediaType,
      "docker-content-digest": index.digest,
    });
    const error = await rejection(scripted.remote().getManifest("latest"));
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect(error).toMatchObject({ expected: index.digest, actual: manifest.digest });
    expect((error as Error).message).toContain(`${scripted.host}/team/app:latest`);
  });

  it("by tag: a sha512 Docker-Content-Digest is recomputed with sha512 and becomes the digest", async () => {
    const scripted = await serveManifest(manifest.bytes, {
      "content-type": manifest.mediaType,
      "docker-content-digest": sha512(manifest.bytes),
    });
    expect((await scripted.remote().getManifest("latest")).descriptor.digest).toBe(sha512(manifest.bytes));
    const lying = await serveManifest(manifest.bytes, {
      "content-type": manifest.mediaType,
      "docker-content-digest": sha512("other bytes"),
    });
    await expect(lying.remote().getManifest("latest")).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it("strips Content-Type parameters", async () => {
    const scripted = await serveManifest(manifest.bytes, {
      "content-type": `${manifest.mediaType}; charset=utf-8`,
    });
    expect((await scripted.remote().getManifest("latest")).descriptor.mediaType).toBe(manifest.mediaType);
  });

  it("rejects a document whose mediaType contradicts the Content-Type (ManifestError)", async () => {
    const scripted = await serveManifest(manifest.bytes, { "content-type": index.mediaType });
    const error = await rejection(scripted.remote().getManifest("latest"));
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as Error).message).toMatch(/does not match the Content-Type/);
  });

  it("takes the kind from the document when the Content-Type is generic", async () => {
    const scripted = await serveManifest(index.bytes, { "content-type": "application/json" });
    expect((await scripted.remote().getManifest("latest")).descriptor.mediaType).toBe(index.mediaType);
  });

  it("refuses schema 1 with a clear ManifestError", async () => {
    const schema1 = fixture("schema1-signed.json");
    const scripted = await serveManifest(schema1.bytes, { "content-type": schema1.mediaType });
    await expect(scripted.remote().getManifest("latest")).rejects.toThrow(/schema 1/);
  });

  it("refuses schema 1 as schema 1, not as corrupt, when the registry sends its payload digest (spec §18)", async () => {
    const schema1 = fixture("schema1-signed.json");
    // A registry's Docker-Content-Digest of a signed schema 1 manifest hashes the JWS payload: the body up
    // to formatLength plus formatTail, without the signatures — never the body itself.
    const signature = (
      JSON.parse(Buffer.from(schema1.bytes).toString()) as { signatures: { protected: string }[] }
    ).signatures[0];
    const header = JSON.parse(Buffer.from(signature?.protected ?? "", "base64url").toString()) as {
      formatLength: number;
      formatTail: string;
    };
    const payload = Buffer.concat([
      schema1.bytes.subarray(0, header.formatLength),
      Buffer.from(header.formatTail, "base64url"),
    ]);
    expect(sha256(payload)).not.toBe(schema1.digest);
    for (const contentType of [schema1.mediaType, "application/json"]) {
      const scripted = await serveManifest(schema1.bytes, {
        "content-type": contentType,
        "docker-content-digest": sha256(payload),
      });
      for (const reference of ["latest", sha256(payload)]) {
        const error = await rejection(scripted.remote().getManifest(reference));
        expect(error).toBeInstanceOf(ManifestError);
        expect((error as Error).message).toContain("schema 1");
      }
    }
  });

  it("refuses a manifest larger than the limit before reading it", async () => {
    const scripted = await serveManifest(manifest.bytes, { "content-type": manifest.mediaType });
    const small = scripted.remote({ maxManifestBytes: 100 });
    const error = await rejection(small.getManifest("latest"));
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as Error).message).toContain("more than the limit of 100 bytes");
  });

  it("keeps to the remote's limit when called as a function with remote.context", async () => {
    const scripted = await serveManifest(manifest.bytes, { "content-type": manifest.mediaType });
    const small = scripted.remote({ maxManifestBytes: 100 });
    const error = await rejection(getManifest(small.context, "latest"));
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as Error).message).toContain("more than the limit of 100 bytes");
  });

  it("maps a 404 to NotFoundError naming registry/repository:reference, keeping the registry's error", async () => {
    const scripted = await serve(() => ({ status: 404, body: manifestUnknown }));
    const error = await rejection(scripted.remote().getManifest("v9"));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe(
      `manifest ${scripted.host}/team/app:v9 not found (MANIFEST_UNKNOWN)`,
    );
    const cause = (error as Error).cause;
    expect(RegistryResponseError.isInstance(cause) && cause.hasCode("MANIFEST_UNKNOWN")).toBe(true);
  });

  it("keeps other registry errors as they are", async () => {
    const scripted = await serve(() => ({ status: 403, body: { errors: [{ code: "DENIED" }] } }));
    const error = await rejection(scripted.remote().getManifest("v1"));
    expect(RegistryResponseError.isInstance(error) && error.hasCode("DENIED")).toBe(true);
  });

  it("checks the reference before sending anything", async () => {
    const scripted = await serve(() => ({ status: 500 }));
    const remote = scripted.remote();
    await expect(remote.getManifest("not a tag")).rejects.toBeInstanceOf(InvalidReferenceError);
    await expect(remote.getManifest("sha256:1234")).rejects.toBeInstanceOf(InvalidDigestError);
    // Content asked for by digest is always hashed, so an algorithm we cannot compute is refused.
    await expect(remote.getManifest(`blake3:${"a".repeat(64)}`)).rejects.toBeInstanceOf(InvalidDigestError);
    expect(scripted.requests).toEqual([]);
  });

  it("uses the registry's sha256 when it hashes the same bytes (sanity of the fixture digests)", () => {
    expect(manifest.digest).toBe(sha256(manifest.bytes));
    expect(manifest.digest).toBe("sha256:ee378b79279b57eb5ac1f3b892c9ad2a9be9d9ccabe1a29a9cbaed8cad182358");
  });
});

describe("getManifest: a body cut part-way", () => {
  /**
   * A registry whose first answer sends half the manifest and cuts the connection, and which then ignores
   * `Range` (200 with the whole manifest), as the transport's own resume asks for the rest with it.
   */
  async function cutThenIgnoreRange(
    cuts: number,
  ): Promise<{ host: string; ranges: (string | undefined)[]; close: () => Promise<void> }> {
    const ranges: (string | undefined)[] = [];
    const server = createServer((request, response) => {
      request.resume();
      ranges.push(request.headers.range);
      response.writeHead(200, {
        "content-type": manifest.mediaType,
        "content-length": manifest.bytes.length,
        "docker-content-digest": manifest.digest,
      });
      if (ranges.length <= cuts) {
        response.write(manifest.bytes.subarray(0, manifest.bytes.length / 2), () =>
          setTimeout(() => response.socket?.destroy(), 20),
        );
        return;
      }
      response.end(manifest.bytes);
    });
    const host = await listen(server);
    return {
      host,
      ranges,
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  it("is asked for again from byte 0 when the registry answers the transport's Range resume with 200", async () => {
    const server = await cutThenIgnoreRange(1);
    const transport = createTransport({ clock: { sleep: async () => {} } });
    try {
      const remote = createRemote({ transport, registry: server.host, repository: "team/app" });
      const result = await remote.getManifest("latest");
      expect(Buffer.from(result.bytes).equals(Buffer.from(manifest.bytes))).toBe(true);
      expect(result.descriptor.digest).toBe(manifest.digest);
      // The transport's resume asked for the rest; the answer was the whole body, so it was asked again.
      expect(server.ranges[1]).toMatch(/^bytes=\d+-/);
      expect(server.ranges.at(-1)).toBeUndefined();
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it("gives up after resumeAttempts restarts", async () => {
    const server = await cutThenIgnoreRange(100);
    const transport = createTransport({ clock: { sleep: async () => {} }, retry: { maxRetries: 0 } });
    try {
      const remote = createRemote({
        transport,
        registry: server.host,
        repository: "team/app",
        resumeAttempts: 2,
      });
      await expect(remote.getManifest("latest")).rejects.toThrow();
      expect(server.ranges).toHaveLength(3);
    } finally {
      await transport.close();
      await server.close();
    }
  });
});
