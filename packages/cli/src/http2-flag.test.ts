/**
 * `--no-http2` (issue 18 point 3, docs/decisions/0009): a TLS registry on 127.0.0.1 that offers h2 and
 * HTTP/1.1 by ALPN sees HTTP/1.1 from a command given the flag, and HTTP/2 without it.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { createCertificate, useTemporaryDirectory } from "@stevedore/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./test-support/fake-io.js";

const directory = useTemporaryDirectory("stevedore-cli-http2-", beforeAll, afterAll);
let caFile: string;
let certificate: { cert: string; key: string };
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  certificate = await createCertificate("127.0.0.1", "IP:127.0.0.1");
  caFile = join(directory.path, "ca.pem");
  await writeFile(caFile, certificate.cert);
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.empty.v1+json", digest: `sha256:${"0".repeat(64)}`, size: 2 },
    layers: [],
  }),
);
const digest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;

/** A registry serving `team/app:v1` over TLS, offering h2 and HTTP/1.1; records each request's version. */
async function startRegistry(): Promise<{ host: string; versions: string[] }> {
  const versions: string[] = [];
  const server: Http2SecureServer = createSecureServer(
    { cert: certificate.cert, key: certificate.key, allowHTTP1: true },
    (request, response) => {
      versions.push(request.httpVersion);
      if (request.url === "/v2/team/app/manifests/v1") {
        response.writeHead(200, {
          "content-type": "application/vnd.oci.image.manifest.v1+json",
          "content-length": String(manifest.length),
          "docker-content-digest": digest,
        });
        if (request.method === "HEAD") response.end();
        else response.end(manifest);
        return;
      }
      response.writeHead(request.url === "/v2/" ? 200 : 404, { "content-type": "application/json" });
      response.end("{}");
    },
  );
  const sockets = new Set<Socket>();
  const sessions = new Set<ServerHttp2Session>();
  server.on("secureConnection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("session", (session: ServerHttp2Session) => sessions.add(session));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, versions };
}

describe("--no-http2", () => {
  it("a registry offering h2 sees HTTP/1.1 only", async () => {
    const registry = await startRegistry();
    const run = await runCli(["digest", `${registry.host}/team/app:v1`, "--ca-file", caFile, "--no-http2"]);
    expect([run.code, run.stdout, run.stderr]).toEqual([0, `${digest}\n`, ""]);
    expect(registry.versions.length).toBeGreaterThan(0);
    expect(new Set(registry.versions)).toEqual(new Set(["1.1"]));
  });

  it("without it, the same registry is spoken to over HTTP/2", async () => {
    const registry = await startRegistry();
    const run = await runCli(["digest", `${registry.host}/team/app:v1`, "--ca-file", caFile]);
    expect([run.code, run.stdout, run.stderr]).toEqual([0, `${digest}\n`, ""]);
    expect(new Set(registry.versions)).toEqual(new Set(["2.0"]));
  });

  it("takes no value", async () => {
    const run = await runCli(["digest", "127.0.0.1:1/team/app:v1", "--no-http2=true"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--no-http2 takes no value");
  });
});
