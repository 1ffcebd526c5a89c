import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { Readable } from "node:stream";
import {
  AbortError,
  InvalidResponseError,
  NetworkError,
  type RegistryResponseError,
  StevedoreError,
  UsageError,
} from "@stevedore/core";
import {
  closeAfter,
  createCertificate,
  rejection,
  startRecordingServer,
  type TestCertificate,
  type TestServer,
} from "@stevedore/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTransport, type Transport } from "./create-transport.js";
import { createFakeAuth, createRecordingSleep } from "./test-support/fakes.js";
import type { TransportOptions } from "./transport-options.js";

const track = closeAfter(afterEach);

async function server(...args: Parameters<typeof startRecordingServer>): Promise<TestServer> {
  return track(await startRecordingServer(...args));
}

function transport(options: TransportOptions = {}): Transport {
  return track(createTransport({ clock: { sleep: createRecordingSleep().sleep }, ...options }));
}

describe("redirects across origins", () => {
  it("never sends Authorization or Cookie to the redirect target, also not on its retry", async () => {
    const storage = await server((_request, response) => {
      if (storage.requests.length === 1) {
        response.writeHead(503).end();
        return;
      }
      response.end("blob bytes");
    });
    const registry = await server((request, response) => {
      if (request.headers.authorization !== "Bearer token-1") {
        response
          .writeHead(401, { "www-authenticate": 'Bearer realm="http://127.0.0.1/token",service="test"' })
          .end();
        return;
      }
      response.writeHead(307, { location: `${storage.origin}/blob?X-Amz-Signature=abc` }).end();
    });
    const auth = createFakeAuth();
    const client = transport({ auth: auth.strategy });

    const response = await client.send({
      method: "GET",
      url: `${registry.origin}/v2/app/blobs/sha256:abc`,
      headers: { cookie: "session=1" },
    });

    expect(await response.text()).toBe("blob bytes");
    expect(response.url.href).toBe(`${storage.origin}/blob?X-Amz-Signature=abc`);
    expect(registry.requests.map((request) => request.headers.authorization)).toEqual([
      undefined,
      "Bearer token-1",
    ]);
    expect(registry.requests[1]?.headers.cookie).toBe("session=1");
    expect(storage.requests).toHaveLength(2);
    for (const request of storage.requests) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers.cookie).toBeUndefined();
    }
  });

  it("re-sends a factory body on a 307 to another origin", async () => {
    const storage = await server((_request, response) => response.writeHead(201).end());
    const registry = await server((_request, response) =>
      response.writeHead(307, { location: `${storage.origin}/upload` }).end(),
    );
    const client = transport();

    await client.send({
      method: "PUT",
      url: `${registry.origin}/v2/app/blobs/uploads/1?digest=sha256:abc`,
      headers: { "content-length": "5" },
      body: () => Readable.from([Buffer.from("hello")]),
      expect: [201],
    });

    expect(registry.requests[0]?.body).toBe("hello");
    expect(storage.requests[0]?.body).toBe("hello");
  });
});

