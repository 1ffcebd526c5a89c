// Uploads, mounts and the referrers tag against the real distribution 2.8 registry (open, htpasswd and
// token auth). What landed is checked with plain fetch, never with the code under test.

import { randomBytes } from "node:crypto";
import { createAuth, staticCredentials } from "@stevedore/auth";
import { bufferSource } from "@stevedore/blob";
import type { Descriptor } from "@stevedore/core";
import { digestOf, MediaType, NetworkError, UploadError } from "@stevedore/core";
import {
  bearerFor,
  getBlob,
  getManifest,
  pushBlob,
  putManifest,
  type RawTarget,
  startCuttingProxy,
  uniqueName,
} from "@stevedore/testing";
import { createTransport, type Transport } from "@stevedore/transport";
import { afterEach, describe, expect, inject, it } from "vitest";
import { referrersTagFor, updateReferrersTag } from "../referrers/update-referrers-tag.js";
import type { RemoteContext, ResolvedRemoteOptions } from "../remote-context.js";
import { testOptions } from "../test-support/upload-context.js";
import { mountBlob } from "./mount-blob.js";
import { mountOrUpload } from "./mount-or-upload.js";
import { uploadBlob } from "./upload-blob.js";

const registries = {
  open: inject("registryOpen"),
  htpasswd: inject("registryHtpasswd"),
  token: inject("registryToken"),
};
type Mode = keyof typeof registries;

const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});

/** A context as alice (when the registry wants credentials), recording each response's method and status. */
function contextFor(
  mode: Mode,
  repository: string,
  options: Partial<ResolvedRemoteOptions> = {},
  host = registries[mode].host,
): RemoteContext & { responses: [string, number][] } {
  const registry = registries[mode];
  const credentials = { username: "alice", password: registry.users.alice ?? "" };
  const auth =
    mode === "open" ? undefined : createAuth({ credentials: staticCredentials({ [host]: credentials }) });
  // Retries without waiting: the cut-upload tests retry many times.
  const transport = createTransport({ clock: { sleep: async () => {} }, ...(auth ? { auth } : {}) });
  transports.push(transport);
  const responses: [string, number][] = [];
  const recording: Transport = {
    dispatcher: transport.dispatcher,
    baseUrl: (host) => transport.baseUrl(host),
    close: () => transport.close(),
    send: async (request) => {
      const response = await transport.send(request);
      responses.push([request.method, response.status]);
      return response;
    },
  };
  return {
    transport: recording,
    baseUrl: transport.baseUrl(host),
    registry: host,
    repository,
    options: { ...testOptions, ...options },
    responses,
  };
}

/** Raw access to `repositories` (the first is the one read and written) with pull and push rights. */
async function rawAccess(mode: Mode, ...repositories: string[]): Promise<RawTarget> {
  const registry = registries[mode];
  const repository = repositories[0] as string;
  const password = registry.users.alice ?? "";
  if (mode === "open") return { url: registry.url, repository };
  if (mode === "htpasswd") {
    return { url: registry.url, repository, authorization: `Basic ${btoa(`alice:${password}`)}` };
  }
  const scopes = repositories.map((name) => `repository:${name}:pull,push`);
  return {
    url: registry.url,
    repository,
    authorization: await bearerFor(registries.token, scopes, "alice", password),
  };
}

function blob(size: number): { bytes: Uint8Array; descriptor: Descriptor } {
  const bytes = new Uint8Array(randomBytes(size));
  return { bytes, descriptor: { mediaType: MediaType.OciLayer, digest: digestOf(bytes), size } };
}

async function expectLanded(mode: Mode, repository: string, bytes: Uint8Array): Promise<void> {
  const fetched = await getBlob(await rawAccess(mode, repository), digestOf(bytes));
  expect(Buffer.from(fetched).equals(Buffer.from(bytes))).toBe(true);
}

const uploadCalls = (responses: [string, number][]) =>
  responses.filter(([method]) => method === "POST" || method === "PATCH" || method === "PUT");

