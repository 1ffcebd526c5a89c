/**
 * Aborting a copy against the real distribution registry (open mode) leaves nothing behind: a push aborted
 * mid-upload cancels every upload session it opened (each `Location` the registry handed out answers
 * `404`, and the blob is not stored), and a pull aborted mid-blob leaves no temp file and no partial blob in
 * the layout. The push goes through a small forwarding proxy on 127.0.0.1 that records the upload
 * locations and says when the big blob's bytes are flowing, so the abort lands mid-upload without a sleep.
 * The image (one ~40 MiB layer) is generated once for the file, with Node built-ins only.
 */

import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";
import { AbortError } from "@stevedore/core";
import { sha256, type TestBlob, tarWithFile, uniqueName } from "@stevedore/testing";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Client } from "./client.js";
import { createClient } from "./create-client.js";

const open = inject("registryOpen");
const bigLayerBytes = 40 * 1024 * 1024;

let directory: string;

function blob(mediaType: string, bytes: Uint8Array): TestBlob {
  return { mediaType, digest: sha256(bytes), size: bytes.length, bytes };
}

/** A single-platform image: a config, a small layer and one big layer (real gzip, level 0). */
interface BigImage {
  manifest: TestBlob;
  config: TestBlob;
  small: TestBlob;
  big: TestBlob;
}

function createBigImage(): BigImage {
  const layerType = "application/vnd.oci.image.layer.v1.tar+gzip";
  const smallTar = tarWithFile("small.bin", randomBytes(4096));
  const bigTar = tarWithFile("big.bin", randomBytes(bigLayerBytes));
  const small = blob(layerType, gzipSync(smallTar, { level: 0 }));
  const big = blob(layerType, gzipSync(bigTar, { level: 0 }));
  const config = blob(
    "application/vnd.oci.image.config.v1+json",
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        rootfs: { type: "layers", diff_ids: [sha256(smallTar), sha256(bigTar)] },
      }),
    ),
  );
  const descriptor = (item: TestBlob) => ({
    mediaType: item.mediaType,
    digest: item.digest,
    size: item.size,
  });
  const manifest = blob(
    "application/vnd.oci.image.manifest.v1+json",
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: descriptor(config),
        layers: [descriptor(small), descriptor(big)],
      }),
    ),
  );
  return { manifest, config, small, big };
}

/** Writes the image as an OCI image layout tagged `tag`. */
async function writeLayout(path: string, image: BigImage, tag: string): Promise<void> {
  await mkdir(join(path, "blobs", "sha256"), { recursive: true });
  await writeFile(join(path, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  for (const item of [image.manifest, image.config, image.small, image.big]) {
    await writeFile(join(path, "blobs", "sha256", item.digest.slice("sha256:".length)), item.bytes);
  }
  const { mediaType, digest, size } = image.manifest;
  const entry = { mediaType, digest, size, annotations: { "org.opencontainers.image.ref.name": tag } };
  await writeFile(join(path, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
}

/** Pushes the image with raw HTTP (`POST` + `PUT ?digest=` per blob, then the manifest under `tag`). */
async function seed(repository: string, image: BigImage, tag: string): Promise<void> {
  for (const item of [image.config, image.small, image.big]) {
    const start = await fetch(`${open.url}/v2/${repository}/blobs/uploads/`, { method: "POST" });
    await start.arrayBuffer();
    const url = new URL(start.headers.get("location") ?? "", open.url);
    url.searchParams.set("digest", item.digest);
    const put = await fetch(url, { method: "PUT", body: item.bytes });
    await put.arrayBuffer();
    if (put.status !== 201) throw new Error(`seed: PUT blob answered ${put.status}`);
  }
  const put = await fetch(`${open.url}/v2/${repository}/manifests/${tag}`, {
    method: "PUT",
    headers: { "content-type": image.manifest.mediaType },
    body: image.manifest.bytes,
  });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`seed: PUT manifest answered ${put.status}`);
}

/** A raw request's status, with the body read so the connection is released. */
async function status(url: string | URL, method = "GET"): Promise<number> {
  const response = await fetch(url, { method });
  await response.arrayBuffer();
  return response.status;
}

/**
 * A forwarding proxy in front of the open registry. It keeps the client's `Host`, so the registry's
 * `Location`s point at the proxy and every upload request passes through it; it records the `Location` of
 * every `202` and calls `onBody` once a request body has sent more than `threshold` bytes.
 */
interface RecordingProxy {
  host: string;
  locations: string[];
  onBody: (() => void) | undefined;
  close(): void;
}

async function startProxy(threshold: number): Promise<RecordingProxy> {
  const upstream = new URL(open.url);
  const proxy: RecordingProxy = { host: "", locations: [], onBody: undefined, close: () => {} };
  const server: Server = createServer((incoming, outgoing) => {
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        const location = answer.headers.location;
        if (answer.statusCode === 202 && location !== undefined) {
          proxy.locations.push(new URL(location, `http://${proxy.host}`).href);
        }
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        pipeline(answer, outgoing).catch(() => outgoing.destroy());
      },
    );
    forwarded.on("error", () => outgoing.destroy());
    let sent = 0;
    incoming.on("data", (chunk: Buffer) => {
      sent += chunk.length;
      if (sent > threshold && proxy.onBody !== undefined) {
        const onBody = proxy.onBody;
        proxy.onBody = undefined;
        onBody();
      }
    });
    // A client that goes away mid-body cuts the registry's request too.
    pipeline(incoming, forwarded).catch(() => forwarded.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  proxy.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => {
    server.closeAllConnections();
    server.close();
  };
  return proxy;
}

/** Every file under `path`, relative to it. */
async function listFiles(path: string, root = path): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(full, root)));
    else files.push(relative(root, full));
  }
  return files;
}

