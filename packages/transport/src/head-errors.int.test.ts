// A refused HEAD has no body to read; closing it must not leave an uncaught "Request aborted" behind
// (vitest fails the run on any unhandled error, so these tests fail if it escapes).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AuthenticationError, RegistryResponseError } from "@stevedore/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTransport } from "./create-transport.js";

let server: Server;
let origin: string;
// Connections that carried a request (a TLS attempt of the HTTPS-first probe carries none).
let connections = 0;
const sockets = new WeakSet<object>();

beforeAll(async () => {
  server = createServer((request, response) => {
    if (!sockets.has(request.socket)) {
      sockets.add(request.socket);
      connections++;
    }
    const status = Number(new URL(request.url ?? "/", "http://x").searchParams.get("status") ?? 200);
    const headers: Record<string, string> = { "content-type": "application/json", "content-length": "90" };
    if (status === 401) headers["www-authenticate"] = 'Basic realm="test"';
    response.writeHead(status, headers);
    response.end(request.method === "HEAD" ? undefined : " ".repeat(90));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("refused HEAD requests", () => {
  it.each([403, 404, 500])(
    "turn a %i into a RegistryResponseError without an uncaught error",
    async (status) => {
      const transport = createTransport({ retry: { maxRetries: 0 } });
      const failure = await transport
        .send({ method: "HEAD", url: `${origin}/v2/team/app/blobs/sha256:abc?status=${status}` })
        .catch((error: unknown) => error);
      expect(RegistryResponseError.isInstance(failure)).toBe(true);
      expect((failure as RegistryResponseError).status).toBe(status);
      // Let any stray "Request aborted" surface before the test ends.
      await new Promise((resolve) => setImmediate(resolve));
      await transport.close();
    },
  );

  it("turn a 401 the strategy gives up on into an AuthenticationError without an uncaught error", async () => {
    const transport = createTransport({
      retry: { maxRetries: 0 },
      auth: { authorize: async () => undefined, challenge: async () => false },
    });
    const failure = await transport
      .send({ method: "HEAD", url: `${origin}/v2/team/app/manifests/v1?status=401` })
      .catch((error: unknown) => error);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    await transport.close();
  });
});

describe("HEAD requests", () => {
  it("keep the connection for the next request (a copy HEADs every blob)", async () => {
    const transport = createTransport({ retry: { maxRetries: 0 } });
    const before = connections;
    for (let i = 0; i < 5; i++) {
      const response = await transport.send({
        method: "HEAD",
        url: `${origin}/v2/team/app/blobs/sha256:abc`,
      });
      await response.dump();
    }
    // undici closed the socket after each HEAD before (5 connections for 5 requests).
    expect(connections - before).toBeLessThanOrEqual(2);
    await transport.close();
  });
});
