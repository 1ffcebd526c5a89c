import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { readAll, temporaryPath } from "@stevedore/blob";
import {
  type Descriptor,
  DigestMismatchError,
  digestOf,
  InvalidReferenceError,
  LocalFormatError,
  ManifestError,
  MediaType,
  NotFoundError,
} from "@stevedore/core";
import { temporaryDirectories } from "@stevedore/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  createTargetContractFixture,
  describeTargetContract,
  pushFixture,
} from "../../../blob/src/test-support/target-contract.js";
import { createOciLayout } from "./create-oci-layout.js";

const temporaryDirectory = temporaryDirectories("stevedore-layout-", afterEach);

describeTargetContract(
  "OCI image layout",
  async () => {
    const directory = await mkdtemp(join(tmpdir(), "stevedore-layout-contract-"));
    return {
      target: createOciLayout(join(directory, "layout"), { create: true }),
      cleanup: () => rm(directory, { recursive: true, force: true }),
    };
  },
  { capabilities: { tags: true, ranges: true, referrers: true } },
);

const fixture = createTargetContractFixture();
const encoder = new TextEncoder();

async function filledLayout(): Promise<{ path: string; layout: ReturnType<typeof createOciLayout> }> {
  const path = join(await temporaryDirectory(), "layout");
  const layout = createOciLayout(path, { create: true });
  await pushFixture(layout, fixture);
  return { path, layout };
}

function blobPath(path: string, descriptor: Descriptor): string {
  return join(path, "blobs", "sha256", descriptor.digest.slice("sha256:".length));
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, "utf8"));
}

