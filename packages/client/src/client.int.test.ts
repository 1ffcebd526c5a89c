/**
 * The client against the real CNCF distribution registry 2.8 (started by tools/registry/global-setup.ts):
 * push a generated multi-platform layout and pull it back byte for byte, platform selection, mounts
 * between repositories, the read and housekeeping verbs, docker archives streamed from the registry,
 * login/logout with the token registry, how many token requests a 50-tag copy costs, and how many HTTP
 * requests a pull, a push and a copy send (counted by a proxy). Test data is made
 * with test-support (Node built-ins and raw HTTP), never with the code under test; every test uses fresh
 * repository names.
 */

import { mkdtemp, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ProgressEvent } from "@stevedore/core";
import {
  AuthenticationError,
  defaultPlatforms,
  formatPlatform,
  InvalidReferenceError,
  NotFoundError,
  parsePlatform,
  UsageError,
} from "@stevedore/core";
import { createOciLayout, openDockerArchive } from "@stevedore/layout";
import {
  bearerFor,
  blobCount,
  closeAfter,
  createTestImage,
  freshTestLayout,
  manifestDigest,
  manifestStatus,
  readLayoutBlobs,
  readTokenRequests,
  resetTokenRequests,
  seedTestImage,
  sha256,
  type TestImage,
  uniqueName,
  useTemporaryDirectory,
} from "@stevedore/testing";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type CountingProxy,
  countKinds,
  startCountingProxy,
} from "../../../tools/registry/counting-proxy.ts";
import type { Client } from "./client.js";
import { createClient } from "./create-client.js";

const open = inject("registryOpen");
const tokenRegistry = inject("registryToken");
const alice = { username: "alice", password: "alice-password" };
const amd64 = parsePlatform("linux/amd64");
const arm64 = parsePlatform("linux/arm64");

const directory = useTemporaryDirectory("stevedore-client-int-", beforeAll, afterAll);
const track = closeAfter(afterEach);
function client(options: Parameters<typeof createClient>[0] = {}): Client {
  return track(createClient({ credentials: false, env: {}, ...options }));
}