describe.each(["open", "htpasswd", "token"] as const)("uploads to distribution 2.8 (%s)", (mode) => {
  it("uploads a small blob monolithically", async () => {
    const repository = uniqueName("team");
    const context = contextFor(mode, repository, { monolithicThreshold: 1024 * 1024 });
    const { bytes, descriptor } = blob(10_000);
    await uploadBlob(context, descriptor, bytes);

    await expectLanded(mode, repository, bytes);
    expect(uploadCalls(context.responses)).toEqual([
      ["POST", 202],
      ["PUT", 201],
    ]);
  });

  it("falls back to a PUT when the single POST is answered 202", async () => {
    const repository = uniqueName("team");
    const context = contextFor(mode, repository, { singlePostUpload: true });
    const { bytes, descriptor } = blob(20_000);
    await uploadBlob(context, descriptor, bytes);

    await expectLanded(mode, repository, bytes);
    expect(uploadCalls(context.responses)).toEqual([
      ["POST", 202],
      ["PUT", 201],
    ]);
  });

  it("uploads 1 MiB in 64 KiB chunks from a replayable source", async () => {
    const repository = uniqueName("team");
    const context = contextFor(mode, repository, { chunkSize: 64 * 1024, monolithicThreshold: 64 * 1024 });
    const { bytes, descriptor } = blob(1024 * 1024);
    const progress: number[] = [];
    await uploadBlob(context, descriptor, bufferSource(bytes), {
      onProgress: (value) => progress.push(value),
    });

    await expectLanded(mode, repository, bytes);
    const calls = uploadCalls(context.responses);
    expect(calls.filter(([method]) => method === "PATCH")).toEqual(Array(16).fill(["PATCH", 202]));
    expect(calls.at(-1)).toEqual(["PUT", 201]);
    expect(progress).toHaveLength(16);
    expect(progress.at(-1)).toBe(bytes.length);
  });

  it("finishes a chunked upload whose connection was cut in the middle of chunk 4", async () => {
    const repository = uniqueName("team");
    const proxy = await startCuttingProxy(registries[mode].url, { nth: 4, afterBytes: 10_000 });
    const context = contextFor(mode, repository, { chunkSize: 64 * 1024, resumeAttempts: 2 }, proxy.host);
    const { bytes, descriptor } = blob(6 * 64 * 1024);
    try {
      await uploadBlob(context, descriptor, bufferSource(bytes));
    } finally {
      await proxy.close();
    }

    await expectLanded(mode, repository, bytes);
    // distribution keeps what arrived before the cut and reports it on the status GET: no new session.
    const cut = proxy.exchanges.findIndex(([method, status]) => method === "PATCH" && status === 0);
    expect(cut).toBeGreaterThan(0);
    expect(proxy.exchanges[cut + 1]).toEqual(["GET", 204]);
    expect(proxy.exchanges.filter(([method, status]) => method === "POST" && status === 202)).toHaveLength(1);
  });

  it.each([
    ["monolithic", "PUT"],
    ["streamed", "PATCH"],
    ["single-post", "PUT"],
  ] as const)(
    "recovers a %s upload whose %s was cut mid-body (a new session: distribution drops the old one)",
    async (strategy, method) => {
      const repository = uniqueName("team");
      const proxy = await startCuttingProxy(registries[mode].url, { nth: 1, afterBytes: 3_000_000, method });
      const context = contextFor(mode, repository, { resumeAttempts: 3 }, proxy.host);
      const { bytes, descriptor } = blob(5_000_000);
      try {
        await uploadBlob(context, descriptor, bufferSource(bytes), { strategy });
      } finally {
        await proxy.close();
      }
      await expectLanded(mode, repository, bytes);
      expect(proxy.exchanges.filter(([verb, status]) => verb === method && status === 0)).toHaveLength(1);
    },
  );

  it("fails a monolithic upload whose every PUT is cut as a network failure, not as not found", async () => {
    const repository = uniqueName("team");
    const proxy = await startCuttingProxy(registries[mode].url, {
      nth: 1,
      every: true,
      afterBytes: 3_000_000,
      method: "PUT",
    });
    const context = contextFor(mode, repository, { resumeAttempts: 2 }, proxy.host);
    const { bytes, descriptor } = blob(5_000_000);
    let error: unknown;
    try {
      await uploadBlob(context, descriptor, bufferSource(bytes), { strategy: "monolithic" });
    } catch (caught) {
      error = caught;
    } finally {
      await proxy.close();
    }
    expect(UploadError.isInstance(error)).toBe(true);
    expect(NetworkError.isInstance((error as UploadError).cause)).toBe(true);
    // Each attempt opened its own session: 1 + resumeAttempts POSTs.
    expect(proxy.exchanges.filter(([verb, status]) => verb === "POST" && status === 202)).toHaveLength(3);
  });

  it("uploads a blob above monolithicThreshold with one streamed PATCH by default", async () => {
    const repository = uniqueName("team");
    const context = contextFor(mode, repository, { chunkedUploads: false });
    const { bytes, descriptor } = blob(300_000);
    await uploadBlob(context, descriptor, bufferSource(bytes));

    await expectLanded(mode, repository, bytes);
    expect(uploadCalls(context.responses)).toEqual([
      ["POST", 202],
      ["PATCH", 202],
      ["PUT", 201],
    ]);
  });

  it("mounts a blob from another repository (201)", async () => {
    const repository = uniqueName("team");
    const from = uniqueName("team");
    const { bytes, descriptor } = blob(5000);
    await pushBlob(await rawAccess(mode, from), bytes);
    const context = contextFor(mode, repository);

    expect(await mountBlob(context, descriptor, from)).toBe(true);
    await expectLanded(mode, repository, bytes);
  });

  it("returns false when the source does not hold the blob (202), and mountOrUpload uploads instead", async () => {
    const repository = uniqueName("team");
    const from = uniqueName("team");
    const { bytes, descriptor } = blob(5000);
    const context = contextFor(mode, repository);

    expect(await mountBlob(context, descriptor, from)).toBe(false);
    expect(context.responses.filter(([method]) => method === "DELETE")).toEqual([["DELETE", 204]]);
    expect(await mountOrUpload(context, descriptor, from, bytes)).toBe(false);
    await expectLanded(mode, repository, bytes);
  });

  it("records a referrer in the referrers tag, once", async () => {
    const repository = uniqueName("team");
    const access = await rawAccess(mode, repository);
    const empty = new TextEncoder().encode("{}");
    await pushBlob(access, empty);
    const emptyDescriptor = { mediaType: MediaType.OciEmpty, digest: digestOf(empty), size: 2 };
    const subjectBytes = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: emptyDescriptor,
        layers: [emptyDescriptor],
      }),
    );
    await putManifest(access, "v1", subjectBytes, MediaType.OciManifest);
    const subject = {
      mediaType: MediaType.OciManifest,
      digest: digestOf(subjectBytes),
      size: subjectBytes.length,
    };
    const referrerBytes = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        artifactType: "application/vnd.example.sbom",
        config: emptyDescriptor,
        layers: [emptyDescriptor],
        subject,
        annotations: { "org.opencontainers.image.created": "2024-01-01T00:00:00Z" },
      }),
    );
    const referrer = {
      mediaType: MediaType.OciManifest,
      digest: digestOf(referrerBytes),
      size: referrerBytes.length,
    };
    const pushed = await putManifest(access, referrer.digest, referrerBytes, MediaType.OciManifest);
    // distribution 2.8 has no referrers API: no OCI-Subject, so the client keeps the tag (spec §7.2).
    expect(pushed.get("oci-subject")).toBeNull();

    const context = contextFor(mode, repository);
    await updateReferrersTag(context, referrer, referrerBytes);
    await updateReferrersTag(context, referrer, referrerBytes);

    const tag = await getManifest(access, referrersTagFor(subject.digest));
    expect(tag.mediaType).toBe(MediaType.OciIndex);
    const index = JSON.parse(new TextDecoder().decode(tag.bytes)) as { manifests: Descriptor[] };
    expect(index.manifests).toEqual([
      {
        ...referrer,
        artifactType: "application/vnd.example.sbom",
        annotations: { "org.opencontainers.image.created": "2024-01-01T00:00:00Z" },
      },
    ]);
    expect(context.responses.filter(([method]) => method === "PUT")).toEqual([["PUT", 201]]);
  });
});