describe("cut connections", () => {
  const blob = randomBytes(200_000);

  function cuttingServer(rangeSupport: boolean) {
    return server((request, response) => {
      const range = /^bytes=(\d+)-/.exec(request.headers.range ?? "");
      if (range && rangeSupport) {
        const start = Number(range[1]);
        response.writeHead(206, {
          "content-length": blob.length - start,
          "content-range": `bytes ${start}-${blob.length - 1}/${blob.length}`,
          etag: '"sha256:blob"',
        });
        response.end(blob.subarray(start));
        return;
      }
      response.writeHead(200, {
        "content-length": blob.length,
        etag: '"sha256:blob"',
        "accept-ranges": "bytes",
      });
      // Cut the connection after a part of the body, on every full request.
      response.write(blob.subarray(0, 70_000), () => response.socket?.destroy());
    });
  }

  it("resumes a GET whose response was cut, and the caller receives the complete body", async () => {
    const origin = await cuttingServer(true);
    const client = transport();

    const response = await client.send({ method: "GET", url: `${origin.origin}/v2/app/blobs/sha256:blob` });
    const received = await response.bytes();

    expect(Buffer.from(received).equals(blob)).toBe(true);
    expect(origin.requests).toHaveLength(2);
    expect(origin.requests[1]?.headers.range).toMatch(/^bytes=\d+-199999$/);
    expect(origin.requests[1]?.headers["if-match"]).toBe('"sha256:blob"');
  });

  it("fails a body cut before it was first read, instead of leaving the reader waiting", async () => {
    const origin = await cuttingServer(false);
    const client = transport({ retry: { maxRetries: 0 } });

    const response = await client.send({ method: "GET", url: `${origin.origin}/v2/app/blobs/sha256:blob` });
    // The connection is cut while nobody reads the body yet.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const error = await rejection(response.bytes());

    expect(NetworkError.isInstance(error)).toBe(true);
  });

  it("fails the body stream with a typed error when the server cannot resume", async () => {
    const origin = await cuttingServer(false);
    const client = transport();

    const response = await client.send({ method: "GET", url: `${origin.origin}/v2/app/blobs/sha256:blob` });
    const error = await rejection(response.bytes());

    expect(InvalidResponseError.isInstance(error)).toBe(true);
  });

  it("does not retry a PUT whose one-shot stream body was consumed", async () => {
    const origin = await server((_request, response) => response.socket?.destroy());
    const client = transport();

    const error = await rejection(
      client.send({
        method: "PUT",
        url: `${origin.origin}/v2/app/blobs/uploads/1?digest=sha256:abc`,
        headers: { "content-length": "11" },
        body: Readable.from([Buffer.from("layer bytes")]),
      }),
    );

    expect(NetworkError.isInstance(error)).toBe(true);
    expect(origin.requests.map((request) => request.body)).toEqual(["layer bytes"]);
  });

  it("retries a PUT with a factory body by calling the factory again", async () => {
    const origin = await server((_request, response) => {
      if (origin.requests.length === 1) response.socket?.destroy();
      else response.writeHead(201).end();
    });
    const client = transport();
    let calls = 0;

    const response = await client.send({
      method: "PUT",
      url: `${origin.origin}/v2/app/blobs/uploads/1?digest=sha256:abc`,
      headers: { "content-length": "11" },
      body: () => {
        calls += 1;
        return Readable.from([Buffer.from("layer "), Buffer.from("bytes")]);
      },
      expect: [201],
    });

    expect(response.status).toBe(201);
    expect(calls).toBe(2);
    expect(origin.requests.map((request) => request.body)).toEqual(["layer bytes", "layer bytes"]);
  });

  it("does not retry a POST when the connection drops after the request was sent", async () => {
    const origin = await server((_request, response) => response.socket?.destroy());
    const client = transport();

    const error = await rejection(
      client.send({ method: "POST", url: `${origin.origin}/v2/app/blobs/uploads/`, body: "x" }),
    );

    expect(NetworkError.isInstance(error)).toBe(true);
    expect(origin.requests).toHaveLength(1);
  });
});

describe("abort", () => {
  it("aborts a streaming response body with AbortError", async () => {
    const origin = await server((_request, response) => {
      response.writeHead(200, { "content-length": 1_000_000 });
      response.write(Buffer.alloc(1000));
    });
    const client = transport();
    const controller = new AbortController();

    const response = await client.send({
      method: "GET",
      url: `${origin.origin}/blob`,
      signal: controller.signal,
    });
    const reading = rejection(response.bytes());
    controller.abort();

    expect(AbortError.isInstance(await reading)).toBe(true);
  });
});