describe("push and pull (open registry)", () => {
  it("pushes a multi-platform layout and pulls every platform back byte for byte", async () => {
    const { image, layout: source } = await freshTestLayout(directory.path);
    const repository = uniqueName("team", "client");
    const reference = `${open.host}/${repository}:v1`;

    const pushed = await client().push(source, reference, { platforms: "all" });
    expect(pushed).toMatchObject({
      source: `oci:${source}:v1`,
      destination: reference,
      digest: image.index.digest,
      tag: "v1",
      filteredIndex: false,
      blobs: { transferred: blobCount(image), skipped: 0, mounted: 0 },
    });
    expect(await manifestStatus({ url: open.url, repository }, image.index.digest)).toBe(200);

    const destination = join(directory.path, uniqueName("pull", "client"));
    const pulled = await client().pull(reference, destination, { platforms: "all" });
    expect(pulled).toMatchObject({
      digest: image.index.digest,
      tag: "v1",
      destination: `oci:${destination}:v1`,
    });
    const expected = new Map([...image.blobs].map(([digest, blob]) => [digest, new Uint8Array(blob.bytes)]));
    expect(await readLayoutBlobs(destination)).toEqual(expected);

    // Pushing again finds everything in place.
    const again = await client().push(`oci:${source}:v1`, reference, { platforms: "all" });
    expect(again.blobs.transferred).toBe(0);
  });

  it("pull, push and copy move the whole index by default; a docker archive takes linux/<this CPU>", async () => {
    const { image, layout: source } = await freshTestLayout(directory.path);
    const repository = uniqueName("team", "client");
    const reference = `${open.host}/${repository}:v1`;
    const pushed = await client().push(source, reference);
    expect(pushed).toMatchObject({ digest: image.index.digest, filteredIndex: false });
    const [copied] = await client().copy(reference, `${open.host}/${uniqueName("team", "client")}:v1`);
    expect(copied?.digest).toBe(image.index.digest);
    const pulled = await client().pull(
      reference,
      `oci:${join(directory.path, uniqueName("whole-pull", "client"))}`,
    );
    expect(pulled.digest).toBe(image.index.digest);
    expect(await manifestDigest({ url: open.url, repository }, "v1")).toBe(image.index.digest);

    const native = defaultPlatforms()[0]!;
    const child = image.children.find((entry) => entry.platform.architecture === native.architecture);
    const file = join(directory.path, `${uniqueName("default", "client").replaceAll("/", "-")}.tar`);
    const archived = await client().pull(reference, `docker-archive:${file}`);
    expect(archived.digest).toBe((child ?? image.children[0]!).manifest.digest);
    expect(archived.platforms.map(formatPlatform)).toEqual([formatPlatform(native)]);
    await expect(
      client().pull(reference, `docker-archive:${file}.all`, { platforms: "all" }),
    ).rejects.toThrow(UsageError);
  });

  it("pulls only the arm64 image with platforms: [linux/arm64]", async () => {
    const image = createTestImage();
    const repository = uniqueName("team", "client");
    await seedTestImage({ url: open.url, repository }, image, ["v1"]);
    const destination = join(directory.path, uniqueName("arm", "client"));
    const outcome = await client().pull(`${open.host}/${repository}:v1`, `oci:${destination}`, {
      platforms: [arm64],
    });
    const armChild = image.children[1]!;
    expect(outcome.digest).toBe(armChild.manifest.digest);
    expect(outcome.platforms).toEqual([{ ...arm64, variant: "v8" }]);
    expect((await createOciLayout(destination).resolve("v1")).digest).toBe(armChild.manifest.digest);
    expect([...(await readLayoutBlobs(destination)).keys()].sort()).toEqual(
      [
        armChild.manifest.digest,
        armChild.config.digest,
        ...armChild.layers.map((layer) => layer.digest),
      ].sort(),
    );
  });

  it("mounts blobs when copying between repositories of one registry", async () => {
    const image = createTestImage();
    const from = uniqueName("team", "client");
    const to = uniqueName("team", "client");
    await seedTestImage({ url: open.url, repository: from }, image, ["v1"]);
    const events: ProgressEvent[] = [];
    const [outcome] = await client().copy(`${open.host}/${from}:v1`, `docker://${open.host}/${to}`, {
      platforms: "all",
      onProgress: (event) => events.push(event),
    });
    expect(outcome).toMatchObject({
      digest: image.index.digest,
      tag: "v1",
      destination: `${open.host}/${to}:v1`,
      blobs: { transferred: 0, skipped: 0, mounted: blobCount(image) },
      bytes: 0,
    });
    const mounted = events.filter((event) => event.type === "blob-done" && event.outcome === "mounted");
    expect(mounted).toHaveLength(blobCount(image));
    expect(await manifestStatus({ url: open.url, repository: to }, "v1")).toBe(200);
  });

  it("streams one platform from the registry into a docker archive", async () => {
    const image = createTestImage();
    const repository = uniqueName("team", "client");
    await seedTestImage({ url: open.url, repository }, image, ["v1"]);
    const file = join(directory.path, `${uniqueName("archive", "client").replaceAll("/", "-")}.tar`);
    const reference = `${open.host}/${repository}:v1`;
    const outcome = await client().pull(reference, `docker-archive:${file}`, { platforms: [amd64] });
    const amdChild = image.children[0]!;
    expect(outcome).toMatchObject({
      digest: amdChild.manifest.digest,
      tag: reference,
      blobs: { transferred: 3 },
    });
    const archive = await openDockerArchive(file);
    expect(archive.images.map((entry) => entry.repoTags)).toEqual([[reference]]);
    expect((await archive.resolve(reference)).digest).toBe(amdChild.manifest.digest);
  });

  it("fails with typed errors for what is not there", async () => {
    const repository = uniqueName("team", "client");
    await seedTestImage({ url: open.url, repository }, createTestImage(), ["v1"]);
    const target = join(directory.path, uniqueName("missing", "client"));
    await expect(client().pull(`${open.host}/${repository}:nope`, target)).rejects.toThrow(NotFoundError);
    await expect(
      client().pull(`${open.host}/${repository}:v1`, target, { platforms: [parsePlatform("linux/s390x")] }),
    ).rejects.toThrow(/linux\/amd64, linux\/arm64\/v8/);
    await expect(client().pull(`${open.host}/Bad:v1`, target)).rejects.toThrow(InvalidReferenceError);
    await expect(
      client().push(join(directory.path, "no-such-layout"), `${open.host}/${repository}:v2`),
    ).rejects.toThrow(NotFoundError);
    await expect(client().push(`ftp:${directory.path}`, `${open.host}/${repository}:v2`)).rejects.toThrow(
      UsageError,
    );
  });
});

