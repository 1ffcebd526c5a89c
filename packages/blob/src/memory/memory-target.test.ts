import type { Descriptor } from "@stevedore/core";
import {
  InvalidDigestError,
  InvalidReferenceError,
  ManifestError,
  MediaType,
  NotFoundError,
  UsageError,
} from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { readAll } from "../read-all.js";
import { digestOf, expectBytes } from "../test-support/byte-streams.js";
import {
  createTargetContractFixture,
  describeTargetContract,
  pushFixture,
} from "../test-support/target-contract.js";
import { createMemoryStore } from "./create-memory-store.js";
import { createMemoryTarget } from "./create-memory-target.js";

describeTargetContract(
  "memory target (contract)",
  async () => {
    const store = createMemoryStore({ registry: "registry.test" });
    return {
      target: createMemoryTarget({ store, repository: "team/app" }),
      sibling: {
        target: createMemoryTarget({ store, repository: "library/base" }),
        repository: "library/base",
      },
    };
  },
  { capabilities: { tags: true, referrers: true, ranges: true, mount: true } },
);

describeTargetContract(
  "memory target (contract, read-only)",
  async (fixture) => {
    const target = createMemoryTarget();
    await pushFixture(target, fixture);
    return { target };
  },
  { readOnly: true, capabilities: { tags: true, referrers: true, ranges: true, mount: true } },
);

const fixture = createTargetContractFixture();

function manifestOf(
  value: unknown,
  mediaType: string = MediaType.OciManifest,
): { descriptor: Descriptor; bytes: Uint8Array } {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return { descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length }, bytes };
}

