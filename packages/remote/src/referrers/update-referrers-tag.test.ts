import type { Descriptor } from "@stevedore/core";
import {
  DigestMismatchError,
  digestOf,
  InvalidDigestError,
  ManifestError,
  MediaType,
  RegistryResponseError,
  SizeMismatchError,
  UsageError,
} from "@stevedore/core";
import { uniqueName } from "@stevedore/testing";
import { afterEach, describe, expect, it } from "vitest";
import { uploadContext } from "../test-support/upload-context.js";
import { startUploadRegistry } from "../test-support/upload-registry.js";
import { referrersTagFor, updateReferrersTag } from "./update-referrers-tag.js";

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup(options: Parameters<typeof startUploadRegistry>[0] = {}) {
  const registry = await startUploadRegistry(options);
  const repository = uniqueName("team");
  const context = uploadContext(registry.host, repository);
  cleanups.push(
    () => context.close(),
    () => registry.close(),
  );
  return { registry, repository, context };
}

const hex = "a".repeat(64);
const subject: Descriptor = { mediaType: MediaType.OciManifest, digest: `sha256:${hex}`, size: 100 };
const empty: Descriptor = {
  mediaType: MediaType.OciEmpty,
  digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  size: 2,
};

function manifestOf(document: Record<string, unknown>): { bytes: Uint8Array; descriptor: Descriptor } {
  const bytes = new TextEncoder().encode(JSON.stringify(document));
  const mediaType = String(document.mediaType);
  return { bytes, descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length } };
}

function artifact(extra: Record<string, unknown> = {}) {
  return manifestOf({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: "application/vnd.example.sbom.config+json", digest: empty.digest, size: 2 },
    layers: [empty],
    subject,
    ...extra,
  });
}

function readTag(registry: Awaited<ReturnType<typeof setup>>["registry"], repository: string) {
  const stored = registry.manifest(repository, referrersTagFor(subject.digest));
  if (stored === undefined) throw new Error("no referrers tag");
  return {
    mediaType: stored.mediaType,
    index: JSON.parse(new TextDecoder().decode(stored.bytes)) as { manifests: Descriptor[] } & Record<
      string,
      unknown
    >,
  };
}

describe("referrersTagFor (spec/PROTOCOL.md §7.2)", () => {
  it.each([
    ["sha256", `sha256:${hex}`, `sha256-${hex}`],
    ["sha512 (encoded part cut to 64)", `sha512:${"b".repeat(128)}`, `sha512-${"b".repeat(64)}`],
    [
      "a long algorithm with separators (cut to 32, + replaced)",
      `${"x".repeat(30)}+abcdef:AbC=_-`,
      `${"x".repeat(30)}-a-AbC-_-`,
    ],
  ])("%s", (_, digest, tag) => {
    expect(referrersTagFor(digest)).toBe(tag);
    expect(tag).toMatch(/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/);
  });

  it("refuses a malformed digest", () => {
    expect(() => referrersTagFor("sha256:xyz")).toThrow(InvalidDigestError);
  });
});

