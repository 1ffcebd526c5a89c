/**
 * HTTPS first on loopback (issue 12.5) and what the auth strategy is told per call (issue 14.2): a loopback
 * URL (`baseUrl` gives `http:`) goes out over HTTPS when the server speaks TLS, stays plain HTTP when it does
 * not — probed once per host:port — and is never probed where the caller asked for plain HTTP.
 */
import type { AuthRequest, AuthStrategy } from "@stevedore/core";
import { NetworkError } from "@stevedore/core";
import {
  closeAfter,
  createCertificate,
  startRecordingServer,
  type TestCertificate,
  type TestServer,
} from "@stevedore/testing";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTransport, type Transport } from "./create-transport.js";
import type { TransportDebugEvent } from "./debug-log.js";
import { createRecordingSleep } from "./test-support/fakes.js";
import type { TransportOptions } from "./transport-options.js";

const track = closeAfter(afterEach);
let certificate: TestCertificate;

beforeAll(async () => {
  certificate = await createCertificate("127.0.0.1", "IP:127.0.0.1");
});

async function server(tls?: TestCertificate): Promise<TestServer> {
  return track(await startRecordingServer((_request, response) => response.end("{}"), tls));
}

/** A transport whose scheme decisions are collected from its debug events. */
function transport(options: TransportOptions = {}): { client: Transport; schemes: TransportDebugEvent[] } {
  const schemes: TransportDebugEvent[] = [];
  const client = createTransport({
    clock: { sleep: createRecordingSleep().sleep },
    onDebug: (_line, event) => {
      if (event.type === "scheme") schemes.push(event);
    },
    ...options,
  });
  return { client: track(client), schemes };
}

const plainUrl = (origin: TestServer, path = "/v2/"): string => `http://127.0.0.1:${origin.port}${path}`;

describe("a loopback host", () => {
  it("is spoken to over HTTPS when it speaks TLS, though baseUrl says http", async () => {
    const origin = await server(certificate);
    const { client, schemes } = transport({ tls: { ca: certificate.cert } });
    expect(client.baseUrl(`127.0.0.1:${origin.port}`).href).toBe(plainUrl(origin, "/"));

    const first = await client.send({ method: "GET", url: plainUrl(origin, "/v2/a/tags/list") });
    const second = await client.send({ method: "GET", url: plainUrl(origin, "/v2/b/tags/list") });

    expect([first.status, first.url.href]).toEqual([200, `${origin.origin}/v2/a/tags/list`]);
    expect(second.url.protocol).toBe("https:");
    expect(schemes).toEqual([expect.objectContaining({ url: `${origin.origin}/`, tls: true })]);
    // The probe is a TLS hello, not an HTTP request: the server sees only the caller's requests.
    expect(origin.requests.map((request) => request.url)).toEqual(["/v2/a/tags/list", "/v2/b/tags/list"]);
  });

  it("stays plain HTTP when it does not speak TLS, probing once for any number of requests", async () => {
    const origin = await server();
    const { client, schemes } = transport();

    const responses = await Promise.all(
      [1, 2, 3, 4].map((index) => client.send({ method: "GET", url: plainUrl(origin, `/v2/${index}`) })),
    );

    expect(responses.map((response) => response.url.protocol)).toEqual(["http:", "http:", "http:", "http:"]);
    expect(schemes).toEqual([expect.objectContaining({ tls: false })]);
    expect(origin.requests).toHaveLength(4);
  });

  // The probe gives up after 3 s even with a long connect timeout (20 s here: without the cap the first
  // request would wait that long and the test's 15 s limit would fail it).
  it("stays plain HTTP when the server never answers a TLS hello (it waits for a line end)", {
    timeout: 15_000,
  }, async () => {
    const { createServer: createNetServer } = await import("node:net");
    // Answers a request once it has seen the end of its headers; binary TLS bytes never end a line.
    const silent = createNetServer((socket) => {
      let text = "";
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString("latin1");
        if (text.includes("\r\n\r\n")) {
          socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}");
        }
      });
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const { client, schemes } = transport({ timeouts: { connect: 20_000 } });
      const response = await client.send({ method: "GET", url: `http://127.0.0.1:${port}/v2/` });
      expect([response.status, response.url.protocol, await response.text()]).toEqual([200, "http:", "{}"]);
      expect(schemes).toEqual([expect.objectContaining({ tls: false })]);
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("with an untrusted certificate is a certificate error, never plain HTTP", async () => {
    const origin = await server(certificate);
    const { client } = transport({ retry: { maxRetries: 0 } });

    const error = await client
      .send({ method: "GET", url: plainUrl(origin) })
      .catch((caught: unknown) => caught);

    expect(NetworkError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/^GET https:\/\/127\.0\.0\.1:\d+\/v2\/ failed: .*self-signed/i);
    expect(origin.requests).toEqual([]);
  });

  it.each([
    ["plainHttp: true", { plainHttp: true }],
    ["plainHttp naming the host", { plainHttp: ["127.0.0.1"] }],
    ["hosts[…].plainHttp", { hosts: { "127.0.0.1": { plainHttp: true } } }],
  ] as [string, TransportOptions][])("is plain HTTP without a probe with %s", async (_name, options) => {
    const origin = await server();
    const { client, schemes } = transport(options);
    expect((await client.send({ method: "GET", url: plainUrl(origin) })).url.protocol).toBe("http:");
    expect(schemes).toEqual([]);
  });

  it("with plainHttp.loopback false is HTTPS only: baseUrl says https and nothing falls back", async () => {
    const origin = await server();
    const { client, schemes } = transport({ plainHttp: { loopback: false }, retry: { maxRetries: 0 } });
    const base = client.baseUrl(`127.0.0.1:${origin.port}`);
    expect(base.protocol).toBe("https:");
    const error = await client
      .send({ method: "GET", url: new URL("/v2/", base) })
      .catch((caught: unknown) => caught);
    expect(NetworkError.isInstance(error)).toBe(true);
    expect(schemes).toEqual([]);
  });
});

describe("the AuthRequest", () => {
  function recordingAuth(): { strategy: AuthStrategy; requests: AuthRequest[] } {
    const requests: AuthRequest[] = [];
    return {
      requests,
      strategy: {
        async authorize(request) {
          requests.push(request);
          return undefined;
        },
        challenge: async () => false,
      },
    };
  }

  it("carries the transport's dispatcher and whether plain HTTP is the caller's choice for the origin", async () => {
    const origin = await server();
    const auth = recordingAuth();
    const { client } = transport({ auth: auth.strategy });
    await client.send({ method: "GET", url: plainUrl(origin) });
    const listed = recordingAuth();
    const { client: forced } = transport({
      auth: listed.strategy,
      plainHttp: { hosts: true, loopback: false },
    });
    await forced.send({ method: "GET", url: plainUrl(origin) });

    expect(
      auth.requests.map((request) => [request.dispatcher === client.dispatcher, request.plainHttp]),
    ).toEqual([[true, true]]);
    expect(
      listed.requests.map((request) => [request.dispatcher === forced.dispatcher, request.plainHttp]),
    ).toEqual([[true, true]]);
  });

  it("says plain HTTP is not allowed to a loopback host with plainHttp.loopback false", async () => {
    const origin = await server(certificate);
    const auth = recordingAuth();
    const { client } = transport({
      auth: auth.strategy,
      plainHttp: { loopback: false },
      tls: { ca: certificate.cert },
    });
    await client.send({ method: "GET", url: `${origin.origin}/v2/` });
    expect(auth.requests.map((request) => request.plainHttp)).toEqual([false]);
  });
});
