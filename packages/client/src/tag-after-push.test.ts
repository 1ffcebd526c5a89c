import {
  closeAfter,
  createTestImage,
  freshTestLayout,
  type ScriptedReply,
  type ScriptedRequest,
  type ScriptedServer,
  startScriptedServer,
  type TestImage,
  useTemporaryDirectory,
} from "@stevedore/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClient } from "./create-client.js";

const directory = useTemporaryDirectory("stevedore-client-tag-", beforeEach, afterEach);
const track = closeAfter(afterEach);

/** An empty registry that accepts every upload and manifest, and serves no manifest. */
function acceptingRegistry(request: ScriptedRequest): ScriptedReply {
  const path = request.path.replace(/\?.*$/, "");
  if (path === "/v2/") return { status: 200 };
  if (request.method === "POST" && path.endsWith("/blobs/uploads/")) {
    return { status: 202, headers: { location: "/v2/team/app/blobs/uploads/session", range: "0-0" } };
  }
  if (request.method === "PUT" && path.endsWith("/blobs/uploads/session")) {
    const digest = new URL(request.path, "http://registry.test").searchParams.get("digest") ?? undefined;
    return {
      status: 201,
      headers: { location: `/v2/team/app/blobs/${digest}`, "docker-content-digest": digest },
    };
  }
  if (request.method === "PUT" && path.includes("/manifests/")) return { status: 201 };
  return { status: 404, body: { errors: [{ code: "MANIFEST_UNKNOWN", message: "unknown" }] } };
}

/**
 * Pushes a fresh test image from a layout to {@link acceptingRegistry}; the image, the registry, the pushed
 * digest and every manifest request (`METHOD path`) the registry saw.
 */
async function pushToAcceptingRegistry(options: { referrers?: boolean }): Promise<{
  image: TestImage;
  server: ScriptedServer;
  digest: string;
  manifestRequests: string[];
}> {
  const { image, layout } = await freshTestLayout(directory.path);
  const server = track(await startScriptedServer(acceptingRegistry));
  const client = createClient({ credentials: false, env: {}, plainHttp: true });
  let digest: string;
  try {
    ({ digest } = await client.push(`oci:${layout}:v1`, `${server.host}/team/app:v1`, {
      platforms: "all",
      ...options,
    }));
  } finally {
    await client.close();
  }
  const manifestRequests = server.requests
    .filter((request) => request.path.includes("/manifests/"))
    .map((request) => `${request.method} ${request.path}`);
  return { image, server, digest, manifestRequests };
}

describe("tagging a manifest this client pushed", () => {
  it("puts the root under the tag in one request, without fetching it again", async () => {
    const { image, server, digest, manifestRequests } = await pushToAcceptingRegistry({});
    expect(manifestRequests.filter((line) => line.startsWith("GET "))).toEqual([]);
    // The root goes up once, under its tag (core's TaggedManifestPusher); its children by digest.
    expect(manifestRequests).not.toContain(`PUT /v2/team/app/manifests/${digest}`);
    for (const child of image.children) {
      expect(manifestRequests).toContain(`PUT /v2/team/app/manifests/${child.manifest.digest}`);
    }
    expect(manifestRequests.at(-1)).toBe("PUT /v2/team/app/manifests/v1");
    const tagged = server.requests.at(-1);
    expect(tagged?.headers["content-length"]).toBe(String(image.index.size));
    expect(tagged?.headers["content-type"]).toBe(image.index.mediaType);
  });

  it("with referrers, tags last with the bytes it pushed, without fetching them again", async () => {
    const { digest, manifestRequests } = await pushToAcceptingRegistry({ referrers: true });
    expect(manifestRequests.filter((line) => line.startsWith("GET "))).toEqual([]);
    expect(manifestRequests.at(-2)).toBe(`PUT /v2/team/app/manifests/${digest}`);
    expect(manifestRequests.at(-1)).toBe("PUT /v2/team/app/manifests/v1");
  });

  it("the tag command fetches a manifest it did not push once, then puts it under the new tag", async () => {
    const image = createTestImage();
    const server = track(
      await startScriptedServer((request) => {
        if (request.path === "/v2/") return { status: 200 };
        if (request.path === `/v2/team/app/manifests/v1` && request.method !== "PUT") {
          return {
            status: 200,
            headers: { "content-type": image.index.mediaType, "docker-content-digest": image.index.digest },
            body: image.index.bytes,
          };
        }
        if (request.method === "PUT") return { status: 201 };
        return { status: 404, body: { errors: [{ code: "MANIFEST_UNKNOWN", message: "unknown" }] } };
      }),
    );
    const client = createClient({ credentials: false, env: {}, plainHttp: true });
    try {
      const descriptor = await client.tag(`${server.host}/team/app:v1`, "v2");
      expect(descriptor.digest).toBe(image.index.digest);
    } finally {
      await client.close();
    }
    // One GET for the bytes, one PUT: no HEAD to resolve first, no second GET by digest.
    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      "GET /v2/team/app/manifests/v1",
      "PUT /v2/team/app/manifests/v2",
    ]);
  });
});