describe("connections", () => {
  it("keeps connections alive between requests", async () => {
    const origin = await server((_request, response) => response.end("{}"));
    const client = transport();

    for (let index = 0; index < 6; index += 1) {
      await (await client.send({ method: "GET", url: `${origin.origin}/v2/` })).text();
    }

    // undici may open a second socket while the first is still being released; never one per request.
    expect(origin.requests).toHaveLength(6);
    expect(origin.connections()).toBeLessThanOrEqual(2);
  });

  it("reads a large plain-HTTP body in reads beyond Node's 64 KiB, every byte in order", async () => {
    const blob = randomBytes(8 * 1024 * 1024);
    const origin = await server((_request, response) => {
      response.writeHead(200, { "content-length": String(blob.length) });
      // Written in pieces while the client reads, as a registry streams a file.
      const pieces = Readable.from(
        Array.from({ length: 64 }, (_, index) => blob.subarray(index * 131_072, (index + 1) * 131_072)),
      );
      pieces.pipe(response);
    });
    const client = transport();

    const response = await client.send({ method: "GET", url: `${origin.origin}/v2/x/blobs/sha256:1` });
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) chunks.push(chunk as Buffer);

    expect(createHash("sha256").update(Buffer.concat(chunks)).digest("hex")).toBe(
      createHash("sha256").update(blob).digest("hex"),
    );
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeGreaterThan(64 * 1024);
  });

  it("keeps every body intact when many responses of any size share a connection and are held to the end", async () => {
    const sizes = Array.from(
      { length: 120 },
      (_, index) => [0, 1, 17, 4096, 65_535, 65_536, 200_000, 300_001][index % 8] ?? 0,
    );
    const bodies = sizes.map((size) => randomBytes(size));
    const origin = await server((request, response) => {
      const body = bodies[Number(request.url?.split("/").pop())] ?? Buffer.alloc(0);
      response.writeHead(200, { "content-length": String(body.length) });
      response.end(body);
    });
    const client = transport();

    // Every chunk of every response is kept until all have arrived: a read buffer reused too early would
    // show up as changed bytes in an earlier body.
    const received: Buffer[][] = [];
    for (const index of bodies.keys()) {
      const response = await client.send({ method: "GET", url: `${origin.origin}/v2/x/blobs/${index}` });
      const chunks: Buffer[] = [];
      for await (const chunk of response.body) chunks.push(chunk as Buffer);
      received.push(chunks);
    }

    expect(
      received.map((chunks) =>
        Buffer.concat(chunks).equals(bodies[received.indexOf(chunks)] ?? Buffer.alloc(1)),
      ),
    ).toEqual(bodies.map(() => true));
    expect(origin.connections()).toBeLessThanOrEqual(2);
  });

  it("stops reading an endless error body after errorBodyLimit", async () => {
    const origin = await server((_request, response) => {
      response.writeHead(500, { "content-type": "text/html" });
      const endless = new Readable({ read: () => void endless.push(Buffer.alloc(16_384, "<p>")) });
      endless.pipe(response);
      response.on("close", () => endless.destroy());
    });
    const client = transport({ retry: { maxRetries: 0 } });

    const error = await rejection(client.send({ method: "GET", url: `${origin.origin}/v2/` }));

    expect((error as RegistryResponseError).status).toBe(500);
    expect((error as RegistryResponseError).errors).toEqual([]);
  });

  it("gives up on a server that never answers after the headers timeout", async () => {
    const origin = await server(() => {});
    const client = transport({ timeouts: { headers: 100 }, retry: { maxRetries: 0 } });

    const error = await rejection(client.send({ method: "GET", url: `${origin.origin}/v2/` }));

    expect(NetworkError.isInstance(error)).toBe(true);
    expect((error as NetworkError).message).toContain("UND_ERR_HEADERS_TIMEOUT");
  });

  it("fails with NetworkError when nothing listens", async () => {
    const closed = await server(() => {});
    await closed.close();
    const client = transport({ retry: { maxRetries: 1 } });

    const error = await rejection(client.send({ method: "GET", url: `${closed.origin}/v2/` }));

    expect(NetworkError.isInstance(error)).toBe(true);
    expect((error as NetworkError).message).toContain("ECONNREFUSED");
  });
  it("says at once that a loopback connection was refused, without retrying", async () => {
    const closed = await server(() => {});
    await closed.close();
    const recording = createRecordingSleep();
    const client = transport({ clock: { sleep: recording.sleep }, retry: { maxRetries: 3 } });

    const error = await rejection(client.send({ method: "GET", url: `${closed.origin}/v2/` }));

    expect(NetworkError.isInstance(error)).toBe(true);
    expect((error as NetworkError).message).toMatch(
      new RegExp(`^GET ${closed.origin}/v2/ failed: connection refused \\(ECONNREFUSED`),
    );
    expect(recording.delays).toEqual([]);
  });
});