describe("read and housekeeping verbs (open registry)", () => {
  let image: TestImage;
  let repository: string;
  let base: string;

  beforeAll(async () => {
    image = createTestImage({ label: "inspect-me" });
    repository = uniqueName("team", "client");
    base = `${open.host}/${repository}`;
    await seedTestImage({ url: open.url, repository }, image, ["v1"]);
  });

  it("digest, manifest and config", async () => {
    const c = client();
    expect(await c.digest(`${base}:v1`)).toBe(image.index.digest);
    const manifest = await c.manifest(`${base}:v1`);
    expect(Buffer.from(manifest.bytes).equals(Buffer.from(image.index.bytes))).toBe(true);
    expect(manifest.descriptor).toMatchObject({
      digest: image.index.digest,
      mediaType: image.index.mediaType,
    });
    const config = await c.config(`${base}:v1`, { platform: arm64 });
    expect(config.descriptor.digest).toBe(image.children[1]!.config.digest);
    expect(Buffer.from(config.bytes).equals(Buffer.from(image.children[1]!.config.bytes))).toBe(true);
    await expect(c.digest(`${base}:absent`)).rejects.toThrow(NotFoundError);
  });

  it("inspect lists the platforms without attestations and describes the chosen image", async () => {
    const result = await client().inspect(`docker://${base}:v1`, { platform: arm64 });
    const armChild = image.children[1]!;
    expect(result).toMatchObject({
      reference: `${base}:v1`,
      digest: image.index.digest,
      mediaType: "application/vnd.oci.image.index.v1+json",
      size: image.index.size,
      annotations: { "org.opencontainers.image.description": "stevedore client test image" },
    });
    expect(result.platforms).toEqual(
      image.children.map((child) => ({
        platform: child.platform,
        digest: child.manifest.digest,
        size: child.manifest.size,
      })),
    );
    expect(result.image).toEqual({
      platform: { ...arm64, variant: "v8" },
      created: "2024-05-01T12:00:00Z",
      labels: { "org.example.platform": "linux/arm64", "org.example.label": "inspect-me" },
      layers: armChild.layers.map((layer) => ({
        digest: layer.digest,
        mediaType: layer.mediaType,
        size: layer.size,
      })),
      layersSize: armChild.layers.reduce((sum, layer) => sum + layer.size, 0),
      totalSize: armChild.config.size + armChild.layers.reduce((sum, layer) => sum + layer.size, 0),
      config: { digest: armChild.config.digest, size: armChild.config.size },
    });
    // An image manifest describes itself, its platform read from the config.
    const single = await client().inspect(`${base}@${image.children[0]!.manifest.digest}`);
    expect(single.platforms).toBeUndefined();
    expect(single.image?.platform).toEqual(amd64);
  });

  it("tags, lists tags, finds referrers and deletes", async () => {
    const c = client();
    const descriptor = await c.tag(`${base}:v1`, "v2");
    expect(descriptor.digest).toBe(image.index.digest);
    const tags: string[] = [];
    for await (const tag of c.tags(base)) tags.push(tag);
    expect(tags.sort()).toEqual(["v1", "v2"]);
    await expect(c.tag(`${base}:v1`, "bad tag!")).rejects.toThrow(InvalidReferenceError);

    // distribution 2.8 has no referrers API: an OCI 1.1 client keeps them under the referrers tag (§7.2).
    const subject = image.children[0]!.manifest;
    const empty = Buffer.from("{}");
    const artifact = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: "application/vnd.example.sbom",
        config: { mediaType: "application/vnd.oci.empty.v1+json", digest: sha256(empty), size: empty.length },
        layers: [
          { mediaType: "application/vnd.oci.empty.v1+json", digest: sha256(empty), size: empty.length },
        ],
        subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      }),
    );
    const artifactDescriptor = {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: sha256(artifact),
      size: artifact.length,
      artifactType: "application/vnd.example.sbom",
    };
    const referrersIndex = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [artifactDescriptor],
      }),
    );
    await seedRaw(repository, empty, artifact, referrersIndex, subject.digest);
    expect(await c.referrers(`${base}@${subject.digest}`)).toEqual([artifactDescriptor]);
    expect(
      await c.referrers(`${base}@${subject.digest}`, { artifactType: "application/vnd.example.other" }),
    ).toEqual([]);

    // distribution deletes only by digest: deleting v2 removes the manifest, and v1 with it.
    await c.delete(`${base}:v2`);
    expect(await manifestStatus({ url: open.url, repository }, "v2")).toBe(404);
    expect(await manifestStatus({ url: open.url, repository }, "v1")).toBe(404);
    await expect(c.delete(`${base}:v2`)).rejects.toThrow(NotFoundError);
  });

  it("pings and lists the catalog", async () => {
    const c = client();
    await c.ping(open.host);
    const names: string[] = [];
    for await (const name of c.catalog(open.host)) names.push(name);
    expect(names).toContain(repository);
  });
});

