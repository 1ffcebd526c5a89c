/**
 * The first existence check of an origin goes out alone (transport's `send`, create-send.ts): against
 * a registry that wants tokens, one request meets the challenge and every other one waits for it and then
 * carries a token; against any registry, no `GET /v2/` is spent first.
 */

import { type ScriptedRequest, type ScriptedServer, startScriptedServer } from "@stevedore/testing";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "./create-client.js";

let server: ScriptedServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const unauthorized = (request: ScriptedRequest): boolean =>
  !request.path.startsWith("/token") && request.headers.authorization !== "Bearer secret-token";

describe("the first HEAD of an origin", () => {
  it("meets a token challenge alone: checks sent at the same time wait for it and go out with a token", async () => {
    const digest = `sha256:${"d".repeat(64)}`;
    server = await startScriptedServer((request) => {
      if (request.path.startsWith("/token")) return { status: 200, body: { token: "secret-token" } };
      if (unauthorized(request)) {
        const realm = `http://${server?.host}/token`;
        return { status: 401, headers: { "www-authenticate": `Bearer realm="${realm}",service="test"` } };
      }
      return {
        status: 200,
        headers: {
          "docker-content-digest": digest,
          "content-type": "application/vnd.oci.image.manifest.v1+json",
          "content-length": "100",
        },
      };
    });
    const host = server.host;
    const client = createClient({ credentials: false, env: {} });
    const repositories = ["team/a", "team/b", "team/c", "team/d", "team/e"];
    try {
      const digests = await Promise.all(
        repositories.map((repository) => client.digest(`${host}/${repository}:v1`)),
      );
      expect(digests).toEqual(repositories.map(() => digest));
    } finally {
      await client.close();
    }

    const heads = server.requests.filter((request) => request.method === "HEAD");
    expect(heads).toHaveLength(repositories.length + 1);
    // One HEAD met the challenge; the four sent with it waited and carried a token at once.
    expect(server.requests.filter(unauthorized).map((request) => request.method)).toEqual(["HEAD"]);
    expect(server.requests.some((request) => request.path === "/v2/")).toBe(false);
  });

  it("goes straight to an open registry, with no GET /v2/ first", async () => {
    server = await startScriptedServer((request) =>
      request.method === "HEAD"
        ? {
            status: 200,
            headers: {
              "docker-content-digest": `sha256:${"c".repeat(64)}`,
              "content-type": "application/vnd.oci.image.manifest.v1+json",
              "content-length": "100",
            },
          }
        : { status: 404 },
    );
    const client = createClient({ credentials: false, env: {} });
    try {
      expect(await client.digest(`${server.host}/team/app:v1`)).toBe(`sha256:${"c".repeat(64)}`);
    } finally {
      await client.close();
    }
    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      "HEAD /v2/team/app/manifests/v1",
    ]);
  });
});
