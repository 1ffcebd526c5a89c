/**
 * Drives every failure path with a sentinel secret in the Authorization header and in signed query
 * strings, and proves the sentinel reaches no error message, string, stack, JSON, inspection or debug line.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { inspect } from "node:util";
import { StevedoreError } from "@stevedore/core";
import { rejection, startRecordingServer, type TestServer } from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTransport, type Transport } from "./create-transport.js";
import { transportDiagnosticsChannel } from "./debug-log.js";

const sentinel = "s3ntinel-SECRET-9f1c";
const sentinelForms = [
  sentinel,
  Buffer.from(`user:${sentinel}`).toString("base64"),
  encodeURIComponent(sentinel),
];
const signedQuery = `X-Amz-Credential=${sentinel}&X-Amz-Signature=${sentinel}&token=${sentinel}&sig=${sentinel}`;

const debugLines: string[] = [];
const published: unknown[] = [];
const listener = (message: unknown) => published.push(message);
let registry: TestServer;
let storage: TestServer;
let closedOrigin: string;
let client: Transport;

beforeAll(async () => {
  subscribe(transportDiagnosticsChannel, listener);
  storage = await startRecordingServer((_request, response) => {
    response.writeHead(403, { "content-type": "application/json" });
    response.end(JSON.stringify({ errors: [{ code: "DENIED", message: "signature expired" }] }));
  });
  registry = await startRecordingServer((request, response) => {
    if (request.url?.startsWith("/v2/unauthorized")) {
      response.writeHead(401, { "www-authenticate": 'Bearer realm="http://127.0.0.1/token",service="test"' });
      response.end(
        JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }),
      );
    } else if (request.url?.startsWith("/v2/unavailable")) {
      response.writeHead(503, { "content-type": "text/html" }).end("<h1>down</h1>");
    } else if (request.url?.startsWith("/v2/redirect")) {
      response.writeHead(307, { location: `${storage.origin}/blob?${signedQuery}` }).end();
    } else {
      response.end("{}");
    }
  });
  const closed = await startRecordingServer(() => {});
  closedOrigin = closed.origin;
  await closed.close();
  client = createTransport({
    auth: {
      authorize: async () => `Bearer ${sentinel}`,
      challenge: async () => true,
    },
    clock: { sleep: async () => {} },
    onDebug: (line) => debugLines.push(line),
  });
});

afterAll(async () => {
  unsubscribe(transportDiagnosticsChannel, listener);
  await client.close();
  await registry.close();
  await storage.close();
});

function renderings(error: unknown): string[] {
  return [
    (error as Error).message,
    String(error),
    (error as Error).stack ?? "",
    JSON.stringify(error),
    inspect(error, { depth: 10 }),
    inspect((error as Error).cause, { depth: 10 }),
  ];
}

describe("no secret in errors or debug output", () => {
  const paths: [string, () => Promise<unknown>][] = [
    [
      "a 401 after the replay",
      () => client.send({ method: "GET", url: `${registry.origin}/v2/unauthorized?${signedQuery}` }),
    ],
    [
      "a 5xx after retries",
      () => client.send({ method: "GET", url: `${registry.origin}/v2/unavailable?${signedQuery}` }),
    ],
    [
      "a refused connection",
      () =>
        client.send({
          method: "GET",
          url: `${closedOrigin}/v2/?${signedQuery}`,
          headers: { authorization: `Basic ${Buffer.from(`user:${sentinel}`).toString("base64")}` },
        }),
    ],
    [
      "an error after a redirect",
      () => client.send({ method: "GET", url: `${registry.origin}/v2/redirect?${signedQuery}` }),
    ],
    [
      "an abort",
      () =>
        client.send({
          method: "GET",
          url: `${registry.origin}/v2/?${signedQuery}`,
          signal: AbortSignal.abort(),
        }),
    ],
    [
      "user info in the URL",
      () => client.send({ method: "GET", url: `http://user:${sentinel}@127.0.0.1:1/v2/` }),
    ],
    [
      "an unexpected status",
      () => client.send({ method: "GET", url: `${registry.origin}/v2/?${signedQuery}`, expect: [204] }),
    ],
  ];

  it.each(paths)("%s", async (_name, run) => {
    const error = await rejection(run());
    expect(StevedoreError.isInstance(error)).toBe(true);
    for (const text of renderings(error)) {
      for (const form of sentinelForms) expect(text).not.toContain(form);
    }
  });

  it("in debug lines and diagnostics messages", () => {
    expect(debugLines.length).toBeGreaterThan(5);
    expect(debugLines.some((line) => line.includes("X-Amz-Signature=REDACTED"))).toBe(true);
    const everything = JSON.stringify([debugLines, published]);
    for (const form of sentinelForms) expect(everything).not.toContain(form);
  });
});