describe("TLS", () => {
  let serverCertificate: TestCertificate;
  let clientCertificate: TestCertificate;

  beforeAll(async () => {
    [serverCertificate, clientCertificate] = await Promise.all([
      createCertificate("127.0.0.1", "IP:127.0.0.1"),
      createCertificate("stevedore-client", "DNS:stevedore-client"),
    ]);
  });

  it("trusts a private CA given as an option, and fails without it", async () => {
    const origin = await server((_request, response) => response.end("{}"), serverCertificate);

    const trusting = transport({ tls: { ca: serverCertificate.cert } });
    const response = await trusting.send({ method: "GET", url: `${origin.origin}/v2/` });
    expect(await response.json()).toEqual({});

    const distrusting = transport();
    const error = await rejection(distrusting.send({ method: "GET", url: `${origin.origin}/v2/` }));
    expect(NetworkError.isInstance(error)).toBe(true);
    expect((error as NetworkError).message).toMatch(/SELF_SIGNED|self-signed/i);
  });

  it("applies per-host settings only to their host", async () => {
    const origin = await server((_request, response) => response.end("{}"), serverCertificate);

    const matching = transport({
      hosts: { [`127.0.0.1:${origin.port}`]: { ca: Buffer.from(serverCertificate.cert) } },
    });
    expect((await matching.send({ method: "GET", url: `${origin.origin}/v2/` })).status).toBe(200);

    const otherHost = transport({ hosts: { "registry.example:443": { ca: serverCertificate.cert } } });
    expect(
      NetworkError.isInstance(
        await rejection(otherHost.send({ method: "GET", url: `${origin.origin}/v2/` })),
      ),
    ).toBe(true);

    const insecure = transport({ hosts: { "127.0.0.1": { insecure: true } } });
    expect((await insecure.send({ method: "GET", url: `${origin.origin}/v2/` })).status).toBe(200);
  });

  it("presents a client certificate to a registry that asks for one", async () => {
    const origin = await server((_request, response) => response.end("{}"), {
      ...serverCertificate,
      ca: clientCertificate.cert,
      requestCert: true,
      rejectUnauthorized: true,
    });

    const withCertificate = transport({ tls: { ca: serverCertificate.cert, ...clientCertificate } });
    expect((await withCertificate.send({ method: "GET", url: `${origin.origin}/v2/` })).status).toBe(200);

    const without = transport({ tls: { ca: serverCertificate.cert }, retry: { maxRetries: 0 } });
    expect(
      StevedoreError.isInstance(
        await rejection(without.send({ method: "GET", url: `${origin.origin}/v2/` })),
      ),
    ).toBe(true);
  });

  it("rejects unreadable PEM when the transport is created", () => {
    expect(() => createTransport({ tls: { ca: "not a certificate" } })).toThrow(UsageError);
    const broken = serverCertificate.cert.replace(/\n[A-Za-z0-9+/]{20}/, "\n!!!!");
    expect(() => createTransport({ hosts: { "registry.local": { ca: broken } } })).toThrow(UsageError);
    expect(() => createTransport({ tls: { ...clientCertificate, key: serverCertificate.key } })).toThrow(
      UsageError,
    );
    expect(() => createTransport({ tls: { cert: clientCertificate.cert } })).toThrow(UsageError);
  });
});

