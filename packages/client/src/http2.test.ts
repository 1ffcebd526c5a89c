/**
 * A pull over TLS behaves the same whether the connection speaks HTTP/2 or HTTP/1.1 (docs/decisions/0009):
 * Basic and Bearer challenges are answered, blobs follow a 307 to storage on another origin that never sees
 * the Authorization header, and a layer download cut halfway resumes with `Range`. The same pull also works
 * with HTTP/2 on against servers that offer HTTP/1.1 only by ALPN. Registry, token endpoint and storage are
 * scripted servers on 127.0.0.1 with a throwaway certificate.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  createSecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  constants as http2Constants,
  type ServerHttp2Session,
} from "node:http2";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCertificate } from "@stevedore/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "./create-client.js";

type Request = IncomingMessage | Http2ServerRequest;
/** The calls these servers make are the same on node:http's response and node:http2's compatibility one. */
type Response = ServerResponse;

/** What a scripted server saw: protocol version, method, path, and which Authorization scheme came. */
interface Seen {
  version: string;
  method: string;
  path: string;
  authorization: string | undefined;
  range: string | undefined;
}

let directory: string;
let certificate: { cert: string; key: string; file: string };
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "stevedore-client-http2-"));
  const { cert, key } = await createCertificate("127.0.0.1", "IP:127.0.0.1");
  const file = join(directory, "cert.pem");
  await writeFile(file, cert);
  certificate = { cert, key, file };
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer | string): string =>
  `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const layer = Buffer.alloc(4 * 1024 * 1024);
for (let index = 0; index < layer.length; index += 4) layer.writeUInt32LE((index * 2654435761) >>> 0, index);
const config = Buffer.from(
  JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers" } }),
);
const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: sha256(config),
      size: config.length,
    },
    layers: [
      { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.length },
    ],
  }),
);
const blobs = new Map([
  [sha256(config), config],
  [sha256(layer), layer],
]);

type Protocol = "h2 offered" | "HTTP/1.1 only";

/**
 * An HTTPS server on 127.0.0.1: with "h2 offered", node:http2 with HTTP/1.1 allowed (ALPN h2 and
 * http/1.1); with "HTTP/1.1 only", node:https offering http/1.1 alone, a server that refuses h2.
 */
async function secureServer(
  protocol: Protocol,
  handler: (request: Request, response: Response, seen: Seen) => void,
): Promise<{ origin: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const listener = (request: Request, response: ServerResponse | Http2ServerResponse): void => {
    const entry: Seen = {
      version: request.httpVersion,
      method: request.method ?? "",
      path: request.url ?? "",
      authorization: request.headers.authorization?.split(" ")[0],
      range: typeof request.headers.range === "string" ? request.headers.range : undefined,
    };
    seen.push(entry);
    handler(request, response as Response, entry);
  };
  const options = { cert: certificate.cert, key: certificate.key };
  const sockets = new Set<Socket>();
  const sessions = new Set<ServerHttp2Session>();
  const server =
    protocol === "h2 offered"
      ? createSecureServer({ ...options, allowHTTP1: true }, listener)
      : createHttpsServer({ ...options, ALPNProtocols: ["http/1.1"] }, listener);
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
  return { origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** Ends the response after half its body has gone out: a cut connection (h1) or a reset stream (h2). */
function cutHalfway(request: Request, response: Response, body: Buffer): void {
  response.writeHead(200, { "content-length": String(body.length) });
  const half = body.subarray(0, body.length / 2);
  response.write(half, () => {
    if ("stream" in request) request.stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
    else request.socket.destroy();
  });
}

/**
 * Storage on its own origin: serves blobs by digest with `Range`, and cuts the first download of the layer
 * halfway.
 */
async function startStorage(protocol: Protocol): Promise<{ origin: string; seen: Seen[] }> {
  let layerDownloads = 0;
  return secureServer(protocol, (request, response, seen) => {
    const body = blobs.get(seen.path.split("?")[0]?.slice(1) ?? "");
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    if (body === layer && layerDownloads++ === 0) {
      cutHalfway(request, response, body);
      return;
    }
    const [, from, to] = /^bytes=(\d+)-(\d*)$/.exec(seen.range ?? "") ?? [];
    const start = Number(from ?? 0);
    const end = to ? Number(to) + 1 : body.length;
    const part = body.subarray(start, end);
    response.writeHead(from === undefined ? 200 : 206, {
      "content-length": String(part.length),
      ...(from === undefined ? {} : { "content-range": `bytes ${start}-${end - 1}/${body.length}` }),
    });
    response.end(part);
  });
}

type Auth = "Basic" | "Bearer";
const basic = `Basic ${Buffer.from("me:secret").toString("base64")}`;

/**
 * The registry: `team/app:v1` behind a Basic or Bearer challenge (the token endpoint on the same server at
 * `/token`, answering the same Basic credentials), blobs answered with a 307 to storage.
 */
async function startRegistry(
  protocol: Protocol,
  auth: Auth,
  storage: string,
): Promise<{ origin: string; host: string; seen: Seen[] }> {
  let origin = "";
  const started = await secureServer(protocol, (request, response, seen) => {
    const authorization = request.headers.authorization;
    if (seen.path.startsWith("/token?")) {
      const ok = authorization === basic;
      response.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      response.end(ok ? JSON.stringify({ token: "t0ken" }) : "{}");
      return;
    }
    if (authorization !== (auth === "Basic" ? basic : "Bearer t0ken")) {
      const challenge =
        auth === "Basic"
          ? 'Basic realm="test"'
          : `Bearer realm="${origin}/token",service="test",scope="repository:team/app:pull"`;
      response.writeHead(401, { "www-authenticate": challenge, "content-type": "application/json" });
      response.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    if (seen.path === "/v2/team/app/manifests/v1") {
      response.writeHead(200, {
        "content-type": "application/vnd.oci.image.manifest.v1+json",
        "content-length": String(manifest.length),
        "docker-content-digest": sha256(manifest),
      });
      if (seen.method === "HEAD") response.end();
      else response.end(manifest);
      return;
    }
    const digest = /^\/v2\/team\/app\/blobs\/(sha256:[0-9a-f]{64})$/.exec(seen.path)?.[1];
    if (digest !== undefined && blobs.has(digest)) {
      response.writeHead(307, { location: `${storage}/${digest}?signature=s3cr3t` }).end();
      return;
    }
    response.writeHead(404, { "content-type": "application/json" }).end('{"errors":[]}');
  });
  origin = started.origin;
  return { ...started, host: origin.slice("https://".length) };
}

let pulls = 0;

/**
 * A pull of `team/app:v1` through a client with `http2` as given — as the transport option, or as the
 * client's own — and what each server saw, the layer pulled.
 */
async function pull(
  protocol: Protocol,
  auth: Auth,
  http2: boolean,
  way: "transport" | "client" = "transport",
): Promise<{ registry: Seen[]; storage: Seen[]; versions: Set<string>; layerFile: Buffer }> {
  const storage = await startStorage(protocol);
  const registry = await startRegistry(protocol, auth, storage.origin);
  const client = createClient({
    credentials: false,
    env: {},
    staticCredentials: { [registry.host]: { username: "me", password: "secret" } },
    caFiles: [certificate.file],
    ...(way === "client" ? { http2 } : {}),
    transport: { ...(way === "transport" ? { http2 } : {}), clock: { sleep: async () => {} } },
  });
  const destination = join(directory, `pulled-${pulls++}`);
  try {
    await client.pull(`${registry.host}/team/app:v1`, `oci:${destination}`);
  } finally {
    await client.close();
  }
  const layerFile = await readFile(
    join(destination, "blobs", "sha256", sha256(layer).slice("sha256:".length)),
  );
  const versions = new Set([...registry.seen, ...storage.seen].map((seen) => seen.version));
  return { registry: registry.seen, storage: storage.seen, versions, layerFile };
}

/**
 * What two pulls must have in common: the requests, in any order (blobs download in parallel), without the
 * protocol version and with the offset a resume starts from (how far the cut body got) left out.
 */
function requests(list: Seen[]): string[] {
  return list
    .map((seen) => `${seen.method} ${seen.path} ${seen.authorization} ${seen.range?.replace(/\d+/, "N")}`)
    .sort();
}

describe.each(["Basic", "Bearer"] as const)("a pull over TLS with %s auth", (auth) => {
  it("answers the challenge, keeps Authorization from storage and resumes the cut layer, over h2", async () => {
    const over = await pull("h2 offered", auth, true);
    expect(over.versions).toEqual(new Set(["2.0"]));
    expect(over.layerFile.equals(layer)).toBe(true);
    // Only the request that meets the challenge goes without credentials; the token request carries Basic,
    // everything else the scheme asked for.
    const anonymous = over.registry.filter((seen) => seen.authorization === undefined);
    expect(anonymous.map((seen) => seen.path)).toEqual(["/v2/team/app/manifests/v1"]);
    for (const seen of over.registry.filter((each) => each.authorization !== undefined)) {
      expect(seen.authorization).toBe(seen.path.startsWith("/token?") ? "Basic" : auth);
    }
    if (auth === "Bearer") expect(over.registry.some((seen) => seen.path.startsWith("/token?"))).toBe(true);
    expect(over.storage.map((seen) => seen.authorization)).toEqual(over.storage.map(() => undefined));
    const layerRequests = over.storage.filter((seen) => seen.path.startsWith(`/${sha256(layer)}`));
    expect(layerRequests).toHaveLength(2);
    expect(layerRequests[0]?.range).toBeUndefined();
    const resumedFrom = Number(/^bytes=(\d+)-/.exec(layerRequests[1]?.range ?? "")?.[1]);
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(layer.length / 2);
  });

  it("sends the same requests over HTTP/1.1 (http2: false) as over h2", async () => {
    const h2 = await pull("h2 offered", auth, true);
    const h1 = await pull("h2 offered", auth, false);
    expect(h1.versions).toEqual(new Set(["1.1"]));
    expect(h1.layerFile.equals(layer)).toBe(true);
    expect(requests(h1.registry)).toEqual(requests(h2.registry));
    expect(requests(h1.storage)).toEqual(requests(h2.storage));
  });

  it("works with h2 on against servers that offer HTTP/1.1 only, with the same requests", async () => {
    const h2 = await pull("h2 offered", auth, true);
    const refused = await pull("HTTP/1.1 only", auth, true);
    expect(refused.versions).toEqual(new Set(["1.1"]));
    expect(refused.layerFile.equals(layer)).toBe(true);
    expect(requests(refused.registry)).toEqual(requests(h2.registry));
    expect(requests(refused.storage)).toEqual(requests(h2.storage));
  });
});

describe("the client option http2", () => {
  it("false offers HTTP/1.1 only to a server offering h2; true speaks HTTP/2 to it", async () => {
    const off = await pull("h2 offered", "Basic", false, "client");
    expect(off.versions).toEqual(new Set(["1.1"]));
    expect(off.layerFile.equals(layer)).toBe(true);
    const on = await pull("h2 offered", "Basic", true, "client");
    expect(on.versions).toEqual(new Set(["2.0"]));
  });

  it("is true or false, else a UsageError naming it", () => {
    expect(() => createClient({ http2: "no" as unknown as boolean })).toThrow(
      expect.objectContaining({ name: "UsageError", message: expect.stringContaining("http2") }),
    );
  });
});
