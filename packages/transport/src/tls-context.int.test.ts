/**
 * A private CA (`tls.ca`) is built into one TLS context when the transport is made, and every connection
 * uses it: Node's `tls.connect` otherwise builds a context per connection from the CA list, parsing all of
 * Node's default roots again each time (docs/decisions/0024-tls-small-blobs.md). Servers on 127.0.0.1.
 */
import type { ServerResponse } from "node:http";
import tls from "node:tls";
import { createCertificate, startRecordingServer, type TestCertificate } from "@stevedore/testing";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTransport, type Transport } from "./create-transport.js";

let certificate: TestCertificate;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  certificate = await createCertificate("127.0.0.1", "IP:127.0.0.1");
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const close of closers.splice(0)) await close();
});

/**
 * Sends `count` GETs at once and answers none before all have arrived: one connection each. Counts the TLS
 * contexts built meanwhile (the server's own is built before).
 */
async function parallelGets(
  transport: Transport,
  count: number,
): Promise<{ connections: number; contexts: number }> {
  const waiting: ServerResponse[] = [];
  const server = await startRecordingServer((_request, response) => {
    waiting.push(response);
    if (waiting.length === count) for (const held of waiting) held.end("{}");
  }, certificate);
  closers.push(() => server.close());
  const built = vi.spyOn(tls, "createSecureContext");
  const answers = await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const response = await transport.send({ method: "GET", url: `${server.origin}/v2/app/${index}` });
      return response.json();
    }),
  );
  expect(answers).toEqual(Array.from({ length: count }, () => ({})));
  return { connections: server.connections(), contexts: built.mock.calls.length };
}

describe("TLS context", () => {
  it("builds no TLS context per connection when a private CA is trusted (HTTP/1.1, 4 connections)", async () => {
    const transport = createTransport({ tls: { ca: certificate.cert }, http2: false });
    closers.push(() => transport.close());
    const { connections, contexts } = await parallelGets(transport, 4);
    expect(connections).toBe(4);
    expect(contexts).toBe(0);
  });

  it("still refuses a server its CA did not sign", async () => {
    const other = await createCertificate("127.0.0.1", "IP:127.0.0.1");
    const transport = createTransport({
      tls: { ca: other.cert },
      http2: false,
      retry: { maxRetries: 0 },
    });
    closers.push(() => transport.close());
    await expect(parallelGets(transport, 1)).rejects.toThrow();
  });
});