/** Pushes the empty blob, an artifact manifest and the referrers tag index with raw HTTP. */
async function seedRaw(
  repository: string,
  empty: Buffer,
  artifact: Buffer,
  referrersIndex: Buffer,
  subjectDigest: string,
): Promise<void> {
  const start = await fetch(`${open.url}/v2/${repository}/blobs/uploads/`, { method: "POST" });
  await start.arrayBuffer();
  const upload = new URL(start.headers.get("location") ?? "", open.url);
  upload.searchParams.set("digest", sha256(empty));
  const put = await fetch(upload, { method: "PUT", body: empty });
  await put.arrayBuffer();
  expect(put.status).toBe(201);
  for (const [reference, bytes, mediaType] of [
    [sha256(artifact), artifact, "application/vnd.oci.image.manifest.v1+json"],
    [subjectDigest.replace(":", "-"), referrersIndex, "application/vnd.oci.image.index.v1+json"],
  ] as const) {
    const response = await fetch(`${open.url}/v2/${repository}/manifests/${reference}`, {
      method: "PUT",
      headers: { "content-type": mediaType },
      body: bytes,
    });
    await response.arrayBuffer();
    expect(response.status).toBe(201);
  }
}

describe("token auth", () => {
  it("logs in to a temporary DOCKER_CONFIG, pushes with those credentials, and logs out", async () => {
    const config = await mkdtemp(join(directory.path, "docker-config-"));
    const env = { DOCKER_CONFIG: config, HOME: config };
    const { image, layout: source } = await freshTestLayout(directory.path);
    const reference = `${tokenRegistry.host}/${uniqueName("team", "client")}:v1`;

    await expect(client({ env }).login(tokenRegistry.host, "alice", "wrong-password")).rejects.toThrow(
      AuthenticationError,
    );
    await expect(readFile(join(config, "config.json"), "utf8")).rejects.toThrow(/ENOENT/);

    const stored = await client({ env }).login(tokenRegistry.host, alice.username, alice.password);
    expect(stored.file).toBe(join(config, "config.json"));
    const written = JSON.parse(await readFile(stored.file, "utf8"));
    expect(Object.keys(written.auths)).toEqual([tokenRegistry.host]);

    // A new client, default credentials: Docker's config under env.DOCKER_CONFIG.
    const pushed = await createClientWith(env).push(`oci:${source}:v1`, reference, { platforms: "all" });
    expect(pushed.digest).toBe(image.index.digest);

    expect(await createClientWith(env).digest(reference)).toBe(image.index.digest);
    expect((await client({ env }).logout(tokenRegistry.host)).changed).toBe(true);
    // Anonymous users may not even list team/*. (A GET: a HEAD refused with 401 trips the transport's
    // unread-HEAD-body problem, see create-client-transport.ts.)
    const tags = async (): Promise<string[]> => {
      const found: string[] = [];
      for await (const tag of createClientWith(env).tags(reference)) found.push(tag);
      return found;
    };
    await expect(tags()).rejects.toThrow(AuthenticationError);
  });

  it("asks the token server once per scope set when copying 50 tags eight at a time", async () => {
    const image = createTestImage();
    const from = uniqueName("team", "client");
    const to = uniqueName("team", "client");
    const authorization = await bearerFor(
      tokenRegistry,
      [`repository:${from}:pull,push`],
      alice.username,
      alice.password,
    );
    const tags = Array.from({ length: 50 }, (_, position) => `t${position}`);
    await seedTestImage({ url: tokenRegistry.url, repository: from, authorization }, image, tags);
    await resetTokenRequests(tokenRegistry.realm);

    const lines: string[] = [];
    const outcomes = await client({
      staticCredentials: { [tokenRegistry.host]: alice },
      onDebug: (line) => lines.push(line),
    }).copy(`${tokenRegistry.host}/${from}`, `${tokenRegistry.host}/${to}`, {
      allTags: true,
      platforms: "all",
      concurrency: 8,
    });
    expect(outcomes.map((outcome) => outcome.tag).sort()).toEqual([...tags].sort());
    expect(new Set(outcomes.map((outcome) => outcome.digest))).toEqual(new Set([image.index.digest]));

    const requests = await readTokenRequests(tokenRegistry.realm);
    const scopeSets = requests.map((request) => [...request.scopes].sort().join(" "));
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((request) => request.status === 200 && request.account === "alice")).toBe(true);
    // One token per distinct scope set, however many registry requests used it.
    expect(new Set(scopeSets).size).toBe(requests.length);
    expect(requests.length).toBeLessThanOrEqual(4);

    // Every tag arrived and serves the index's bytes (raw HTTP with a token of our own, not the client's).
    const reader = await bearerFor(tokenRegistry, [`repository:${to}:pull`], alice.username, alice.password);
    const arrived = await Promise.all(
      tags.map((tag) =>
        manifestDigest({ url: tokenRegistry.url, repository: to, authorization: reader }, tag),
      ),
    );
    expect(arrived).toEqual(tags.map(() => image.index.digest));
  }, 20_000);
});

