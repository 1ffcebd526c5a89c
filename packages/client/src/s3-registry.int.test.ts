/**
 * A registry on object storage (tools/registry/start-s3-registry.ts): distribution 2.8 on Ceph radosgw,
 * Basic auth, blob GET/HEAD answered with `307` to a presigned storage URL — the path every pull from
 * Docker Hub, ECR or GHCR takes. A recording proxy sits in front of radosgw, so the tests see what clients
 * send to storage. One bring-up (~2 s) serves the whole file.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  createTestImage,
  readLayoutBlobs,
  sha256,
  type TestImage,
  uniqueName,
  useTemporaryDirectory,
  writeTestLayout,
} from "@stevedore/testing";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { RecordedRequest } from "../../../tools/registry/counting-proxy.ts";
import { type RunningS3Registry, startS3Registry } from "../../../tools/registry/start-s3-registry.ts";
import type { Client } from "./client.js";
import { createClient } from "./create-client.js";

const open = inject("registryOpen");
const execFileAsync = promisify(execFile);

let registry: RunningS3Registry;
const temporary = useTemporaryDirectory("stevedore-client-s3-", beforeAll, afterAll);
let alice: { username: string; password: string };
/** Decides per storage request whether the proxy cuts its answer (see `cutStorageAfter`). */
let cutStorage: (request: RecordedRequest) => number | undefined = () => undefined;

const clients: Client[] = [];
/** A client holding alice's password for the S3 registry only. */
function client(): Client {
  const created = createClient({
    credentials: false,
    env: {},
    staticCredentials: { [registry.host]: alice },
  });
  clients.push(created);
  return created;
}

/** skopeo copies `reference` from the S3 registry into an OCI layout, as alice, with nothing of the user's. */
async function skopeoPull(reference: string, layout: string): Promise<void> {
  const args = ["--insecure-policy", "copy", "--all", "--preserve-digests", "--src-tls-verify=false"];
  args.push(
    "--src-creds",
    `${alice.username}:${alice.password}`,
    `docker://${reference}`,
    `oci:${layout}:v1`,
  );
  await execFileAsync("skopeo", args, {
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: temporary.path, TMPDIR: temporary.path },
  });
}

async function layoutDigest(path: string): Promise<string | undefined> {
  const index = JSON.parse(await readFile(join(path, "index.json"), "utf8")) as {
    manifests: { digest: string }[];
  };
  return index.manifests[0]?.digest;
}

function blobsOf(image: TestImage): Map<string, Uint8Array> {
  return new Map([...image.blobs].map(([digest, blob]) => [digest, new Uint8Array(blob.bytes)]));
}

/** Storage requests a client sent by following a `307` (presigned: the signature is in the query). */
function presigned(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter((request) => request.path.includes("X-Amz-Signature="));
}

/** The blob digest a presigned storage path names (`…/blobs/sha256/ab/<hex>/data?…`). */
function blobOf(request: RecordedRequest): string | undefined {
  const hex = /\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})\/data/.exec(request.path)?.[1];
  return hex === undefined ? undefined : `sha256:${hex}`;
}

beforeAll(async () => {
  registry = await startS3Registry({
    mode: "htpasswd",
    recordStorage: true,
    cutStorageAfter: (request) => cutStorage(request),
  });
  const [username, password] = Object.entries(registry.users)[0]!;
  alice = { username, password };
}, 120_000);
afterEach(async () => {
  cutStorage = () => undefined;
  await Promise.all(clients.splice(0).map((created) => created.close()));
});
afterAll(async () => {
  await registry?.stop();
});