describe("proxies", () => {
  let proxy: TestServer;
  let target: TestServer;

  beforeAll(async () => {
    proxy = await startRecordingServer((_request, response) => response.end("via proxy"));
    target = await startRecordingServer((_request, response) => response.end("direct"));
  });

  afterAll(async () => {
    await proxy.close();
    await target.close();
  });

  afterEach(() => {
    proxy.requests.length = 0;
    target.requests.length = 0;
  });

  async function fetchText(client: Transport): Promise<string> {
    return (await client.send({ method: "GET", url: `${target.origin}/v2/` })).text();
  }

  it("sends through HTTP_PROXY from the environment the caller passes, in absolute form", async () => {
    const client = transport({ proxy: "environment", env: { HTTP_PROXY: proxy.origin } });

    expect(await fetchText(client)).toBe("via proxy");
    expect(proxy.requests.map((request) => request.url)).toEqual([`${target.origin}/v2/`]);
    expect(target.requests).toEqual([]);
  });

  it("uses explicit proxy options and honours noProxy", async () => {
    expect(await fetchText(transport({ proxy: { http: proxy.origin } }))).toBe("via proxy");
    expect(
      await fetchText(transport({ proxy: { http: proxy.origin, noProxy: "localhost,127.0.0.1" } })),
    ).toBe("direct");
    expect(
      await fetchText(
        transport({ proxy: "environment", env: { http_proxy: proxy.origin, NO_PROXY: "127.0.0.1" } }),
      ),
    ).toBe("direct");
  });

  it("tunnels https requests through httpsProxy with CONNECT, verifying the target with the given CA", async () => {
    const certificate = await createCertificate("127.0.0.1", "IP:127.0.0.1");
    const origin = await server((_request, response) => response.end("over tls"), certificate);
    const tunnels: string[] = [];
    const tunnel = createServer();
    tunnel.on("connect", (request: IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(request.url ?? "");
      const [host, port] = (request.url ?? "").split(":");
      const upstream = connect(Number(port), host, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((resolve) => tunnel.listen(0, "127.0.0.1", resolve));
    const proxyUrl = `http://127.0.0.1:${(tunnel.address() as AddressInfo).port}`;
    try {
      const client = transport({ proxy: { https: proxyUrl }, tls: { ca: certificate.cert } });
      const response = await client.send({ method: "GET", url: `${origin.origin}/v2/` });
      expect(await response.text()).toBe("over tls");
      expect(tunnels).toEqual([`127.0.0.1:${origin.port}`]);
      await client.close();
    } finally {
      tunnel.closeAllConnections();
      await new Promise((resolve) => tunnel.close(resolve));
    }
  });

  it("never reads process.env itself", async () => {
    const saved = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = proxy.origin;
    try {
      expect(await fetchText(transport())).toBe("direct");
      expect(await fetchText(transport({ proxy: "environment", env: {} }))).toBe("direct");
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
    }
    expect(proxy.requests).toEqual([]);
  });
});

describe("rate limits (Docker Hub, spec §15)", () => {
  const hubHeaders = (remaining: number) => ({
    "ratelimit-limit": "100;w=21600",
    "ratelimit-remaining": `${remaining};w=21600`,
    "docker-ratelimit-source": "203.0.113.5",
  });
  const tooMany = JSON.stringify({
    errors: [{ code: "TOOMANYREQUESTS", message: "You have reached your unauthenticated pull rate limit." }],
  });

  it("names the limit, the remaining count and the wait in the error of a 429", async () => {
    const origin = await server((_request, response) => {
      response.writeHead(429, {
        "content-type": "application/json",
        "retry-after": "3600",
        ...hubHeaders(0),
      });
      response.end(tooMany);
    });
    const warnings: string[] = [];
    const client = transport({ onWarning: (warning) => warnings.push(warning) });

    const error = await rejection(
      client.send({ method: "GET", url: `${origin.origin}/v2/library/alpine/manifests/3` }),
    );

    expect((error as RegistryResponseError).message).toBe(
      `GET ${origin.origin}/v2/library/alpine/manifests/3 answered 429: rate limit 100 per 21600 s reached for 203.0.113.5 (0 remaining); retry after 3600 s (TOOMANYREQUESTS: You have reached your unauthenticated pull rate limit.)`,
    );
    expect((error as RegistryResponseError).rateLimit).toStrictEqual({
      limit: 100,
      remaining: 0,
      windowSeconds: 21600,
      source: "203.0.113.5",
    });
    expect((error as RegistryResponseError).hasCode("TOOMANYREQUESTS")).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("keeps the plain message of a 429 without rate-limit headers", async () => {
    const origin = await server((_request, response) => {
      response.writeHead(429, { "content-type": "application/json" });
      response.end(tooMany);
    });
    const client = transport({ retry: { maxRetries: 0 } });

    const error = await rejection(client.send({ method: "GET", url: `${origin.origin}/v2/` }));

    expect((error as RegistryResponseError).message).toBe(
      `GET ${origin.origin}/v2/ answered 429 (TOOMANYREQUESTS: You have reached your unauthenticated pull rate limit.)`,
    );
    expect((error as RegistryResponseError).rateLimit).toBeUndefined();
  });

  it("warns once when the remaining count runs low, and again after it recovered and ran low again", async () => {
    const counts = [50, 6, 5, 4, 0, 0, 100, 3];
    const origin = await server((_request, response) => {
      response.writeHead(200, hubHeaders(counts.shift() ?? 100));
      response.end();
    });
    const warnings: string[] = [];
    const client = transport({ onWarning: (warning) => warnings.push(warning) });

    for (let index = 0; index < 8; index++) {
      const response = await client.send({
        method: "HEAD",
        url: `${origin.origin}/v2/app/manifests/${index}`,
      });
      await response.dump();
    }

    expect(warnings).toEqual([
      "rate limit nearly reached: 5 of 100 per 21600 s remaining for 203.0.113.5",
      "rate limit nearly reached: 3 of 100 per 21600 s remaining for 203.0.113.5",
    ]);
  });

  it("says so when the first low count it sees is 0, and stays quiet without the headers", async () => {
    let remaining: number | undefined = 0;
    const origin = await server((_request, response) => {
      response.writeHead(200, remaining === undefined ? {} : hubHeaders(remaining));
      response.end();
    });
    const warnings: string[] = [];
    const client = transport({ onWarning: (warning) => warnings.push(warning) });

    await (await client.send({ method: "HEAD", url: `${origin.origin}/v2/app/manifests/a` })).dump();
    remaining = undefined;
    await (await client.send({ method: "HEAD", url: `${origin.origin}/v2/app/manifests/b` })).dump();

    expect(warnings).toEqual([
      "rate limit reached: 0 of 100 per 21600 s remaining for 203.0.113.5; further requests will be refused (429) until the window allows more",
    ]);
  });
});