function createClientWith(env: Record<string, string>): Client {
  return track(createClient({ env }));
}

/** The index, its platform images and the attestation: every manifest of the test image. */
function manifestCount(image: TestImage): number {
  return 1 + image.children.length + 1;
}

/**
 * How many HTTP requests a pull, a push and a copy send, recorded by a proxy in front of the registry
 * (tools/registry/counting-proxy.ts). Over a network every request is a round trip (20–200 ms), so these
 * counts are what a user far from the registry waits for. The minimum per operation is what the protocol
 * needs: each manifest and blob read once on a pull; on a push a `HEAD` per item to skip what is there, then
 * `POST` + `PUT` per blob and a `PUT` per manifest.
 */
describe("requests per operation (distribution 2.8 behind a recording proxy)", () => {
  let proxy: CountingProxy;
  beforeAll(async () => {
    proxy = await startCountingProxy({ upstream: open.url });
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it("a push sends a HEAD per item and the tag's, POST + PUT per blob, a PUT per manifest; again, one HEAD", async () => {
    const { image, layout } = await freshTestLayout(directory.path);
    const repository = uniqueName("team", "client");
    const reference = `${proxy.host}/${repository}:v1`;

    proxy.reset();
    await client().push(layout, reference, { platforms: "all" });
    const manifests = manifestCount(image);
    const blobs = blobCount(image);
    // One HEAD more: the tag's, sent with the first read, so that a push already done ends there.
    expect(countKinds(proxy.requests)).toEqual({
      "HEAD manifest": manifests + 1,
      "HEAD blob": blobs,
      "POST upload": blobs,
      "PUT upload": blobs,
      "PUT manifest": manifests,
    });

    // Everything is there: the tag's HEAD names the root, and nothing else is sent.
    proxy.reset();
    await client().push(layout, reference, { platforms: "all" });
    expect(proxy.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `HEAD /v2/${repository}/manifests/v1`,
    ]);
  });

  it("a pull reads the root with one GET (no HEAD first), then every manifest and blob once", async () => {
    const { image, layout } = await freshTestLayout(directory.path);
    const repository = uniqueName("team", "client");
    const reference = `${proxy.host}/${repository}:v1`;
    await client().push(layout, reference, { platforms: "all" });

    proxy.reset();
    await client().pull(reference, join(directory.path, uniqueName("pulled", "client")), {
      platforms: "all",
    });
    expect(proxy.requests[0]).toMatchObject({ method: "GET", path: `/v2/${repository}/manifests/v1` });
    expect(countKinds(proxy.requests)).toEqual({
      "GET manifest": manifestCount(image),
      "GET blob": blobCount(image),
    });
  });

  it("a copy between repositories reads the root once and mounts every blob", async () => {
    const { image, layout } = await freshTestLayout(directory.path);
    const source = `${proxy.host}/${uniqueName("team", "client")}:v1`;
    await client().push(layout, source, { platforms: "all" });

    proxy.reset();
    await client().copy(source, `${proxy.host}/${uniqueName("team", "client")}:v1`, { platforms: "all" });
    const manifests = manifestCount(image);
    expect(countKinds(proxy.requests)).toEqual({
      "GET manifest": manifests,
      "HEAD manifest": manifests + 1,
      "POST upload": blobCount(image),
      "PUT manifest": manifests,
    });
  });
});