describe("updateReferrersTag", () => {
  it("creates the index when the tag does not exist, with artifactType from the config and annotations", async () => {
    const { registry, repository, context } = await setup();
    const { bytes, descriptor } = artifact({ annotations: { "org.example.kind": "sbom" } });
    await updateReferrersTag(context, descriptor, bytes);

    const { mediaType, index } = readTag(registry, repository);
    expect(mediaType).toBe(MediaType.OciIndex);
    expect(index).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [
        {
          ...descriptor,
          artifactType: "application/vnd.example.sbom.config+json",
          annotations: { "org.example.kind": "sbom" },
        },
      ],
    });
  });

  it("prefers the manifest's own artifactType, and does not add a descriptor twice", async () => {
    const { registry, repository, context } = await setup();
    const { bytes, descriptor } = artifact({ artifactType: "application/vnd.example.signature" });
    await updateReferrersTag(context, descriptor, bytes);
    await updateReferrersTag(context, descriptor, bytes);

    const { index } = readTag(registry, repository);
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]?.artifactType).toBe("application/vnd.example.signature");
    expect(registry.requests.filter((request) => request.method === "PUT")).toHaveLength(1);
  });

  it("adds to an existing index, keeps its other entries and fields, and sends If-Match with its ETag", async () => {
    const { registry, repository, context } = await setup();
    const other = artifact({ annotations: { n: "1" } });
    const existing = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciIndex,
        manifests: [{ ...other.descriptor, artifactType: "x/y" }],
        annotations: { kept: "yes" },
      }),
    );
    const tag = referrersTagFor(subject.digest);
    registry.putManifest(repository, tag, existing, MediaType.OciIndex);
    const { bytes, descriptor } = artifact({ annotations: { n: "2" } });
    await updateReferrersTag(context, descriptor, bytes);

    const { index } = readTag(registry, repository);
    expect(index.manifests.map((entry) => entry.digest)).toEqual([
      other.descriptor.digest,
      descriptor.digest,
    ]);
    expect(index.annotations).toEqual({ kept: "yes" });
    const put = registry.requests.find((request) => request.method === "PUT");
    expect(put?.headers["if-match"]).toBe(`"${digestOf(existing)}"`);
  });

  it("starts over when someone else updated the tag in between (412), keeping both entries", async () => {
    const { registry, repository, context } = await setup();
    const tag = referrersTagFor(subject.digest);
    const first = artifact({ annotations: { n: "1" } });
    await updateReferrersTag(context, first.descriptor, first.bytes);
    const concurrent = artifact({ annotations: { n: "concurrent" } });
    let raced = false;
    registry.faults.beforeManifestPut = (name, reference) => {
      if (raced || reference !== tag) return;
      raced = true;
      const { index } = readTag(registry, name);
      index.manifests.push(concurrent.descriptor);
      registry.putManifest(name, tag, new TextEncoder().encode(JSON.stringify(index)), MediaType.OciIndex);
    };
    const second = artifact({ annotations: { n: "2" } });
    await updateReferrersTag(context, second.descriptor, second.bytes);

    const { index } = readTag(registry, repository);
    expect(index.manifests.map((entry) => entry.digest)).toEqual([
      first.descriptor.digest,
      concurrent.descriptor.digest,
      second.descriptor.digest,
    ]);
    expect(registry.requests.filter((request) => request.status === 412)).toHaveLength(1);
  });

  it("gives up with the 412 when the tag keeps changing", async () => {
    const { registry, context } = await setup();
    const tag = referrersTagFor(subject.digest);
    const first = artifact({ annotations: { n: "1" } });
    await updateReferrersTag(context, first.descriptor, first.bytes);
    let writes = 0;
    registry.faults.beforeManifestPut = (name) => {
      writes += 1;
      const index = {
        schemaVersion: 2,
        mediaType: MediaType.OciIndex,
        manifests: [],
        annotations: { writes: String(writes) },
      };
      registry.putManifest(name, tag, new TextEncoder().encode(JSON.stringify(index)), MediaType.OciIndex);
    };
    const second = artifact({ annotations: { n: "2" } });
    const error = await updateReferrersTag(context, second.descriptor, second.bytes).catch(
      (caught: unknown) => caught,
    );
    expect(RegistryResponseError.isInstance(error) && error.status === 412).toBe(true);
    expect(writes).toBe(5);
  });

  it("refuses to touch a referrers tag that holds something other than an OCI index", async () => {
    const { registry, repository, context } = await setup();
    const image = artifact();
    registry.putManifest(repository, referrersTagFor(subject.digest), image.bytes, MediaType.OciManifest);
    const { bytes, descriptor } = artifact({ annotations: { n: "1" } });
    const error = await updateReferrersTag(context, descriptor, bytes).catch((caught: unknown) => caught);

    expect(ManifestError.isInstance(error)).toBe(true);
    expect(registry.requests.filter((request) => request.method === "PUT")).toEqual([]);
  });

  it("lists an index referrer without artifactType unless it declares one", async () => {
    const { registry, repository, context } = await setup();
    const { bytes, descriptor } = manifestOf({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [],
      subject,
    });
    await updateReferrersTag(context, descriptor, bytes);
    const { index } = readTag(registry, repository);
    expect(index.manifests).toEqual([descriptor]);
  });

  it("refuses a manifest without subject, and bytes that are not the descriptor's", async () => {
    const { registry, context } = await setup();
    const plain = manifestOf({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: empty,
      layers: [],
    });
    const noSubject = await updateReferrersTag(context, plain.descriptor, plain.bytes).catch(
      (caught: unknown) => caught,
    );
    expect(UsageError.isInstance(noSubject)).toBe(true);

    const { bytes, descriptor } = artifact();
    const tampered = new Uint8Array(bytes);
    tampered[tampered.length - 2] = 0x20;
    const mismatch = await updateReferrersTag(context, descriptor, tampered).catch(
      (caught: unknown) => caught,
    );
    expect(DigestMismatchError.isInstance(mismatch)).toBe(true);
    expect((mismatch as Error).message).toContain(`manifest ${descriptor.digest}`);
    for (const cut of [bytes.subarray(0, bytes.length - 1), Buffer.concat([bytes, Buffer.from(" ")])]) {
      const wrongSize = await updateReferrersTag(context, descriptor, cut).catch((caught: unknown) => caught);
      expect(SizeMismatchError.isInstance(wrongSize)).toBe(true);
    }
    expect(registry.requests).toEqual([]);
  });
});

describe("updateReferrersTag without If-Match (distribution 2.8 sends no usable ETag check)", () => {
  const setupWithoutEtag = () => setup({ noEtag: true });

  it("writes again when another writer's stale index replaced ours right after our PUT", async () => {
    const { registry, repository, context } = await setupWithoutEtag();
    const tag = referrersTagFor(subject.digest);
    const other = artifact({ annotations: { writer: "other" } });
    const stale = new TextEncoder().encode(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [other.descriptor] }),
    );
    let overwritten = false;
    registry.faults.afterManifestPut = (repositoryName, reference) => {
      if (repositoryName !== repository || reference !== tag || overwritten) return;
      overwritten = true;
      registry.putManifest(repository, tag, stale, MediaType.OciIndex);
    };
    const mine = artifact({ annotations: { writer: "me" } });
    await updateReferrersTag(context, mine.descriptor, mine.bytes);

    const { index } = readTag(registry, repository);
    expect(index.manifests.map((entry) => entry.digest).sort()).toEqual(
      [other.descriptor.digest, mine.descriptor.digest].sort(),
    );
  });

  it("keeps all of 10 concurrent updates of one subject's tag", async () => {
    const { registry, repository, context } = await setupWithoutEtag();
    const referrers = Array.from({ length: 10 }, (_, index) =>
      artifact({ annotations: { n: String(index) } }),
    );
    await Promise.all(
      referrers.map(({ descriptor, bytes }) => updateReferrersTag(context, descriptor, bytes)),
    );
    const { index } = readTag(registry, repository);
    expect(index.manifests.map((entry) => entry.digest).sort()).toEqual(
      referrers.map(({ descriptor }) => descriptor.digest).sort(),
    );
  });
});