let image: BigImage;
let source: string;
const clients: Client[] = [];
const proxies: RecordingProxy[] = [];
function client(): Client {
  const created = createClient({ credentials: false, env: {}, concurrency: 4 });
  clients.push(created);
  return created;
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "stevedore-client-abort-"));
  image = createBigImage();
  source = join(directory, "source");
  await writeLayout(source, image, "v1");
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((created) => created.close()));
  for (const proxy of proxies.splice(0)) proxy.close();
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("abort against the real registry", () => {
  it("a push aborted mid-upload rejects with AbortError and leaves no upload session open", async () => {
    const proxy = await startProxy(1024 * 1024);
    proxies.push(proxy);
    const repository = uniqueName("team", "abort");
    const controller = new AbortController();
    proxy.onBody = () => controller.abort();

    await expect(
      client().push(`oci:${source}:v1`, `${proxy.host}/${repository}:v1`, { signal: controller.signal }),
    ).rejects.toThrow(AbortError);
    expect(proxy.onBody).toBeUndefined(); // the abort came from the big blob's bytes in flight

    // Control: an open session's location answers 204, so the 404s below mean closed sessions.
    const control = await fetch(`${open.url}/v2/${repository}/blobs/uploads/`, { method: "POST" });
    await control.arrayBuffer();
    const controlLocation = new URL(control.headers.get("location") ?? "", open.url);
    expect(await status(controlLocation)).toBe(204);
    expect(await status(controlLocation, "DELETE")).toBe(204);

    expect(proxy.locations.length).toBeGreaterThan(0);
    const statuses = await Promise.all(proxy.locations.map((location) => status(location)));
    expect(statuses).toEqual(proxy.locations.map(() => 404));
    expect(await status(`${open.url}/v2/${repository}/blobs/${image.big.digest}`, "HEAD")).toBe(404);
    expect(await status(`${open.url}/v2/${repository}/manifests/v1`, "HEAD")).toBe(404);
  });

  it("a pull aborted mid-blob rejects with AbortError and leaves no temp file or partial blob", async () => {
    const repository = uniqueName("team", "abort");
    await seed(repository, image, "v1");
    const destination = join(directory, uniqueName("pull", "abort").replaceAll("/", "-"));
    const controller = new AbortController();
    let abortedAt: number | undefined;

    await expect(
      client().pull(`${open.host}/${repository}:v1`, `oci:${destination}:v1`, {
        signal: controller.signal,
        onProgress: (event) => {
          if (
            abortedAt === undefined &&
            event.type === "blob-progress" &&
            event.descriptor.digest === image.big.digest &&
            event.bytes < event.total
          ) {
            abortedAt = event.bytes;
            controller.abort();
          }
        },
      }),
    ).rejects.toThrow(AbortError);
    expect(abortedAt).toBeGreaterThan(0);

    const files = await listFiles(destination);
    for (const file of files) {
      if (file === "oci-layout" || file === "index.json") continue;
      expect(file).toMatch(/^blobs\/sha256\/[0-9a-f]{64}$/);
      expect(sha256(await readFile(join(destination, file)))).toBe(
        `sha256:${file.slice("blobs/sha256/".length)}`,
      );
    }
    expect(files).not.toContain(`blobs/sha256/${image.big.digest.slice("sha256:".length)}`);
  });
});
