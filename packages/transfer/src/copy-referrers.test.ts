import { createMemoryTarget } from "@stevedore/blob";
import type { Descriptor } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { copy } from "./copy.js";
import { image, index, referrer, store, type TestImage } from "./test-support/images.js";

async function referrersOf(
  target: ReturnType<typeof createMemoryTarget>,
  subject: { descriptor: Descriptor },
) {
  const found: string[] = [];
  for await (const descriptor of target.referrers(subject.descriptor)) found.push(descriptor.digest);
  return found;
}

describe("copy: referrers", () => {
  it("copies referrers and referrers of referrers with their content when asked", async () => {
    const app = image("app");
    const signature = referrer("signature", app);
    const sbom = referrer("sbom", app, "application/spdx+json");
    const signatureOfSbom = referrer("sbom signature", sbom);
    const source = createMemoryTarget({ repository: "team/source" });
    await store(source, [signature, sbom, signatureOfSbom, app], "v1");

    const destination = createMemoryTarget({ repository: "team/destination" });
    const result = await copy(source, "v1", destination, "v1", { referrers: true });

    expect(result.referrers).toBe(3);
    expect(result.manifests).toBe(4);
    expect((await referrersOf(destination, app)).sort()).toEqual(
      [signature.descriptor.digest, sbom.descriptor.digest].sort(),
    );
    expect(await referrersOf(destination, sbom)).toEqual([signatureOfSbom.descriptor.digest]);
    for (const part of [...signature.blobs, ...signatureOfSbom.blobs]) {
      expect(await destination.exists(part.descriptor)).toBe(true);
    }
  });

  it("leaves referrers behind by default", async () => {
    const app = image("app");
    const source = createMemoryTarget();
    await store(source, [referrer("signature", app), app], "v1");
    const destination = createMemoryTarget();
    const result = await copy(source, "v1", destination, "v1");
    expect(result.referrers).toBe(0);
    expect(await referrersOf(destination, app)).toEqual([]);
  });

  it("copies referrers of the images inside an index, also when the index was copied before", async () => {
    const amd64 = image("amd64", { platform: { os: "linux", architecture: "amd64" } });
    const arm64 = image("arm64", { platform: { os: "linux", architecture: "arm64" } });
    const multi = index([amd64, arm64]);
    const source = createMemoryTarget();
    await store(source, [multi], "v1");
    const destination = createMemoryTarget();
    await copy(source, "v1", destination, "v1", { platforms: "all" });

    // Signed after the first copy: the index and images are at the destination, their signatures are not.
    const signatures = [multi, amd64, arm64].map((subject) =>
      referrer(`signature ${subject.descriptor.digest}`, subject),
    );
    await store(source, signatures);
    const result = await copy(source, "v1", destination, "v1", { platforms: "all", referrers: true });

    expect(result.skippedManifests).toBe(3);
    expect(result.manifests).toBe(3);
    for (const [position, subject] of (
      [multi, amd64, arm64] as Array<{ descriptor: Descriptor }>
    ).entries()) {
      expect(await referrersOf(destination, subject)).toEqual([
        (signatures[position] as TestImage).descriptor.digest,
      ]);
    }
  });

  it("does not loop on a source that lists a manifest as its own referrer", async () => {
    const app = image("app");
    const inner = createMemoryTarget();
    await store(inner, [app], "v1");
    const source = {
      ...inner,
      async *referrers(subject: Descriptor) {
        yield { ...subject };
      },
    };
    const result = await copy(source, "v1", createMemoryTarget(), "v1", { referrers: true });
    expect(result.manifests).toBe(1);
  });
});