describe("createMemoryTarget", () => {
  it("lists tags in sorted order", async () => {
    const target = createMemoryTarget();
    await pushFixture(target, fixture);
    for (const tag of ["b", "A", "a", "1"]) await target.tag(fixture.manifest.descriptor, tag);
    const tags: string[] = [];
    for await (const tag of target.tags()) tags.push(tag);
    expect(tags).toEqual(["1", "A", "a", "b", "v1"]);
  });

  it("names the repository in not-found messages", async () => {
    const target = createMemoryTarget({ registry: "registry.test", repository: "team/app" });
    await expect(target.resolve("v9")).rejects.toThrow("tag v9 not found in registry.test/team/app");
    await expect(target.fetch(fixture.layer.descriptor)).rejects.toThrow(
      `${fixture.layer.descriptor.digest} not found in registry.test/team/app`,
    );
  });

  it("keeps repositories of one store apart", async () => {
    const store = createMemoryStore();
    const app = createMemoryTarget({ store, repository: "app" });
    const other = createMemoryTarget({ store, repository: "other" });
    await pushFixture(app, fixture);
    expect(await other.exists(fixture.layer.descriptor)).toBe(false);
    await expect(other.resolve(fixture.tag)).rejects.toBeInstanceOf(NotFoundError);
    expect(store.repositories()).toEqual(["app"]);
  });

  it("does not mount across stores, even with the same repository name", async () => {
    const first = createMemoryTarget({ repository: "base" });
    const second = createMemoryTarget({ repository: "app" });
    await first.push(fixture.layer.descriptor, fixture.layer.bytes);
    expect(await second.mount(fixture.layer.descriptor, "base")).toBe(false);
    expect(first.registry).not.toBe(second.registry);
  });

  it("derives a referrer's artifactType from config.mediaType, and omits it for an index", async () => {
    const target = createMemoryTarget();
    await pushFixture(target, fixture);
    const subject = pickDescriptor(fixture.manifest.descriptor);
    const signature = manifestOf({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: {
        mediaType: "application/vnd.example.signature.config+json",
        digest: fixture.empty.descriptor.digest,
        size: 2,
      },
      layers: [],
      subject,
    });
    const index = manifestOf(
      { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [], subject },
      MediaType.OciIndex,
    );
    await target.push(signature.descriptor, signature.bytes);
    await target.push(index.descriptor, index.bytes);
    const found: Descriptor[] = [];
    for await (const descriptor of target.referrers(subject)) found.push(descriptor);
    expect(found.find((descriptor) => descriptor.digest === signature.descriptor.digest)?.artifactType).toBe(
      "application/vnd.example.signature.config+json",
    );
    const listedIndex = found.find((descriptor) => descriptor.digest === index.descriptor.digest);
    expect(listedIndex).toEqual(pickDescriptor(index.descriptor));
    expect(found).toHaveLength(3);
  });

  it("rejects a manifest that is not JSON, or whose mediaType contradicts the push, and stores nothing", async () => {
    const target = createMemoryTarget();
    const garbage = new TextEncoder().encode("not json");
    const notJson = { mediaType: MediaType.OciManifest, digest: digestOf(garbage), size: garbage.length };
    await expect(target.push(notJson, garbage)).rejects.toBeInstanceOf(ManifestError);
    expect(await target.exists(notJson)).toBe(false);

    const docker = manifestOf({
      schemaVersion: 2,
      mediaType: MediaType.DockerManifest,
      config: {},
      layers: [],
    });
    const pushedAsOci = { ...docker.descriptor, mediaType: MediaType.OciManifest };
    await expect(target.push(pushedAsOci, docker.bytes)).rejects.toThrow(
      /has mediaType .* but was pushed as/,
    );
    expect(await target.exists(pushedAsOci)).toBe(false);
  });

  it("hands out copies, so writing into fetched or pushed bytes changes nothing stored", async () => {
    const target = createMemoryTarget();
    const bytes = fixture.config.bytes.slice();
    await target.push(fixture.config.descriptor, bytes);
    bytes.fill(0);
    const fetched = await readAll(await target.fetch(fixture.config.descriptor));
    fetched.fill(0);
    expect(await readAll(await target.fetch(fixture.config.descriptor))).toEqual(fixture.config.bytes);
  });

  it("deletes a manifest with its tags, and blobs", async () => {
    const target = createMemoryTarget();
    await pushFixture(target, fixture);
    await target.tag(fixture.manifest.descriptor, "latest");
    await target.tag(fixture.artifact.descriptor, "note");
    await target.delete(fixture.manifest.descriptor);
    await expect(target.resolve("latest")).rejects.toBeInstanceOf(NotFoundError);
    await expect(target.resolve(fixture.manifest.descriptor.digest)).rejects.toBeInstanceOf(NotFoundError);
    expect((await target.resolve("note")).digest).toBe(fixture.artifact.descriptor.digest);
    await target.delete(fixture.layer.descriptor);
    expect(await target.exists(fixture.layer.descriptor)).toBe(false);
    await expect(target.delete(fixture.layer.descriptor)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("keeps content another repository still links to when one deletes it", async () => {
    const store = createMemoryStore();
    const base = createMemoryTarget({ store, repository: "base" });
    const app = createMemoryTarget({ store, repository: "app" });
    await base.push(fixture.layer.descriptor, fixture.layer.bytes);
    expect(await app.mount(fixture.layer.descriptor, "base")).toBe(true);
    await base.delete(fixture.layer.descriptor);
    expectBytes(await readAll(await app.fetch(fixture.layer.descriptor)), fixture.layer.bytes);
  });

  it.each([
    ["Invalid Tag!", InvalidReferenceError],
    [`x${"a".repeat(128)}`, InvalidReferenceError],
    ["sha256:abc", InvalidDigestError],
    ["sha256:", InvalidDigestError],
    // Well-formed but unverifiable: nothing can have been stored under it.
    ["md5:d41d8cd98f00b204e9800998ecf8427e", NotFoundError],
  ])("rejects the reference %j with a typed error", async (reference, type) => {
    const target = createMemoryTarget();
    await expect(target.resolve(reference)).rejects.toBeInstanceOf(type);
  });

  it("refuses to store content under a digest it cannot verify", async () => {
    const target = createMemoryTarget();
    const descriptor = {
      mediaType: "application/octet-stream",
      digest: "md5:d41d8cd98f00b204e9800998ecf8427e",
      size: 0,
    };
    await expect(target.push(descriptor, new Uint8Array(0))).rejects.toBeInstanceOf(InvalidDigestError);
    expect(await target.exists(descriptor)).toBe(false);
  });

  it("rejects bad options and ranges with typed errors", async () => {
    expect(() => createMemoryTarget({ repository: "Not/Valid" })).toThrow(InvalidReferenceError);
    const store = createMemoryStore({ registry: "one.test" });
    expect(() => createMemoryTarget({ store, registry: "two.test" })).toThrow(UsageError);
    expect(() => createMemoryTarget({ store: { registry: "fake", repositories: () => [] } })).toThrow(
      UsageError,
    );
    const target = createMemoryTarget({ store });
    await target.push(fixture.config.descriptor, fixture.config.bytes);
    await expect(target.fetchRange(fixture.config.descriptor, 5, 2)).rejects.toBeInstanceOf(UsageError);
    await expect(
      target.fetchRange(fixture.config.descriptor, 0, fixture.config.descriptor.size + 1),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(target.tag(fixture.manifest.descriptor, "bad tag")).rejects.toBeInstanceOf(
      InvalidReferenceError,
    );
  });
});

function pickDescriptor(descriptor: Descriptor): Descriptor {
  return { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
}