describe("createOciLayout on disk", () => {
  it("writes oci-layout, index.json with the tag as ref.name, and blobs/<alg>/<hex>", async () => {
    const { path } = await filledLayout();
    expect(await readFile(join(path, "oci-layout"), "utf8")).toBe('{"imageLayoutVersion":"1.0.0"}');
    const referrersTag = fixture.manifest.descriptor.digest.replace(":", "-");
    expect(await readJson(join(path, "index.json"))).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [
        // The fixture's artifact refers to the manifest: its referrers index is kept under this tag.
        expect.objectContaining({ mediaType: MediaType.OciIndex, annotations: { [refName]: referrersTag } }),
        { ...fixture.manifest.descriptor, annotations: { [refName]: "v1" } },
      ],
    });
    for (const item of [...fixture.blobs, ...fixture.manifests]) {
      expect(new Uint8Array(await readFile(blobPath(path, item.descriptor)))).toEqual(item.bytes);
    }
    // No temp files or lock left behind.
    expect((await readdir(path)).sort()).toEqual(["blobs", "index.json", "oci-layout"]);
    expect((await readdir(join(path, "blobs", "sha256"))).every((name) => !name.includes("tmp"))).toBe(true);
  });

  it("replaces the entry of a moved tag and keeps other entries and unknown fields", async () => {
    const { path, layout } = await filledLayout();
    const index = (await readJson(join(path, "index.json"))) as Record<string, unknown>;
    const foreign = {
      mediaType: "application/x-other",
      digest: digestOf("x"),
      size: 1,
      extra: { kept: true },
    };
    await writeFile(
      join(path, "index.json"),
      JSON.stringify({
        ...index,
        annotations: { "com.example": "yes" },
        manifests: [foreign, ...(index.manifests as [])],
      }),
    );
    await layout.tag(fixture.artifact.descriptor, "v1");
    await layout.tag(fixture.artifact.descriptor, "v2");
    const written = (await readJson(join(path, "index.json"))) as {
      manifests: unknown[];
      annotations: unknown;
    };
    expect(written.annotations).toEqual({ "com.example": "yes" });
    expect(written.manifests).toEqual([
      foreign,
      (index.manifests as unknown[])[0],
      { ...fixture.artifact.descriptor, annotations: { [refName]: "v1" } },
      { ...fixture.artifact.descriptor, annotations: { [refName]: "v2" } },
    ]);
    expect((await layout.resolve("v1")).digest).toBe(fixture.artifact.descriptor.digest);
  });

  it("tags an untagged entry of the same digest in place (as skopeo leaves them)", async () => {
    const { path, layout } = await filledLayout();
    await writeFile(
      join(path, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [fixture.artifact.descriptor, fixture.manifest.descriptor],
      }),
    );
    await layout.tag(fixture.artifact.descriptor, "note");
    expect(((await readJson(join(path, "index.json"))) as { manifests: unknown[] }).manifests).toEqual([
      { ...fixture.artifact.descriptor, annotations: { [refName]: "note" } },
      fixture.manifest.descriptor,
    ]);
  });

  it("addUntagged lists a stored manifest once, leaves a listed digest alone, refuses a missing one", async () => {
    const { path, layout } = await filledLayout();
    await writeFile(join(path, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [] }));
    await layout.tag(fixture.manifest.descriptor, "v1");
    await layout.addUntagged(fixture.manifest.descriptor);
    await layout.addUntagged(fixture.artifact.descriptor);
    await layout.addUntagged(fixture.artifact.descriptor);
    expect(((await readJson(join(path, "index.json"))) as { manifests: unknown[] }).manifests).toEqual([
      { ...fixture.manifest.descriptor, annotations: { [refName]: "v1" } },
      fixture.artifact.descriptor,
    ]);
    const missing = { ...fixture.artifact.descriptor, digest: `sha256:${"0".repeat(64)}` };
    await expect(layout.addUntagged(missing)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("resolves the digest of an untagged manifest from its content, but not of a plain blob", async () => {
    const { layout } = await filledLayout();
    expect(await layout.resolve(fixture.artifact.descriptor.digest)).toEqual(fixture.artifact.descriptor);
    await expect(layout.resolve(fixture.config.descriptor.digest)).rejects.toThrow(/is not a manifest/);
    await expect(layout.resolve(fixture.layer.descriptor.digest)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lists tags in order, each once", async () => {
    const { layout } = await filledLayout();
    for (const tag of ["b", "a", "v1"]) await layout.tag(fixture.manifest.descriptor, tag);
    const tags: string[] = [];
    for await (const tag of layout.tags()) tags.push(tag);
    expect(tags).toEqual(["a", "b", "v1"]);
  });

  it("refuses tags outside the ref.name grammar", async () => {
    const { layout } = await filledLayout();
    for (const tag of ["", "-x", "a b", "../x", "x/"]) {
      await expect(layout.tag(fixture.manifest.descriptor, tag)).rejects.toBeInstanceOf(
        InvalidReferenceError,
      );
    }
    await expect(layout.resolve("a b")).rejects.toBeInstanceOf(InvalidReferenceError);
  });

  it("validates a pushed manifest before storing it", async () => {
    const path = join(await temporaryDirectory(), "layout");
    const layout = createOciLayout(path, { create: true });
    const bytes = encoder.encode('{"schemaVersion":2,"layers":"no"}');
    const descriptor = { mediaType: MediaType.OciManifest, digest: digestOf(bytes), size: bytes.length };
    await expect(layout.push(descriptor, bytes)).rejects.toBeInstanceOf(ManifestError);
    expect(await layout.exists(descriptor)).toBe(false);
  });
});

describe("createOciLayout with hostile or broken layouts", () => {
  it("fails a fetch of a blob whose bytes do not match its name", async () => {
    const { path, layout } = await filledLayout();
    const bytes = fixture.config.bytes.slice();
    bytes[5] = bytes[5]! ^ 1;
    await writeFile(blobPath(path, fixture.config.descriptor), bytes);
    await expect(readAll(await layout.fetch(fixture.config.descriptor))).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
    await writeFile(blobPath(path, fixture.manifest.descriptor), fixture.artifact.bytes);
    await expect(layout.resolve(fixture.manifest.descriptor.digest)).resolves.toBeDefined(); // listed in index.json
    await expect(readAll(await layout.fetch(fixture.manifest.descriptor))).rejects.toThrow(/mismatch/);
  });

  it("refuses a blob that is a symbolic link", async () => {
    const { path, layout } = await filledLayout();
    const file = blobPath(path, fixture.config.descriptor);
    await rm(file);
    await writeFile(join(path, "elsewhere"), fixture.config.bytes);
    await symlink(join(path, "elsewhere"), file);
    expect(await layout.exists(fixture.config.descriptor)).toBe(false);
    await expect(readAll(await layout.fetch(fixture.config.descriptor))).rejects.toThrow(/symbolic link/);
  });

  it("refuses a layout whose blobs/ or blobs/sha256/ is a symbolic link, for reading and for writing", async () => {
    const { path } = await filledLayout();
    const elsewhere = join(await temporaryDirectory(), "elsewhere");
    await rename(join(path, "blobs"), elsewhere);
    await symlink(elsewhere, join(path, "blobs"));
    const message = `${join(path, "blobs")} is a symbolic link; a layout's blobs must be its own directories (replace the link by a copy)`;
    const reader = createOciLayout(path);
    await expect(reader.resolve(fixture.tag)).rejects.toThrow(message);
    await expect(reader.fetch(fixture.config.descriptor)).rejects.toBeInstanceOf(LocalFormatError);
    const writer = createOciLayout(path, { create: true });
    await expect(writer.push(fixture.missing.descriptor, fixture.missing.bytes)).rejects.toThrow(message);
    expect(await readdir(join(elsewhere, "sha256"))).not.toContain(
      fixture.missing.descriptor.digest.slice(7),
    );

    await rm(join(path, "blobs"));
    await mkdir(join(path, "blobs"));
    await symlink(join(elsewhere, "sha256"), join(path, "blobs", "sha256"));
    await expect(createOciLayout(path).fetch(fixture.config.descriptor)).rejects.toThrow(
      `${join(path, "blobs", "sha256")} is a symbolic link`,
    );
    await expect(
      createOciLayout(path, { create: true }).push(fixture.missing.descriptor, fixture.missing.bytes),
    ).rejects.toBeInstanceOf(LocalFormatError);
    expect(await readdir(join(elsewhere, "sha256"))).not.toContain(
      fixture.missing.descriptor.digest.slice(7),
    );
  });

  it("says what is missing: the directory, oci-layout, index.json", async () => {
    const parent = await temporaryDirectory();
    const missing = createOciLayout(join(parent, "nope"));
    await expect(missing.resolve("v1")).rejects.toThrow(NotFoundError);
    await expect(missing.resolve("v1")).rejects.toThrow(/nope does not exist/);

    await mkdir(join(parent, "empty"));
    await expect(createOciLayout(join(parent, "empty")).resolve("v1")).rejects.toThrow(
      /not an OCI image layout: oci-layout is missing/,
    );

    await mkdir(join(parent, "noindex"));
    await writeFile(join(parent, "noindex", "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    await expect(createOciLayout(join(parent, "noindex")).resolve("v1")).rejects.toThrow(
      /index.json is missing/,
    );
  });

  it.each([
    ["oci-layout", "{", /oci-layout: not valid JSON/],
    ["oci-layout", "[]", /oci-layout: expected a JSON object/],
    ["oci-layout", '{"imageLayoutVersion":"2.0.0"}', /unsupported imageLayoutVersion "2.0.0"/],
    ["index.json", "not json", /index.json: not valid JSON/],
    ["index.json", '{"schemaVersion":1,"manifests":[]}', /index.json: schemaVersion must be 2/],
    ["index.json", '{"schemaVersion":2}', /index.json: manifests must be an array/],
    [
      "index.json",
      '{"schemaVersion":2,"manifests":[{"mediaType":"a/b","digest":"../../etc/passwd","size":1}]}',
      /index.json: manifests\[0\].digest is not a valid digest/,
    ],
    [
      "index.json",
      '{"schemaVersion":2,"manifests":[{"mediaType":"a/b","digest":"sha256:aa","size":-1}]}',
      /index.json: manifests\[0\].digest is not a valid digest/,
    ],
    [
      "index.json",
      `{"schemaVersion":2,"manifests":[{"mediaType":"a/b","digest":"${digestOf("x")}","size":-1}]}`,
      /manifests\[0\].size must be a non-negative integer/,
    ],
    [
      "index.json",
      `{"schemaVersion":2,"manifests":[{"mediaType":"a/b","digest":"${digestOf("x")}","size":1,"annotations":{"k":1}}]}`,
      /manifests\[0\].annotations\["k"\] must be a string/,
    ],
  ])(
    "refuses a malformed %s (%s) with a one-line LocalFormatError naming it",
    async (file, content, message) => {
      const { path } = await filledLayout();
      await writeFile(join(path, file), content);
      const error = await createOciLayout(path)
        .resolve("v1")
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LocalFormatError);
      expect(String((error as Error).message)).toMatch(message);
      expect((error as Error).message).not.toContain("\n");
    },
  );
});

describe("createOciLayout with concurrent writers", () => {
  it("keeps every tag when two targets on one directory tag 20 times each at once", async () => {
    const { path } = await filledLayout();
    const first = createOciLayout(path);
    const second = createOciLayout(path);
    await Promise.all(
      Array.from({ length: 20 }, (_, index) => [
        first.tag(fixture.manifest.descriptor, `first-${index}`),
        second.tag(fixture.artifact.descriptor, `second-${index}`),
      ]).flat(),
    );
    const tags: string[] = [];
    for await (const tag of first.tags()) tags.push(tag);
    expect(tags).toHaveLength(41);
    expect(tags).toContain("first-19");
    expect(tags).toContain("second-0");
    expect(await readdir(path)).not.toContain("index.json.lock");
  });
});

describe("createOciLayout creating a new layout", () => {
  it("knows what it wrote: exists is false before a push and true after, with the files in place", async () => {
    const path = join(await temporaryDirectory(), "new");
    const layout = createOciLayout(path, { create: true });
    expect(await layout.exists(fixture.layer.descriptor)).toBe(false);
    await layout.push(fixture.layer.descriptor, fixture.layer.bytes);
    expect(await layout.exists(fixture.layer.descriptor)).toBe(true);
    expect(
      await layout.exists({ ...fixture.layer.descriptor, size: fixture.layer.descriptor.size + 1 }),
    ).toBe(false);
    expect(await readFile(blobPath(path, fixture.layer.descriptor))).toEqual(
      Buffer.from(fixture.layer.bytes),
    );
  });

  it("answers exists for a missing layout without making it; the first write makes it", async () => {
    const parent = await temporaryDirectory();
    const path = join(parent, "new");
    const layout = createOciLayout(path, { create: true });
    expect(await layout.exists(fixture.manifest.descriptor)).toBe(false);
    expect(await readdir(parent)).toEqual([]);
    await layout.push(fixture.layer.descriptor, fixture.layer.bytes);
    expect((await readdir(path)).sort()).toEqual(["blobs", "index.json", "oci-layout"]);
    expect(await readdir(join(path, "blobs"))).toEqual(["sha256"]);
  });

  it("under a file, which no layout can be: exists fails at once, naming the path", async () => {
    const parent = await temporaryDirectory();
    await writeFile(join(parent, "file"), "not a directory");
    const layout = createOciLayout(join(parent, "file", "layout"), { create: true });
    await expect(layout.exists(fixture.layer.descriptor)).rejects.toThrow(join(parent, "file"));
    await expect(layout.push(fixture.layer.descriptor, fixture.layer.bytes)).rejects.toThrow(
      join(parent, "file"),
    );
  });

  it("with a second writer on the same new layout: its blobs are at most written again, intact, and taggable", async () => {
    const path = join(await temporaryDirectory(), "shared");
    const first = createOciLayout(path, { create: true });
    expect(await first.exists(fixture.empty.descriptor)).toBe(false); // first creates the layout
    const second = createOciLayout(path, { create: true });
    await pushFixture(second, fixture);
    // The first target created the layout and did not write these: it may think them absent …
    expect(await first.exists(fixture.manifest.descriptor)).toBe(false);
    // … so pushing them again only rewrites the same bytes, and tagging finds what the other wrote.
    await pushFixture(first, fixture);
    await first.tag(fixture.artifact.descriptor, "from-first");
    for (const blob of [...fixture.blobs, ...fixture.manifests]) {
      expect(digestOf(await readFile(blobPath(path, blob.descriptor)))).toBe(blob.descriptor.digest);
    }
    // Plus the referrers index of the fixture's artifact (its subject's sha256-<hex> tag).
    expect(await readdir(join(path, "blobs", "sha256"))).toHaveLength(
      fixture.blobs.length + fixture.manifests.length + 1,
    );
  });

  it("removes temp files of killed writers at its first write, and keeps a live writer's", async () => {
    const { path } = await filledLayout();
    const blobs = join(path, "blobs", "sha256");
    const mark =
      basename(temporaryPath(join(blobs, "x")))
        .split(".")
        .at(-2)
        ?.split("-")[0] ?? "";
    // 99999999 is above any pid_max: a dead writer; the parent of this process is alive.
    const dead = [
      `.${"a".repeat(64)}.${mark}-99999999-0123456789ab.tmp`,
      `.index.json.${mark}-99999999-0123456789ab.tmp`,
    ];
    const live = `.${"b".repeat(64)}.${mark}-${process.ppid}-0123456789ab.tmp`;
    await writeFile(join(blobs, dead[0]!), "half a blob");
    await writeFile(join(path, dead[1]!), "half an index");
    await writeFile(join(blobs, live), "being written");
    const reopened = createOciLayout(path, { create: true });
    await reopened.push(fixture.missing.descriptor, fixture.missing.bytes);
    expect((await readdir(blobs)).filter((name) => name.endsWith(".tmp"))).toEqual([live]);
    expect((await readdir(path)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("opened on an existing layout, sees blobs another writer stored", async () => {
    const { path } = await filledLayout();
    const reopened = createOciLayout(path, { create: true });
    expect(await reopened.exists(fixture.layer.descriptor)).toBe(true);
  });
});

const run = promisify(execFile);

describe("createOciLayout with writers in several processes", () => {
  it("keeps every tag when two child processes and this one tag 20 times each at once", async () => {
    const { path } = await filledLayout();
    const hooks = fileURLToPath(new URL("../test-support/source-hooks.ts", import.meta.url));
    const child = fileURLToPath(new URL("../test-support/tag-in-child.ts", import.meta.url));
    const { mediaType, digest, size } = fixture.manifest.descriptor;
    const spawnChild = (prefix: string) =>
      run(process.execPath, ["--import", hooks, child, path, prefix, "20", mediaType, digest, String(size)]);
    const parent = createOciLayout(path);
    const [first, second] = await Promise.all([
      spawnChild("first"),
      spawnChild("second"),
      ...Array.from({ length: 20 }, (_, index) => parent.tag(fixture.artifact.descriptor, `parent-${index}`)),
    ]);
    expect([first?.stdout, second?.stdout]).toEqual(["done\n", "done\n"]);
    const tags: string[] = [];
    for await (const tag of parent.tags()) tags.push(tag);
    expect(tags).toHaveLength(61);
    for (const prefix of ["first", "second", "parent"]) {
      expect(tags.filter((tag) => tag.startsWith(`${prefix}-`))).toHaveLength(20);
    }
    expect((await readdir(path)).sort()).toEqual(["blobs", "index.json", "oci-layout"]);
  });
});

const refName = "org.opencontainers.image.ref.name";
