import { afterEach, describe, expect, it } from "vitest";
import { createRegistryServer, type RegistryServer } from "./create-registry-server.js";
import { randomBlob, testClient } from "./test-support/registry-client.js";

let server: RegistryServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const start = async () => {
  server = createRegistryServer();
  const client = testClient((await server.listen()).url);
  const blob = randomBlob(1000);
  await client.pushBlob("app", blob);
  return { server, client, blob, path: `/v2/app/blobs/${blob.digest}` };
};

describe("fault injection", () => {
  it("answers 429 with Retry-After the given number of times, then normally", async () => {
    const { server, client, path } = await start();
    const rule = server.faults.add({
      route: "blob-get",
      times: 2,
      action: { type: "status", status: 429, retryAfter: 3 },
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await client.request("GET", path);
      expect(response.status).toBe(429);
      expect(response.headers.get("retry-after")).toBe("3");
      expect((await response.json()).errors[0]?.code).toBe("TOOMANYREQUESTS");
    }
    expect((await client.request("GET", path)).status).toBe(200);
    expect(rule.hits).toBe(2);
  });

  it("matches by method and path, and can be removed or cleared", async () => {
    const { server, client, path } = await start();
    const rule = server.faults.add({
      method: "HEAD",
      path: /\/blobs\//,
      action: { type: "status", status: 503 },
    });
    expect((await client.request("GET", path)).status).toBe(200);
    expect((await client.request("HEAD", path)).status).toBe(503);
    expect((await client.request("HEAD", "/v2/app/manifests/x")).status).toBe(404);
    rule.remove();
    expect((await client.request("HEAD", path)).status).toBe(200);
    server.faults.add({ action: { type: "status", status: 500 } });
    expect((await client.request("GET", "/v2/")).status).toBe(500);
    server.faults.clear();
    expect((await client.request("GET", "/v2/")).status).toBe(200);
  });

  it("cuts a body after N bytes: the headers promise more than arrives", async () => {
    const { server, client, path } = await start();
    server.faults.add({ route: "blob-get", times: 1, action: { type: "cut", afterBytes: 100 } });
    const response = await client.request("GET", path);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("1000");
    await expect(response.arrayBuffer()).rejects.toThrow();
    expect((await (await client.request("GET", path)).arrayBuffer()).byteLength).toBe(1000);
  });

  it("corrupts one byte of a body, keeping its length and digest header", async () => {
    const { server, client, path, blob } = await start();
    server.faults.add({ route: "blob-get", times: 1, action: { type: "corrupt", offset: 10 } });
    const response = await client.request("GET", path);
    expect(response.headers.get("docker-content-digest")).toBe(blob.digest);
    const body = new Uint8Array(await response.arrayBuffer());
    expect(body.length).toBe(1000);
    const differing = [...body.keys()].filter((index) => body[index] !== blob.bytes[index]);
    expect(differing).toEqual([10]);
  });

  it("delays a request and still answers it", async () => {
    const { server, client } = await start();
    const rule = server.faults.add({ route: "ping", times: 1, action: { type: "delay", milliseconds: 20 } });
    expect((await client.request("GET", "/v2/")).status).toBe(200);
    expect(rule.hits).toBe(1);
  });

  it("fails an upload PATCH while the body is being sent, and the session survives", async () => {
    const { server, client } = await start();
    const blob = randomBlob(2000);
    const post = await client.request("POST", "/v2/app/blobs/uploads/");
    const location = post.headers.get("location") ?? "";
    server.faults.add({ route: "upload-chunk", times: 1, action: { type: "status", status: 502 } });
    const failed = await client.request("PATCH", location, {
      body: blob.bytes,
      headers: { "Content-Range": "0-1999" },
    });
    expect(failed.status).toBe(502);
    const status = await client.request("GET", location);
    expect(status.status).toBe(204);
    expect(status.headers.get("range")).toBe("0-0");
    const retried = await client.request("PATCH", location, {
      body: blob.bytes,
      headers: { "Content-Range": "0-1999" },
    });
    expect(retried.status).toBe(202);
  });

  it("refuses malformed rules with a UsageError", () => {
    server = createRegistryServer();
    expect(() => server?.faults.add({ action: { type: "status", status: 42 } })).toThrow(/HTTP status/);
    expect(() => server?.faults.add({ times: -1, action: { type: "delay", milliseconds: 1 } })).toThrow(
      /times/,
    );
    expect(() => server?.faults.add({ action: { type: "explode" } as never })).toThrow(/action type/);
  });
});
