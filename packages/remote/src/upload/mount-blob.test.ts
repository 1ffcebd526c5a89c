import { AbortError, DigestMismatchError, digestOf, InvalidReferenceError } from "@stevedore/core";
import { uniqueName } from "@stevedore/testing";
import { afterEach, describe, expect, it } from "vitest";
import type { ResolvedRemoteOptions } from "../remote-context.js";
import { randomBlob, uploadContext } from "../test-support/upload-context.js";
import {
  startUploadRegistry,
  type UploadRegistry,
  type UploadRegistryOptions,
} from "../test-support/upload-registry.js";
import { mountBlob } from "./mount-blob.js";
import { mountOrUpload } from "./mount-or-upload.js";

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup(
  options: Partial<ResolvedRemoteOptions> = {},
  registryOptions: UploadRegistryOptions = {},
) {
  const registry = await startUploadRegistry(registryOptions);
  const repository = uniqueName("team");
  const from = uniqueName("team");
  const context = uploadContext(registry.host, repository, options);
  cleanups.push(
    () => context.close(),
    () => registry.close(),
  );
  return { registry, repository, from, context };
}

const methods = (registry: UploadRegistry) =>
  registry.requests.map((request) => [request.method, request.status]);

describe("mountBlob (spec/PROTOCOL.md §4.1 flow 5)", () => {
  it("mounts a blob the source repository holds (201) and returns true", async () => {
    const { registry, repository, from, context } = await setup();
    const { bytes, descriptor } = randomBlob(500);
    registry.putBlob(from, bytes);

    expect(await mountBlob(context, descriptor, from)).toBe(true);
    expect(registry.blob(repository, descriptor.digest)).toEqual(bytes);
    const [post] = registry.requests;
    const url = new URL(post?.target as string, registry.url);
    expect(url.searchParams.get("mount")).toBe(descriptor.digest);
    expect(url.searchParams.get("from")).toBe(from);
    expect(post?.headers["content-length"]).toBe("0");
  });

  it("asks for a token that can pull the source repository as well as push the target", async () => {
    const { registry, repository, from, context } = await setup();
    const { bytes, descriptor } = randomBlob(10);
    registry.putBlob(from, bytes);
    await mountBlob(context, descriptor, from);

    expect(context.log.calls[0]?.scopes).toEqual([
      { type: "repository", name: repository, actions: ["pull", "push"] },
      { type: "repository", name: from, actions: ["pull"] },
    ]);
  });

  it("returns false on 202 and cancels the upload session the registry opened", async () => {
    const { registry, repository, from, context } = await setup();
    const { descriptor } = randomBlob(500);

    expect(await mountBlob(context, descriptor, from)).toBe(false);
    expect(methods(registry)).toEqual([
      ["POST", 202],
      ["DELETE", 204],
    ]);
    expect(registry.openSessions()).toBe(0);
    expect(registry.blob(repository, descriptor.digest)).toBeUndefined();
  });

  it("rejects a 201 that confirms another digest", async () => {
    const { registry, from, context } = await setup();
    const { bytes, descriptor } = randomBlob(10);
    registry.putBlob(from, bytes);
    registry.faults.wrongDigestHeader = true;
    const error = await mountBlob(context, descriptor, from).catch((caught: unknown) => caught);
    expect(DigestMismatchError.isInstance(error)).toBe(true);
  });

  it("refuses a malformed source repository before sending anything", async () => {
    const { registry, context } = await setup();
    const { descriptor } = randomBlob(10);
    const error = await mountBlob(context, descriptor, "Not/A/Repo").catch((caught: unknown) => caught);
    expect(InvalidReferenceError.isInstance(error)).toBe(true);
    expect(registry.requests).toEqual([]);
  });
});

describe("mountOrUpload", () => {
  it("returns true and sends nothing else when the mount succeeds", async () => {
    const { registry, from, context } = await setup();
    const { bytes, descriptor } = randomBlob(300);
    registry.putBlob(from, bytes);

    expect(await mountOrUpload(context, descriptor, from, bytes)).toBe(true);
    expect(methods(registry)).toEqual([["POST", 201]]);
  });

  it("uploads into the session a declined mount opened, without another POST", async () => {
    const { registry, repository, from, context } = await setup();
    const { bytes, descriptor } = randomBlob(1000);
    const progress: number[] = [];

    const mounted = await mountOrUpload(context, descriptor, from, bytes, {
      onProgress: (value) => progress.push(value),
    });
    expect(mounted).toBe(false);
    expect(methods(registry)).toEqual([
      ["POST", 202],
      ["PUT", 201],
    ]);
    expect(registry.blob(repository, descriptor.digest)).toEqual(bytes);
    expect(progress).toEqual([1000]);
  });

  it("cancels the session a declined mount opened while an abort came in flight", async () => {
    const controller = new AbortController();
    const { registry, repository, from, context } = await setup(
      {},
      {
        onRequest: (method) => {
          if (method === "POST") controller.abort();
        },
      },
    );
    const { bytes, descriptor } = randomBlob(1000);
    const error = await mountOrUpload(context, descriptor, from, bytes, { signal: controller.signal }).catch(
      (caught: unknown) => caught,
    );

    expect(AbortError.isInstance(error)).toBe(true);
    expect(methods(registry)).toEqual([
      ["POST", 202],
      ["DELETE", 204],
    ]);
    expect(registry.openSessions()).toBe(0);
    expect(registry.blob(repository, descriptor.digest)).toBeUndefined();
  });

  it("continues a declined mount's session in chunks for a large blob", async () => {
    const { registry, repository, from, context } = await setup({
      monolithicThreshold: 1000,
      chunkSize: 1000,
    });
    const { bytes, descriptor } = randomBlob(2500);

    expect(await mountOrUpload(context, descriptor, from, bytes)).toBe(false);
    expect(methods(registry)).toEqual([
      ["POST", 202],
      ["PATCH", 202],
      ["PATCH", 202],
      ["PATCH", 202],
      ["PUT", 201],
    ]);
    expect(registry.blob(repository, digestOf(bytes))).toEqual(bytes);
  });
});
