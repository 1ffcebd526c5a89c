import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryTarget } from "@stevedore/blob";
import { LocalFormatError, StevedoreError } from "@stevedore/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTargetContractFixture, pushFixture } from "../../blob/src/test-support/target-contract.js";
import { parseDockerSaveManifest } from "./docker-archive/docker-save-manifest.js";
import { type DockerArchiveTarget, openDockerArchive } from "./docker-archive/open-docker-archive.js";
import { writeDockerArchive } from "./docker-archive/write-docker-archive.js";
import { checkLayoutFile, parseLayoutIndex } from "./layout-index.js";
import { createOciLayout } from "./oci-layout/create-oci-layout.js";

const encoder = new TextEncoder();

describe("document parsers give a value or a LocalFormatError for any input", () => {
  const json = fc.oneof(
    fc.json(),
    fc.constantFrom(
      '{"schemaVersion":2,"manifests":[{}]}',
      '[{"Config":"a","Layers":[1]}]',
      '{"imageLayoutVersion":1}',
    ),
  );
  it.each([
    ["index.json", (bytes: Uint8Array) => parseLayoutIndex(bytes, "index.json")],
    ["manifest.json", (bytes: Uint8Array) => parseDockerSaveManifest(bytes, "manifest.json")],
    ["oci-layout", (bytes: Uint8Array) => checkLayoutFile(bytes, "oci-layout")],
  ])("%s", (_, parse) => {
    fc.assert(
      fc.property(
        fc.oneof(
          json.map((text) => encoder.encode(text)),
          fc.uint8Array(),
        ),
        (bytes) => {
          try {
            parse(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(LocalFormatError);
            expect((error as Error).message).not.toContain("\n");
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("resolve gives a descriptor or a typed error for any string", () => {
  const fixture = createTargetContractFixture();
  let directory: string;
  let archive: DockerArchiveTarget;
  let layout: ReturnType<typeof createOciLayout>;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "stevedore-parsers-"));
    const memory = createMemoryTarget();
    await pushFixture(memory, fixture);
    await writeDockerArchive(join(directory, "a.tar"), [
      { source: memory, descriptor: fixture.manifest.descriptor, repoTags: ["app:v1"] },
    ]);
    archive = await openDockerArchive(join(directory, "a.tar"));
    layout = createOciLayout(join(directory, "layout"), { create: true });
    await pushFixture(layout, fixture);
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("for the archive and the layout", async () => {
    const reference = fc.oneof(
      fc.string(),
      fc.constantFrom(
        "v1",
        "app:v1",
        "@0",
        "@99",
        "",
        "sha256:",
        "sha256:zz",
        fixture.manifest.descriptor.digest,
      ),
    );
    await fc.assert(
      fc.asyncProperty(reference, async (input) => {
        for (const target of [archive, layout]) {
          try {
            const descriptor = await target.resolve(input);
            expect(descriptor.digest).toBe(fixture.manifest.descriptor.digest);
          } catch (error) {
            expect(StevedoreError.isInstance(error)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
