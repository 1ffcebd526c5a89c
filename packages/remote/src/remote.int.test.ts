/**
 * The remote against the real CNCF distribution registry 2.8 (started by tools/registry/global-setup.ts):
 * the shared Target contract, token auth with the test token server, and the referrers tag schema that
 * distribution 2.8 needs (it has no referrers API). Test data is seeded with @stevedore/testing's raw client,
 * never with the code under test. Every test uses fresh repository names.
 */

import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { createAuth, staticCredentials } from "@stevedore/auth";
import type { Descriptor } from "@stevedore/core";
import { AuthenticationError, MediaType, NotFoundError, RegistryResponseError } from "@stevedore/core";
import {
  bearerAuthorization,
  fetchToken,
  getManifest,
  type RawTarget,
  rejection,
  seedImage,
  uniqueName,
} from "@stevedore/testing";
import { createTransport, type Transport } from "@stevedore/transport";
import { afterEach, describe, expect, inject, it } from "vitest";
import { describeTargetContract } from "../../blob/src/test-support/target-contract.js";
import { createRemote } from "./create-remote.js";
import { bytesOf, collect, sha256 } from "./test-support/fixtures.js";

const open = inject("registryOpen");
const tokenRegistry = inject("registryToken");

const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});

/*
 * Note on the ping before the first HEAD in token mode: @stevedore/transport (read-registry-error.ts) destroys
 * the body of a failed HEAD without an error listener, which undici turns into an uncaught "Request aborted"
 * error. A HEAD that meets the first 401 of a fresh auth strategy hits it; after a ping the strategy knows
 * the realm and sends a token with the HEAD. Reported to the transport's owner.
 */
function transportFor(credentials?: { username: string; password: string }): Transport {
  const auth = createAuth(
    credentials === undefined
      ? {}
      : { credentials: staticCredentials({ [tokenRegistry.host]: credentials }) },
  );
  const transport = createTransport({ auth });
  transports.push(transport);
  return transport;
}

describeTargetContract(
  "remote (distribution 2.8, open)",
  async () => {
    const transport = createTransport();
    const repository = uniqueName("team", "remote");
    const siblingRepository = uniqueName("team", "remote");
    // distribution 2.8 keeps referrers under `sha256-<hex>` tags (§7.2); the contract lists image tags.
    const options = { transport, registry: open.host, excludeReferrersTags: true };
    return {
      target: createRemote({ ...options, repository }),
      sibling: {
        target: createRemote({ ...options, repository: siblingRepository }),
        repository: siblingRepository,
      },
      cleanup: () => transport.close(),
    };
  },
  { capabilities: { tags: true, referrers: true, ranges: true, mount: true } },
);

/** A small artifact (empty config, one layer) whose subject is `subject`. */
function artifactFor(subject: Descriptor, layer: Descriptor, empty: Descriptor): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: "application/vnd.stevedore.test.sbom",
      config: empty,
      layers: [layer],
      subject,
      annotations: { "org.example.purpose": "integration" },
    }),
  );
}

describe("remote against distribution 2.8", () => {
  it("pings and reads the API version", async () => {
    const transport = createTransport();
    transports.push(transport);
    const remote = createRemote({ transport, registry: open.host, repository: uniqueName("team", "remote") });
    expect(await remote.ping()).toEqual({ apiVersion: "registry/2.0" });
  });

  it("keeps referrers in the referrers tag schema and reads them back (no referrers API in 2.8)", async () => {
    const transport = createTransport();
    transports.push(transport);
    const repository = uniqueName("team", "remote");
    const raw: RawTarget = { url: open.url, repository };
    const image = await seedImage(raw, "v1");
    const remote = createRemote({ transport, registry: open.host, repository });
    const subject = await remote.resolve("v1");
    expect(subject).toEqual(image.descriptor);

    const empty = new TextEncoder().encode("{}");
    const note = new TextEncoder().encode('{"sbom":true}');
    const emptyDescriptor = { mediaType: MediaType.OciEmpty, digest: sha256(empty), size: 2 };
    const noteDescriptor = { mediaType: "application/spdx+json", digest: sha256(note), size: note.length };
    await remote.push(emptyDescriptor, empty);
    await remote.push(noteDescriptor, note);
    const artifact = artifactFor(subject, noteDescriptor, emptyDescriptor);
    const pushed = await remote.putManifest(sha256(artifact), artifact, MediaType.OciManifest);

    // The registry holds an OCI index under the subject's referrers tag, as another client would read it.
    const tag = subject.digest.replace(":", "-");
    const stored = await getManifest(raw, tag);
    expect(stored.mediaType).toBe(MediaType.OciIndex);
    const expected = {
      ...pushed,
      artifactType: "application/vnd.stevedore.test.sbom",
      annotations: { "org.example.purpose": "integration" },
    };
    expect(JSON.parse(Buffer.from(stored.bytes).toString("utf8")).manifests).toEqual([expected]);

    expect(await collect(remote.referrers(subject))).toEqual([expected]);
    expect(await collect(remote.referrers(subject, { artifactType: "application/other" }))).toEqual([]);
    expect(await collect(remote.tags())).toEqual(expect.arrayContaining(["v1", tag]));
    expect(await collect(remote.tags({ excludeReferrersTags: true }))).toEqual(["v1"]);

    // Deleting the referrer takes it out of the tag index (§7.2 delete case); its last entry gone, the
    // index and its tag go too.
    await remote.deleteManifest(pushed.digest);
    expect(await collect(remote.referrers(subject))).toEqual([]);
    expect(await collect(remote.tags())).toEqual(["v1"]);
  });

  it("deletes a manifest by digest, after which it is not found", async () => {
    const transport = createTransport();
    transports.push(transport);
    const repository = uniqueName("team", "remote");
    const image = await seedImage({ url: open.url, repository }, "v1");
    const remote = createRemote({ transport, registry: open.host, repository });
    await remote.deleteManifest(image.descriptor.digest);
    await expect(remote.resolve("v1")).rejects.toBeInstanceOf(NotFoundError);
    await expect(remote.deleteManifest(image.descriptor.digest)).rejects.toBeInstanceOf(NotFoundError);
    const layer = image.layers[0]!;
    await remote.deleteBlob(layer);
    expect(await remote.exists(layer)).toBe(false);
  });
});

