/**
 * The `http2` option: HTTP/2 where the server picks `h2` by ALPN (the default), HTTP/1.1 where it does not
 * (a server that refuses h2) and whenever the option is `false`. Servers on 127.0.0.1 with a throwaway certificate.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  constants as http2Constants,
  type ServerHttp2Session,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { UsageError } from "@stevedore/core";
import { createCertificate, startRecordingServer, type TestCertificate } from "@stevedore/testing";
import { Agent } from "undici";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTransport, type Transport } from "./create-transport.js";
import type { TransportOptions } from "./transport-options.js";

let certificate: TestCertificate;
const closers: (() => Promise<void>)[] = [];
const transports: Transport[] = [];

beforeAll(async () => {
  certificate = await createCertificate("127.0.0.1", "IP:127.0.0.1");
});
afterEach(async () => {
  await Promise.all(transports.splice(0).map((created) => created.close()));
  for (const close of closers.splice(0)) await close();
});

function transport(options: TransportOptions = {}): Transport {
  const created = createTransport({ tls: { ca: certificate.cert }, ...options });
  transports.push(created);
  return created;
}

const blob = Buffer.alloc(3 * 1024 * 1024, 7);
const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;

/** A registry-like server offering h2 and HTTP/1.1; records each request's HTTP version and path. */
async function h2Server(): Promise<{ origin: string; versions: string[] }> {
  const versions: string[] = [];
  const server: Http2SecureServer = createSecureServer(
    { cert: certificate.cert, key: certificate.key, allowHTTP1: true },
    (request: Http2ServerRequest, response) => {
      versions.push(`${request.httpVersion} ${request.method} ${request.url}`);
      if (request.url?.endsWith(digest)) {
        response.writeHead(200, { "content-length": blob.length, "docker-content-digest": digest });
        response.end(blob);
        return;
      }
      response.writeHead(404, { "content-type": "application/json" }).end('{"errors":[]}');
    },
  );
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (session: ServerHttp2Session) => sessions.add(session));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  );
  return { origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, versions };
}

const bearer = { headers: { authorization: "Bearer t" } };

describe("http2", () => {
  it("speaks HTTP/2 to a server that picks h2 (the default), bodies whole", async () => {
    const { origin, versions } = await h2Server();
    const client = transport();
    const answers = await Promise.all(
      [1, 2, 3].map(async () => {
        const response = await client.send({
          method: "GET",
          url: `${origin}/v2/app/blobs/${digest}`,
          ...bearer,
        });
        return Buffer.from(await response.bytes());
      }),
    );
    for (const answer of answers) expect(answer.equals(blob)).toBe(true);
    expect(versions).toEqual(Array.from({ length: 3 }, () => `2.0 GET /v2/app/blobs/${digest}`));
  });

  it("speaks HTTP/1.1 to the same server with http2: false", async () => {
    const { origin, versions } = await h2Server();
    const response = await transport({ http2: false }).send({
      method: "GET",
      url: `${origin}/v2/app/blobs/${digest}`,
      ...bearer,
    });
    expect(Buffer.from(await response.bytes()).equals(blob)).toBe(true);
    expect(versions).toEqual([`1.1 GET /v2/app/blobs/${digest}`]);
  });

  it("sends a bulk GET over HTTP/1.1 beside the h2 connection the other requests share", async () => {
    const { origin, versions } = await h2Server();
    const client = transport();
    const send = async (bulk: boolean | undefined): Promise<Buffer> => {
      const response = await client.send({
        method: "GET",
        url: `${origin}/v2/app/blobs/${digest}`,
        ...bearer,
        ...(bulk === undefined ? {} : { bulk }),
      });
      return Buffer.from(await response.bytes());
    };
    for (const answer of [await send(undefined), await send(true), await send(false), await send(true)]) {
      expect(answer.equals(blob)).toBe(true);
    }
    const path = `GET /v2/app/blobs/${digest}`;
    expect(versions).toEqual([`2.0 ${path}`, `1.1 ${path}`, `2.0 ${path}`, `1.1 ${path}`]);
    // With http2 off everything is HTTP/1.1 already; a bulk GET changes nothing.
    versions.length = 0;
    const plain = await transport({ http2: false }).send({
      method: "GET",
      url: `${origin}/v2/app/blobs/${digest}`,
      ...bearer,
      bulk: true,
    });
    expect(Buffer.from(await plain.bytes()).equals(blob)).toBe(true);
    expect(versions).toEqual([`1.1 ${path}`]);
    await expect(client.send({ method: "GET", url: origin, bulk: "yes" as never })).rejects.toThrow(
      "bulk must be true or false",
    );
  });

  it("speaks HTTP/1.1 to a server that refuses h2", async () => {
    const versions: string[] = [];
    const server = await startRecordingServer((request, response) => {
      versions.push(request.httpVersion);
      response.end("{}");
    }, certificate);
    closers.push(() => server.close());
    const response = await transport().send({ method: "GET", url: `${server.origin}/v2/` });
    expect(await response.json()).toEqual({});
    expect(versions).toEqual(["1.1"]);
  });

  it("resumes a GET whose HTTP/2 stream is reset halfway, as it resumes a cut HTTP/1.1 connection", async () => {
    const ranges: (string | undefined)[] = [];
    const server = createSecureServer(
      { cert: certificate.cert, key: certificate.key },
      (request, response) => {
        const range = request.headers.range;
        ranges.push(range);
        if (range === undefined) {
          response.writeHead(200, { "content-length": blob.length, etag: '"b"' });
          response.write(blob.subarray(0, blob.length / 2), () =>
            request.stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR),
          );
          return;
        }
        const start = Number(/^bytes=(\d+)-/.exec(range)?.[1]);
        response.writeHead(206, {
          "content-length": blob.length - start,
          "content-range": `bytes ${start}-${blob.length - 1}/${blob.length}`,
          etag: '"b"',
        });
        response.end(blob.subarray(start));
      },
    );
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const response = await transport({ clock: { sleep: async () => {} } }).send({
      method: "GET",
      url: `${origin}/v2/app/blobs/${digest}`,
      ...bearer,
    });
    expect(Buffer.from(await response.bytes()).equals(blob)).toBe(true);
    expect(ranges).toHaveLength(2);
    expect(ranges[1]).toMatch(/^bytes=\d+-/);
  });

  it("refuses a non-boolean http2, and http2 beside a dispatcher, with a UsageError", () => {
    expect(() => createTransport({ http2: "yes" as unknown as boolean })).toThrow(UsageError);
    expect(() => createTransport({ http2: true, dispatcher: new Agent() })).toThrow(UsageError);
  });
});
