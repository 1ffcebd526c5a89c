import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryTarget, readAll } from "@stevedore/blob";
import {
  AbortError,
  DigestMismatchError,
  LocalFormatError,
  LocalIoError,
  NotFoundError,
  UsageError,
} from "@stevedore/core";
import { encodeTarHeader, indexTar, memorySource, type TarWriterEntry, writeTar } from "@stevedore/tar";
import { afterEach, describe, expect, it } from "vitest";
import {
  createTargetContractFixture,
  describeTargetContract,
  pushFixture,
} from "../../../blob/src/test-support/target-contract.js";
import { archiveFormatOf, openArchive } from "../archive-format.js";
import { writeDockerArchive } from "../docker-archive/write-docker-archive.js";
import { openOciArchive } from "./open-oci-archive.js";
import { writeOciArchive } from "./write-oci-archive.js";

const fixture = createTargetContractFixture();
const encoder = new TextEncoder();
const directories: string[] = [];
async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "stevedore-oci-archive-test-"));
  directories.push(directory);
  return directory;
}
afterEach(async () => {
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

/** The contract fixture written as an OCI archive: the image tagged, its referrer kept. */
async function fixtureArchive(directory: string): Promise<string> {
  const file = join(directory, "image.tar");
  await writeOciArchive(file, async (layout) => {
    await pushFixture(layout, fixture);
    await layout.tag(fixture.manifest.descriptor, fixture.tag);
  });
  return file;
}

describeTargetContract(
  "OCI archive (read side, written by writeOciArchive)",
  async () => {
    const directory = await mkdtemp(join(tmpdir(), "stevedore-oci-archive-contract-"));
    return {
      target: (await openOciArchive(await fixtureArchive(directory))) as never,
      cleanup: () => rm(directory, { recursive: true, force: true }),
    };
  },
  { readOnly: true, capabilities: { tags: true, referrers: true, ranges: true } },
);

async function tarBytes(entries: TarWriterEntry[], extra: Uint8Array[] = []): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [...extra];
  for await (const chunk of writeTar(entries)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function entry(name: string, bytes: Uint8Array | string): TarWriterEntry {
  const content = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
  return { name, size: content.length, content };
}

function blobEntry(bytes: Uint8Array): TarWriterEntry {
  return entry(`blobs/sha256/${createHash("sha256").update(bytes).digest("hex")}`, bytes);
}

const layoutFile = entry("oci-layout", '{"imageLayoutVersion":"1.0.0"}');
const indexFile = entry(
  "index.json",
  JSON.stringify({
    schemaVersion: 2,
    manifests: [
      { ...fixture.manifest.descriptor, annotations: { "org.opencontainers.image.ref.name": "v1" } },
    ],
  }),
);

async function saved(bytes: Uint8Array): Promise<string> {
  const file = join(await temporaryDirectory(), "archive.tar");
  await writeFile(file, bytes);
  return file;
}

describe("openOciArchive", () => {
  it("reads an archive another tool wrote: one untagged image resolves with an empty name", async () => {
    const file = await saved(
      await tarBytes([
        layoutFile,
        entry("index.json", JSON.stringify({ schemaVersion: 2, manifests: [fixture.manifest.descriptor] })),
        ...[...fixture.blobs, fixture.manifest].map((item) => blobEntry(item.bytes)),
      ]),
    );
    const archive = await openOciArchive(file);
    expect(archive.images).toEqual([{ descriptor: fixture.manifest.descriptor, tag: undefined }]);
    expect(await archive.resolve("")).toEqual(fixture.manifest.descriptor);
    expect(await archive.resolve("@0")).toEqual(fixture.manifest.descriptor);
    await expect(archive.resolve("latest")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("finds an image by the full name buildkit and Docker 25+ write beside its tag", async () => {
    const named = {
      ...fixture.manifest.descriptor,
      annotations: {
        "io.containerd.image.name": "docker.io/library/app:v1",
        "org.opencontainers.image.ref.name": "v1",
      },
    };
    const file = await saved(
      await tarBytes([
        layoutFile,
        entry("index.json", JSON.stringify({ schemaVersion: 2, manifests: [named] })),
        ...[...fixture.blobs, fixture.manifest].map((item) => blobEntry(item.bytes)),
      ]),
    );
    for (const reference of ["v1", "app:v1", "docker.io/library/app:v1", "library/app:v1"]) {
      const archive = await openOciArchive(file);
      expect({ reference, found: await archive.resolve(reference) }).toEqual({
        reference,
        found: fixture.manifest.descriptor,
      });
    }
    // Named as a docker archive, it is read as the OCI archive it is, and finds the same.
    const opened = await openArchive(file, "docker-archive");
    expect(opened.format).toBe("oci-archive");
    expect(await opened.target.resolve("docker.io/library/app:v1")).toEqual(fixture.manifest.descriptor);
    await expect((await openOciArchive(file)).resolve("app:v2")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("leaves referrers indexes out of images and tags, and asks for a name among several images", async () => {
    const directory = await temporaryDirectory();
    const file = join(directory, "two.tar");
    await writeOciArchive(file, async (layout) => {
      await pushFixture(layout, fixture);
      await layout.tag(fixture.manifest.descriptor, "v1");
      await layout.tag(fixture.artifact.descriptor, "note");
    });
    const archive = await openOciArchive(file);
    expect(archive.images.map((image) => image.tag)).toEqual(["v1", "note"]);
    const tags: string[] = [];
    for await (const tag of archive.tags()) tags.push(tag);
    expect(tags).toEqual(["note", "v1"]);
    await expect(archive.resolve("")).rejects.toThrow(/holds 2 images: name one/);
    expect((await archive.resolve("@1")).digest).toBe(fixture.artifact.descriptor.digest);
  });

  it("refuses a docker archive without oci-layout with a hint, and a file without index.json", async () => {
    const dockerOnly = await saved(
      await tarBytes([entry("manifest.json", "[]"), ...fixture.blobs.map((item) => blobEntry(item.bytes))]),
    );
    await expect(openOciArchive(dockerOnly)).rejects.toThrow(
      /is not an OCI archive: oci-layout is missing \(it has manifest.json: read it as docker-archive:\)/,
    );
    const noIndex = await saved(await tarBytes([layoutFile, blobEntry(fixture.config.bytes)]));
    const refused = openOciArchive(noIndex);
    await expect(refused).rejects.toBeInstanceOf(LocalFormatError);
    await expect(refused).rejects.toThrow(/is not an OCI archive: index.json is missing$/);
  });

  it("refuses a truncated archive, an unsafe entry name and a malformed index.json", async () => {
    const good = await tarBytes([layoutFile, indexFile, blobEntry(fixture.layer.bytes)]);
    const truncated = openOciArchive(await saved(good.subarray(0, good.length - 100_000)));
    await expect(truncated).rejects.toBeInstanceOf(LocalFormatError);
    await expect(truncated).rejects.toThrow(/truncated tar entry/);

    const evil = Buffer.concat([
      encodeTarHeader({ name: "../evil", mode: 0o644, size: 0, mtime: 0, typeflag: "0", linkName: "" }),
      await tarBytes([layoutFile, indexFile]),
    ]);
    const unsafe = openOciArchive(await saved(evil));
    await expect(unsafe).rejects.toBeInstanceOf(LocalFormatError);
    await expect(unsafe).rejects.toThrow(/entry "\.\.\/evil" has an unsafe path/);

    const malformed = openOciArchive(
      await saved(await tarBytes([layoutFile, entry("index.json", '{"schemaVersion":2,"manifests":{}}')])),
    );
    await expect(malformed).rejects.toBeInstanceOf(LocalFormatError);
    await expect(malformed).rejects.toThrow(/index.json/);
  });

  it("fails the fetch of a blob whose bytes do not match its name", async () => {
    const forged = new Uint8Array(fixture.layer.bytes);
    forged[1000] = (forged[1000] ?? 0) ^ 0xff;
    const name = `blobs/sha256/${fixture.layer.descriptor.digest.slice("sha256:".length)}`;
    const archive = await openOciArchive(
      await saved(await tarBytes([layoutFile, indexFile, entry(name, forged)])),
    );
    await expect(readAll(await archive.fetch(fixture.layer.descriptor))).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
  });

  it("reads blobs in place: the archive index holds offsets, nothing is extracted", async () => {
    const directory = await temporaryDirectory();
    const file = await fixtureArchive(directory);
    const entries = await indexTar(memorySource(await readFile(file)), { where: file });
    const archive = await openOciArchive(file);
    expect(await readAll(await archive.fetch(fixture.layer.descriptor))).toEqual(fixture.layer.bytes);
    expect(await readdir(directory)).toEqual(["image.tar"]);
    expect(entries.map((item) => item.name).slice(0, 3)).toEqual(["oci-layout", "index.json", "blobs/"]);
  });
});

describe("writeOciArchive", () => {
  it("writes oci-layout, index.json and every blob, the same bytes for the same content", async () => {
    const directory = await temporaryDirectory();
    const first = await fixtureArchive(directory);
    const bytes = await readFile(first);
    const again = join(directory, "again.tar");
    await writeOciArchive(again, async (layout) => {
      await pushFixture(layout, fixture);
      await layout.tag(fixture.manifest.descriptor, fixture.tag);
    });
    expect(
      createHash("sha256")
        .update(await readFile(again))
        .digest("hex"),
    ).toBe(createHash("sha256").update(bytes).digest("hex"));
    const names = (await indexTar(memorySource(bytes), { where: first })).map((item) => item.name);
    expect(names).toContain(`blobs/sha256/${fixture.layer.descriptor.digest.slice(7)}`);
    expect(names.filter((name) => name.includes(".tmp") || name.endsWith(".lock"))).toEqual([]);
  });

  it("leaves the old file and no temp file when fill fails, and removes the staging layout", async () => {
    const directory = await temporaryDirectory();
    const staging = await temporaryDirectory();
    const file = join(directory, "app.tar");
    await writeFile(file, "old archive");
    await expect(
      writeOciArchive(
        file,
        async (layout) => {
          await layout.push(fixture.layer.descriptor, fixture.layer.bytes);
          throw new UsageError("fill failed");
        },
        { temporaryDirectory: staging },
      ),
    ).rejects.toThrow("fill failed");
    expect(await readFile(file, "utf8")).toBe("old archive");
    expect(await readdir(directory)).toEqual(["app.tar"]);
    expect(await readdir(staging)).toEqual([]);
  });

  it("stops on an aborted signal with AbortError and writes nothing", async () => {
    const directory = await temporaryDirectory();
    const staging = await temporaryDirectory();
    const file = join(directory, "app.tar");
    const controller = new AbortController();
    await expect(
      writeOciArchive(
        file,
        async (layout) => {
          await pushFixture(layout, fixture);
          controller.abort();
        },
        { signal: controller.signal, temporaryDirectory: staging },
      ),
    ).rejects.toBeInstanceOf(AbortError);
    expect(await readdir(directory)).toEqual([]);
    expect(await readdir(staging)).toEqual([]);
  });

  it("replaces the file a symbolic link points to, and keeps the link", async () => {
    const directory = await temporaryDirectory();
    const expected = await readFile(await fixtureArchive(directory));
    await writeFile(join(directory, "real.tar"), "old archive");
    await symlink("real.tar", join(directory, "link.tar"));
    await writeOciArchive(join(directory, "link.tar"), async (layout) => {
      await pushFixture(layout, fixture);
      await layout.tag(fixture.manifest.descriptor, fixture.tag);
    });
    expect((await lstat(join(directory, "link.tar"))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(directory, "real.tar"))).toEqual(expected);
    expect((await readdir(directory)).sort()).toEqual(["image.tar", "link.tar", "real.tar"]);
  });

  it("writes into a named pipe as a stream, and leaves the pipe in place", async () => {
    const directory = await temporaryDirectory();
    const expected = await readFile(await fixtureArchive(directory));
    const pipe = join(directory, "pipe");
    execFileSync("mkfifo", [pipe]);
    const received = readFile(pipe);
    await writeOciArchive(pipe, async (layout) => {
      await pushFixture(layout, fixture);
      await layout.tag(fixture.manifest.descriptor, fixture.tag);
    });
    expect(await received).toEqual(expected);
    expect((await lstat(pipe)).isFIFO()).toBe(true);
  });

  it("refuses a directory as the destination and leaves it alone", async () => {
    const directory = await temporaryDirectory();
    const error = await writeOciArchive(directory, async () => undefined).catch((caught: unknown) => caught);
    expect(LocalIoError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`cannot write ${directory}: is a directory (EISDIR)`);
    expect(await readdir(directory)).toEqual([]);
  });

  it("names the failing path when the destination cannot be written", async () => {
    const directory = await temporaryDirectory();
    const file = join(directory, "missing", "app.tar");
    await expect(writeOciArchive(file, async () => undefined)).rejects.toThrow(/missing/);
  });
});

describe("archiveFormatOf", () => {
  it("tells a docker archive from an OCI archive by content, and refuses anything else", async () => {
    const directory = await temporaryDirectory();
    const memory = createMemoryTarget();
    await pushFixture(memory, fixture);
    const docker = join(directory, "docker.tar");
    await writeDockerArchive(docker, [
      { source: memory, descriptor: fixture.manifest.descriptor, repoTags: ["app:v1"] },
    ]);
    expect(await archiveFormatOf(docker)).toBe("docker-archive");
    expect(await archiveFormatOf(await fixtureArchive(directory))).toBe("oci-archive");
    const other = await saved(await tarBytes([entry("hello.txt", "hi")]));
    const refused = archiveFormatOf(other);
    await expect(refused).rejects.toBeInstanceOf(LocalFormatError);
    await expect(refused).rejects.toThrow(/is neither a docker archive .* nor an OCI archive/);
    await expect(archiveFormatOf(await saved(encoder.encode("not a tar at all")))).rejects.toBeInstanceOf(
      LocalFormatError,
    );
  });

  it("opens an archive named as one format in the other when that is all it is", async () => {
    const directory = await temporaryDirectory();
    const memory = createMemoryTarget();
    await pushFixture(memory, fixture);
    const formatOf = async (path: string, named?: "docker-archive" | "oci-archive") =>
      (await openArchive(path, named)).format;
    // Docker ≥ 25 (and writeDockerArchive) write both: each name is read as it says; a bare file as docker.
    const both = join(directory, "docker.tar");
    await writeDockerArchive(both, [
      { source: memory, descriptor: fixture.manifest.descriptor, repoTags: ["app:v1"] },
    ]);
    expect(await formatOf(both, "docker-archive")).toBe("docker-archive");
    expect(await formatOf(both, "oci-archive")).toBe("oci-archive");
    expect(await formatOf(both)).toBe("docker-archive");
    // An OCI archive named as a docker archive: read as the OCI archive it is, its tag and image found.
    const oci = await fixtureArchive(directory);
    const opened = await openArchive(oci, "docker-archive");
    expect(opened.format).toBe("oci-archive");
    expect(await opened.target.resolve("@0")).toEqual(fixture.manifest.descriptor);
    // A Docker < 25 archive (manifest.json only) named as an OCI archive: read as a docker archive.
    const legacy = await saved(await tarBytes([entry("manifest.json", "[]")]));
    expect(await formatOf(legacy, "oci-archive")).toBe("docker-archive");
    // Neither: the named format's reader says what is missing; unnamed, that it is neither.
    const other = await saved(await tarBytes([entry("hello.txt", "hi")]));
    await expect(openArchive(other, "oci-archive")).rejects.toThrow(
      /is not an OCI archive: oci-layout is missing/,
    );
    await expect(openArchive(other, "docker-archive")).rejects.toThrow(/is not a docker save archive/);
    await expect(openArchive(other, undefined)).rejects.toThrow(/is neither a docker archive/);
  });
});