/**
 * The registry's refusal: the error itself, or the cause of the transport's `AuthenticationError` (a 401
 * that a new token cannot fix).
 */
function registryErrorOf(error: unknown): RegistryResponseError | undefined {
  if (RegistryResponseError.isInstance(error)) return error;
  const cause = AuthenticationError.isInstance(error) ? error.cause : undefined;
  return RegistryResponseError.isInstance(cause) ? cause : undefined;
}

describe("remote with token auth (distribution 2.8 + test token server)", () => {
  it("alice pushes, tags, lists, reads back and lists the catalog", async () => {
    const repository = uniqueName("team", "remote");
    const remote = createRemote({
      transport: transportFor({ username: "alice", password: "alice-password" }),
      registry: tokenRegistry.host,
      repository,
    });
    // Log in first, as `docker login` does (see the note above transportFor).
    await remote.ping();
    const layerBytes = gzipSync(randomBytes(4096), { level: 0 });
    const layer = { mediaType: MediaType.OciLayerGzip, digest: sha256(layerBytes), size: layerBytes.length };
    const configBytes = Buffer.from(
      JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }),
    );
    const config = { mediaType: MediaType.OciConfig, digest: sha256(configBytes), size: configBytes.length };
    const manifestBytes = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer] }),
    );
    const manifest = {
      mediaType: MediaType.OciManifest,
      digest: sha256(manifestBytes),
      size: manifestBytes.length,
    };
    await remote.push(layer, layerBytes);
    await remote.push(config, configBytes);
    await remote.push(manifest, manifestBytes);
    await remote.tag(manifest, "v1");

    expect(await remote.resolve("v1")).toEqual(manifest);
    expect(Buffer.compare(await bytesOf(await remote.fetch(layer)), layerBytes)).toBe(0);
    expect(await collect(remote.tags())).toEqual(["v1"]);
    expect(await collect(remote.catalog())).toContain(repository);
  });

  it("pulls public/* anonymously", async () => {
    const repository = uniqueName("public", "remote");
    const { token } = await fetchToken({
      realm: tokenRegistry.realm,
      service: tokenRegistry.service,
      scopes: [`repository:${repository}:pull,push`],
      username: "alice",
      password: "alice-password",
    });
    const image = await seedImage(
      { url: tokenRegistry.url, repository, authorization: bearerAuthorization(token) },
      "v1",
    );
    const remote = createRemote({ transport: transportFor(), registry: tokenRegistry.host, repository });
    await remote.ping();
    const descriptor = await remote.resolve("v1");
    expect(descriptor).toEqual(image.descriptor);
    const { bytes } = await remote.getManifest("v1");
    expect(Buffer.compare(bytes, image.manifest)).toBe(0);
    const config = await bytesOf(await remote.fetch(image.config));
    expect(sha256(config)).toBe(image.config.digest);
  });

  it("refuses a push by reader (pull only) with the registry's DENIED or UNAUTHORIZED", async () => {
    const repository = uniqueName("team", "remote");
    const remote = createRemote({
      transport: transportFor({ username: "reader", password: "reader-password" }),
      registry: tokenRegistry.host,
      repository,
    });
    const manifestBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciEmpty, digest: sha256("{}"), size: 2 },
        layers: [],
      }),
    );
    const error = await rejection(remote.putManifest("v1", manifestBytes, MediaType.OciManifest));
    const refused = registryErrorOf(error);
    expect([401, 403]).toContain(refused?.status);
    expect(refused?.hasCode("DENIED") || refused?.hasCode("UNAUTHORIZED")).toBe(true);

    const blob = Buffer.from("reader may not push this");
    const blobError = await rejection(
      remote.push({ mediaType: "application/octet-stream", digest: sha256(blob), size: blob.length }, blob),
    );
    expect(registryErrorOf(blobError)?.status).toBe(401);
    expect(String((blobError as Error).stack)).not.toContain("reader-password");
  });
});