// Each blob a push commits costs distribution ~0.65 s on S3; a busy machine makes that several seconds.
describe("a registry on object storage (307 to presigned URLs)", { timeout: 90_000 }, () => {
  it("push, then pull through the 307: every blob byte for byte, and skopeo reads the same image", async () => {
    const image = createTestImage({ layerSize: 512 * 1024 });
    const source = join(temporary.path, "source-push");
    await writeTestLayout(source, image, "v1");
    const reference = `${registry.host}/${uniqueName("team", "s3")}:v1`;

    const pushed = await client().push(`oci:${source}:v1`, reference, { platforms: "all" });
    expect(pushed.digest).toBe(image.index.digest);

    registry.storage.proxy!.reset();
    const pulled = join(temporary.path, "pulled");
    const outcome = await client().pull(reference, `oci:${pulled}:v1`, { platforms: "all" });
    expect(outcome.digest).toBe(image.index.digest);
    expect(await layoutDigest(pulled)).toBe(image.index.digest);
    const blobs = await readLayoutBlobs(pulled);
    for (const [digest, bytes] of blobs) expect(sha256(bytes)).toBe(digest);
    expect(blobs).toEqual(blobsOf(image));
    // The blobs came from storage, by the presigned URLs the registry redirected to.
    const fetched = new Set(presigned(registry.storage.proxy!.requests).map(blobOf));
    for (const child of image.children) {
      for (const layer of child.layers) expect(fetched).toContain(layer.digest);
    }

    const bySkopeo = join(temporary.path, "by-skopeo");
    await skopeoPull(reference, bySkopeo);
    expect(await layoutDigest(bySkopeo)).toBe(image.index.digest);
    expect(await readLayoutBlobs(bySkopeo)).toEqual(blobsOf(image));
  });

  it("never sends the registry's credentials to the storage origin", async () => {
    const image = createTestImage({ layerSize: 64 * 1024 });
    const source = join(temporary.path, "source-credentials");
    await writeTestLayout(source, image, "v1");
    const reference = `${registry.host}/${uniqueName("team", "s3")}:v1`;
    registry.storage.proxy!.reset();

    await client().push(`oci:${source}:v1`, reference, { platforms: "all" });
    await client().pull(reference, `oci:${join(temporary.path, "pulled-credentials")}:v1`, {
      platforms: "all",
    });
    await client().copy(reference, `${registry.host}/${uniqueName("team", "s3")}:v1`, { platforms: "all" });

    const requests = registry.storage.proxy!.requests;
    const followed = presigned(requests);
    expect(followed.length).toBeGreaterThan(0);
    for (const request of followed) expect(request.headers?.authorization).toBeUndefined();
    // The registry's own storage requests carry its S3 signature; nothing anywhere carries alice's password.
    const basic = `Basic ${Buffer.from(`${alice.username}:${alice.password}`).toString("base64")}`;
    for (const request of requests) {
      expect(request.headers?.authorization ?? "").not.toContain(basic.slice("Basic ".length));
      expect(request.headers?.authorization ?? "").not.toMatch(/^(Basic|Bearer) /i);
    }
  });

  it("resumes a blob download cut at storage with Range, not from byte 0", async () => {
    const image = createTestImage({
      layerSize: 2 * 1024 * 1024,
      platforms: [{ os: "linux", architecture: "amd64" }],
    });
    const source = join(temporary.path, "source-resume");
    await writeTestLayout(source, image, "v1");
    const reference = `${registry.host}/${uniqueName("team", "s3")}:v1`;
    await client().push(`oci:${source}:v1`, reference, { platforms: "all" });
    const big = image.children[0]!.layers[0]!;
    const cut = Math.floor(big.size / 3);
    let cuts = 0;
    cutStorage = (request) => {
      if (request.method !== "GET" || blobOf(request) !== big.digest || cuts > 0) return undefined;
      cuts += 1;
      return cut;
    };
    registry.storage.proxy!.reset();

    const pulled = join(temporary.path, "pulled-resume");
    const outcome = await client().pull(reference, `oci:${pulled}:v1`, { platforms: "all" });
    expect(outcome.digest).toBe(image.index.digest);
    expect(cuts).toBe(1);
    expect(await readLayoutBlobs(pulled)).toEqual(blobsOf(image));
    const reads = presigned(registry.storage.proxy!.requests).filter(
      (request) => request.method === "GET" && blobOf(request) === big.digest,
    );
    // The first read was cut after `cut` bytes; the next one asked storage for the rest only.
    expect(reads[0]?.bytes).toBe(cut);
    expect(reads[1]?.headers?.range).toMatch(new RegExp(`^bytes=${cut}-(${big.size - 1})?$`));
    expect(reads.reduce((sum, request) => sum + (request.bytes ?? 0), 0)).toBe(big.size);
  });

  it("copies an image from a registry on disk to the registry on object storage", async () => {
    const image = createTestImage({ layerSize: 256 * 1024 });
    const source = join(temporary.path, "source-copy");
    await writeTestLayout(source, image, "v1");
    const onDisk = `${open.host}/${uniqueName("team", "s3")}:v1`;
    await client().push(`oci:${source}:v1`, onDisk, { platforms: "all" });

    const onS3 = `${registry.host}/${uniqueName("team", "s3")}:v1`;
    const [copied] = await client().copy(onDisk, onS3, { platforms: "all" });
    expect(copied?.digest).toBe(image.index.digest);

    const bySkopeo = join(temporary.path, "copied-by-skopeo");
    await skopeoPull(onS3, bySkopeo);
    expect(await layoutDigest(bySkopeo)).toBe(image.index.digest);
    expect(await readLayoutBlobs(bySkopeo)).toEqual(blobsOf(image));
  });
});
